"""Open Badges 3.0: the one place that turns an accepted certificate into an `AchievementCredential`.

The achievement is the learner's participation in the project (its title, type, dates, venue and
organisation, the learner's role); their self-assessment per key competence travels as results,
each described in the achievement; the certificate code is the achievement's human code.
Pure: signing and storing happen in services.
"""

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from certificates import content
from certificates.models import Certificate
from credentials import did, ld
from credentials.services import status_entry_document
from learnerpass.lib.urls import absolute_url


def credential_url(certificate: Certificate) -> str:
    return absolute_url("certificates:credential", code=certificate.code)


def _iso(value) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def _day(value: str) -> str:
    return f"{value}T00:00:00Z"


def issuer_profile(organisation) -> dict:
    profile = {
        "id": did.did_for(organisation.slug),
        "type": ["Profile"],
        "name": organisation.name,
        "url": organisation.website or settings.SITE_URL + "/",
    }
    if organisation.contact_email:
        profile["email"] = organisation.contact_email
    return profile


def certificate_credential(certificate: Certificate, *, status_list_public_id: str) -> dict:
    """The unsigned AchievementCredential of a certificate whose status entry is allocated."""
    data = certificate.data
    project = data.get("project", {})
    fields = data.get("fields", {})
    organisation = certificate.individual.project.organisation
    verify_url = certificate.verify_url
    with translation.override(project.get("language") or settings.LANGUAGE_CODE):
        description = _(
            "%(role)s in the %(activity_type)s “%(title)s” (%(venue)s, %(start)s to %(end)s), organised by "
            "%(organisation)s."
        ) % {
            "role": data.get("role", ""),
            "activity_type": project.get("activity_type", ""),
            "title": project.get("title", ""),
            "venue": project.get("venue", ""),
            "start": project.get("start_date", ""),
            "end": project.get("end_date", ""),
            "organisation": data.get("organisation", organisation.name),
        }
        if project.get("description"):
            description += "\n\n" + project["description"]
        criteria = _(
            "Took part in the project. The learner described their part and assessed their own competences; "
            "the organisers reviewed and accepted it."
        )
        competences = content.competences(fields)
        result_descriptions = [
            {
                "id": f"{verify_url}#competence-{c['key']}",
                "type": ["ResultDescription"],
                "name": str(c["title"]),
                "resultType": "ext:SelfAssessment",
            }
            for c in competences
        ]
    narrative = "\n\n".join(text for part in data.get("parts", []) if (text := (fields.get(part) or "").strip()))
    achievement = {
        "id": f"{verify_url}#achievement",
        "type": ["Achievement"],
        "achievementType": "Certificate",
        "name": project.get("title", ""),
        "description": description,
        "criteria": {"narrative": criteria},
        "humanCode": certificate.code,
        "otherIdentifier": [
            {"type": "IdentifierEntry", "identifier": certificate.code, "identifierType": "identifier"}
        ],
        "inLanguage": project.get("language") or settings.LANGUAGE_CODE,
        "creator": issuer_profile(organisation),
    }
    if result_descriptions:
        achievement["resultDescription"] = result_descriptions
    subject = {
        "type": ["AchievementSubject"],
        "identifier": [
            {"type": "IdentityObject", "hashed": False, "identityHash": data.get("holder", ""), "identityType": "name"},
            {
                "type": "IdentityObject",
                "hashed": True,
                "identityHash": certificate.recipient_identity,
                "identityType": "emailAddress",
                "salt": certificate.salt,
            },
        ],
        "achievement": achievement,
        "activityStartDate": _day(project.get("start_date", "")),
        "activityEndDate": _day(project.get("end_date", "")),
        "role": data.get("role", ""),
    }
    if narrative:
        subject["narrative"] = narrative
    if competences:
        subject["result"] = [
            {"type": ["Result"], "resultDescription": f"{verify_url}#competence-{c['key']}", "value": c["text"]}
            for c in competences
        ]
    return {
        "@context": [ld.VC_V2, ld.OB_V3],
        "id": credential_url(certificate),
        "type": ["VerifiableCredential", "AchievementCredential"],
        "issuer": issuer_profile(organisation),
        "validFrom": _iso(certificate.issued_at),
        "name": project.get("title", ""),
        "credentialSubject": subject,
        "credentialStatus": status_entry_document(
            slug=organisation.slug, list_public_id=status_list_public_id, index=certificate.status_index
        ),
    }
