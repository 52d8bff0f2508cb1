"""Organiser actions refused in the wrong state: each says why, changes nothing and lands somewhere sensible."""

import pytest
from django.urls import reverse

from certificates import services
from certificates.models import AuditEntry, Certificate
from certificates.tests.factories import accepted, editing, make_individual, make_project, submitted

pytestmark = pytest.mark.django_db


def url(name, org, **kwargs):
    return reverse(f"certificates:{name}", kwargs={"org_slug": org.slug, **kwargs})


def test_editing_a_submitted_individual_sends_the_organiser_to_review_first(login, org, organiser, learner):
    individual = submitted(make_individual(make_project(org)), learner, organiser)
    client = login(organiser)
    for response in (
        client.get(url("individual_edit", org, pk=individual.pk)),
        client.post(url("individual_edit", org, pk=individual.pk), {}),
    ):
        assert response["Location"] == url("individual", org, pk=individual.pk)
    page = client.get(url("individual", org, pk=individual.pk)).content.decode()
    assert "Review the submission first." in page
    individual.refresh_from_db()
    assert individual.status == "submitted"


def test_connecting_an_individual_who_is_connected_already_is_refused(login, org, organiser, learner):
    individual = editing(make_individual(make_project(org)), learner, organiser)
    response = login(organiser).post(url("individual_connect", org, pk=individual.pk), follow=True)
    assert "Lea Martin is already connected." in response.content.decode()
    assert individual.invitations.filter(kind="connect").count() == 1


def test_disconnecting_when_no_account_is_connected_says_so(login, org, organiser):
    individual = make_individual(make_project(org))
    response = login(organiser).post(url("individual_disconnect", org, pk=individual.pk), follow=True)
    assert "No account is connected." in response.content.decode()
    assert not individual.audit_entries.filter(action=AuditEntry.Action.DISCONNECTED).exists()


def test_inviting_a_submitted_individual_to_edit_is_refused(login, org, organiser, learner):
    individual = submitted(make_individual(make_project(org)), learner, organiser)
    response = login(organiser).post(url("individual_invite", org, pk=individual.pk), {"message": "Hi"}, follow=True)
    assert "The learner has submitted; review the submission first." in response.content.decode()
    individual.refresh_from_db()
    assert individual.status == "submitted"


def test_an_overlong_message_to_the_learner_is_refused(login, org, organiser, learner):
    individual = make_individual(make_project(org))
    services.individual_send_connect(individual=individual, sent_by=organiser)
    response = login(organiser).post(
        url("individual_invite", org, pk=individual.pk), {"message": "x" * 3001}, follow=True
    )
    assert "Personal message (optional): Ensure this value has at most 3000 characters" in response.content.decode()
    individual.refresh_from_db()
    assert individual.status == "not_invited"


def test_requesting_changes_on_data_that_is_not_submitted_goes_back_to_the_review(login, org, organiser, learner):
    individual = accepted(make_individual(make_project(org)), learner, organiser)
    response = login(organiser).post(url("request_changes", org, pk=individual.pk), {"comment": "More, please"})
    assert response["Location"] == url("review", org, pk=individual.pk)
    individual.refresh_from_db()
    assert individual.status == "accepted"


def test_generating_without_accepted_data_is_refused_for_one_and_for_the_project(login, org, organiser, learner):
    individual = editing(make_individual(make_project(org)), learner, organiser)
    client = login(organiser)
    response = client.post(url("individual_generate", org, pk=individual.pk), follow=True)
    assert "Only accepted data can be certified." in response.content.decode()
    response = client.post(url("project_generate", org, pk=individual.project.pk), follow=True)
    assert "No individual of this project has accepted data yet." in response.content.decode()
    assert not Certificate.objects.exists()


def test_revoking_without_a_reason_is_refused_and_the_certificate_stays_valid(login, org, organiser, learner):
    individual = accepted(make_individual(make_project(org)), learner, organiser)
    certificate = services.certificates._generate(individual, organiser)
    response = login(organiser).post(url("certificate_revoke", org, pk=certificate.pk), {"reason": ""}, follow=True)
    assert "Give a reason" in response.content.decode()
    certificate.refresh_from_db()
    assert certificate.status == "valid"


def test_a_certificate_not_rendered_yet_cannot_be_downloaded(login, org, organiser, learner):
    individual = accepted(make_individual(make_project(org)), learner, organiser)
    certificate = services.certificates._generate(individual, organiser)  # no commit, so no PDF yet
    assert login(organiser).get(url("certificate_download", org, pk=certificate.pk)).status_code == 404
    path = reverse("certificates:learner_download", kwargs={"code": certificate.code})
    assert login(learner).get(path).status_code == 404


def test_deleting_an_individual_who_cannot_be_deleted_stays_on_their_page(login, org, organiser, learner):
    individual = editing(make_individual(make_project(org)), learner, organiser)
    response = login(organiser).post(url("individual_delete", org, pk=individual.pk))
    assert response["Location"] == url("individual", org, pk=individual.pk)
    assert individual.project.individuals.filter(pk=individual.pk).exists()
