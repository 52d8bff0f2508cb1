import pytest
from django.contrib import admin
from django.urls import reverse

from certificates.models import AuditEntry, Certificate, Individual, IndividualInvitation, Project

pytestmark = pytest.mark.django_db


def test_demo_data_has_every_state_and_a_rendered_certificate_and_runs_twice():
    from certificates import demo
    from organisations import demo as organisations_demo

    context = organisations_demo.build({})
    demo.build(context)
    counts = (Project.objects.count(), Individual.objects.count(), Certificate.objects.count())
    demo.build(context)
    assert (Project.objects.count(), Individual.objects.count(), Certificate.objects.count()) == counts
    assert set(Individual.objects.values_list("status", flat=True)) == set(Individual.Status.values)
    certificate = Certificate.objects.get()
    assert certificate.pdf and certificate.individual.user == context["learner2"]


@pytest.mark.parametrize("model", [Project, Individual, IndividualInvitation, AuditEntry, Certificate])
def test_every_model_has_a_searchable_admin(client, model, db):
    from conftest import make_user

    model_admin = admin.site._registry[model]
    assert model_admin.list_display and model_admin.search_fields and model_admin.list_filter
    staff = make_user("staff@example.test", is_staff=True, is_superuser=True)
    client.force_login(staff)
    path = reverse(f"admin:certificates_{model._meta.model_name}_changelist")
    assert client.get(path, {"q": "x"}).status_code == 200
