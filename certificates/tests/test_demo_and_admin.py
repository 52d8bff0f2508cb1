import pytest
from django.contrib import admin
from django.urls import reverse

from certificates.models import AuditEntry, Certificate, CertificateCopy, Individual, IndividualInvitation, Project

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
    certificate = Certificate.objects.get(individual__project__title="Green Neighbours volunteering")
    assert certificate.pdf and certificate.individual.user == context["learner2"]
    # The richer certificate and the other languages: programme, grant number, partners; a German exchange
    # whose first certificate was revoked, the current one with a Ukrainian copy.
    green = Project.objects.get(title="Green Neighbours volunteering")
    assert green.programme and green.grant_number and green.partners.count() == 2
    exchange = Project.objects.get(title="Brücken bauen")
    assert exchange.language == "de" and exchange.partners.count() == 2
    statuses = sorted(Certificate.objects.filter(individual__project=exchange).values_list("status", flat=True))
    assert statuses == ["revoked", "valid"]
    assert CertificateCopy.objects.get().pdf
    assert Individual.objects.get(status="editing").edit_deadline
    # Whoever submitted, or was asked for changes, has an account to do it with.
    for individual in Individual.objects.exclude(status=Individual.Status.NOT_INVITED):
        assert individual.user_id, individual


def test_the_demo_timeline_tells_how_each_individual_reached_their_state():
    from certificates import demo
    from organisations import demo as organisations_demo

    demo.build(organisations_demo.build({}))
    actions = {
        individual.status: list(individual.audit_entries.order_by("id").values_list("action", flat=True))
        for individual in Individual.objects.filter(project__title="Green Neighbours volunteering")
    }
    assert actions["not_invited"] == ["created"]
    assert actions["submitted"] == ["created", "connect_sent", "connected", "edit_invited", "submitted"]
    assert actions["changes_requested"][-1] == "changes_requested"
    assert actions["accepted"][-2:] == ["accepted", "certificate_generated"]
    jonas = Individual.objects.get(status="submitted")
    assert jonas.audit_entries.get(action="submitted").actor == jonas.user


@pytest.mark.parametrize("model", [Project, Individual, IndividualInvitation, AuditEntry, Certificate, CertificateCopy])
def test_every_model_has_a_searchable_admin(client, model, db):
    from conftest import make_user

    model_admin = admin.site._registry[model]
    assert model_admin.list_display and model_admin.search_fields and model_admin.list_filter
    staff = make_user("staff@example.test", is_staff=True, is_superuser=True)
    client.force_login(staff)
    path = reverse(f"admin:certificates_{model._meta.model_name}_changelist")
    assert client.get(path, {"q": "x"}).status_code == 200
