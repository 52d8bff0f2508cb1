"""The Django admin of every badges model: listed, searchable, filterable, and constant in queries."""

import pytest
from django.apps import apps
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from badges import services
from badges.models import Activity, BadgeClass
from badges.tests.test_demo import run_demo
from conftest import make_user

MODELS = list(apps.get_app_config("badges").get_models())


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_every_model_has_a_searchable_admin_whose_list_does_not_query_per_row(client, model, db):
    model_admin = admin.site._registry[model]
    assert model_admin.list_display and model_admin.search_fields and model_admin.list_filter
    run_demo()
    client.force_login(make_user("staff@example.test", is_staff=True, is_superuser=True))
    path = reverse(f"admin:badges_{model._meta.model_name}_changelist")

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(path).status_code == 200
        return len(captured)

    before = queries()
    organiser = Activity.objects.first().created_by
    for badge in BadgeClass.objects.all():
        services.badge_issue_to_emails(badge=badge, text="new1@example.test new2@example.test", issued_by=organiser)

    assert queries() == before
    assert client.get(path, {"q": "example"}).status_code == 200
