import io
import json

import pytest
from django.contrib import admin
from django.core.management import call_command
from django.urls import reverse
from pypdf import PdfReader

from badges.models import Assertion
from certificates.models import Certificate
from credentials.models import SigningKey, StatusList
from credentials.verification import verify_credential

pytestmark = pytest.mark.django_db


def checks(document):
    return {check.key: check.ok for check in verify_credential(document).checks}


def test_the_demo_credentials_verify_and_the_revoked_badge_says_so(client):
    call_command("demo_data", stdout=io.StringIO())
    call_command("demo_data", stdout=io.StringIO())
    assert SigningKey.objects.filter(organisation__slug="demo").count() <= 1

    live = Assertion.objects.filter(badge__organisation__slug="demo", revoked_at__isnull=True).first()
    revoked = Assertion.objects.get(badge__organisation__slug="demo", revoked_at__isnull=False)
    live_credential = client.get(f"/ob/assertions/{live.public_id}/credential").json()
    revoked_credential = client.get(f"/ob/assertions/{revoked.public_id}/credential").json()
    assert all(checks(live_credential).values())
    assert checks(revoked_credential)["status"] is False and checks(revoked_credential)["signature"] is True

    certificate = Certificate.objects.get(
        individual__project__organisation__slug="demo", individual__project__title="Green Neighbours volunteering"
    )
    with certificate.pdf.open("rb") as handle:
        attached = PdfReader(handle).attachments["credential.json"][0]
    assert all(checks(json.loads(attached)).values())
    assert SigningKey.objects.filter(organisation__slug="demo").count() == 1


@pytest.mark.parametrize("model", [SigningKey, StatusList])
def test_every_model_has_a_searchable_read_only_admin(client, org, model):
    from conftest import make_user
    from credentials import services

    services.signing_key_for(organisation=org)
    services.status_entries_allocate(organisation=org, count=1)
    model_admin = admin.site._registry[model]
    assert model_admin.list_display and model_admin.search_fields and model_admin.list_filter
    client.force_login(make_user("staff@example.test", is_staff=True, is_superuser=True))
    name = model._meta.model_name
    assert client.get(reverse(f"admin:credentials_{name}_changelist"), {"q": "acme"}).status_code == 200
    assert client.get(reverse(f"admin:credentials_{name}_add")).status_code == 403
    obj = model.objects.get()
    page = client.get(reverse(f"admin:credentials_{name}_change", args=[obj.pk])).content.decode()
    if model is SigningKey:
        assert obj.public_key_multibase in page and obj.private_key_encrypted not in page
