import pytest
from django.utils import timezone

from credentials import did, ld, services


@pytest.fixture
def sample_credential(org):
    """A minimal OB 3.0 credential of `org`, unsigned, with a fresh revocation entry; returns (document, entry)."""

    def make(**overrides):
        [entry] = services.status_entries_allocate(organisation=org, count=1)
        from credentials.models import StatusList

        status_list = StatusList.objects.get(pk=entry.status_list_id)
        document = {
            "@context": [ld.VC_V2, ld.OB_V3],
            "id": "urn:uuid:2f1b7e0c-3c9a-4f4e-9d55-0f6a1c6f9a10",
            "type": ["VerifiableCredential", "OpenBadgeCredential"],
            "issuer": {"id": did.did_for(org.slug), "type": ["Profile"], "name": org.name},
            "validFrom": (timezone.now() - timezone.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "name": "Forest first aid",
            "credentialSubject": {
                "type": ["AchievementSubject"],
                "achievement": {
                    "id": "https://example.org/achievements/1",
                    "type": ["Achievement"],
                    "name": "Forest first aid",
                    "description": "First aid in the woods.",
                    "criteria": {"narrative": "Took the course."},
                },
            },
            "credentialStatus": services.status_entry_document(
                slug=org.slug, list_public_id=status_list.public_id, index=entry.index
            ),
        }
        document.update(overrides)
        return document, entry

    return make


@pytest.fixture
def signed_credential(org, sample_credential):
    def make(**overrides):
        document, entry = sample_credential(**overrides)
        return services.credential_sign(organisation=org, document=document), entry

    return make
