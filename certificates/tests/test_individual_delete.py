"""Deleting an individual added by mistake, before anyone connected or wrote anything."""

import pytest
from django.urls import reverse

from certificates import services
from certificates.models import AuditEntry, Individual, IndividualInvitation
from certificates.tests.factories import accepted, make_individual, make_project

pytestmark = pytest.mark.django_db


def url(name, org, **kwargs):
    return reverse(f"certificates:{name}", kwargs={"org_slug": org.slug, **kwargs})


def test_an_organiser_deletes_an_individual_nobody_has_written_for(login, org, organiser):
    project = make_project(org)
    individual = make_individual(project)
    services.individual_send_connect(individual=individual, sent_by=organiser)
    client = login(organiser)
    assert (
        url("individual_delete", org, pk=individual.pk)
        in client.get(url("individual", org, pk=individual.pk)).content.decode()
    )

    response = client.post(url("individual_delete", org, pk=individual.pk), follow=True)

    assert response.redirect_chain[-1][0] == url("project", org, pk=project.pk)
    assert "Lea Martin was deleted from the project." in response.content.decode()
    assert not Individual.objects.exists()
    assert not AuditEntry.objects.exists()
    assert client.post(url("individual_delete", org, pk=individual.pk)).status_code == 404


def test_a_link_emailed_before_the_deletion_stops_working(login, org, organiser, learner):
    individual = make_individual(make_project(org))
    invitation = services.individual_send_connect(individual=individual, sent_by=organiser)
    raw = invitation.issue_token()
    invitation.save()

    login(organiser).post(url("individual_delete", org, pk=individual.pk))

    assert not IndividualInvitation.objects.exists()
    with pytest.raises(services.CertificatesError, match="This link is not valid"):
        services.invitation_use(token=raw, user=learner)


def test_a_connected_individual_is_not_deleted_and_the_organiser_is_told_to_disconnect_first(
    login, org, organiser, learner
):
    individual = make_individual(make_project(org))
    services.individual_send_connect(individual=individual, sent_by=organiser)
    Individual.objects.filter(pk=individual.pk).update(user=learner)
    client = login(organiser)
    assert (
        url("individual_delete", org, pk=individual.pk)
        not in client.get(url("individual", org, pk=individual.pk)).content.decode()
    )

    response = client.post(url("individual_delete", org, pk=individual.pk), follow=True)

    assert response.redirect_chain[-1][0] == url("individual", org, pk=individual.pk)
    assert "An account is connected: disconnect it first, then delete." in response.content.decode()
    assert Individual.objects.filter(pk=individual.pk).exists()


def test_an_individual_invited_to_write_is_not_deleted_even_before_connecting(login, org, organiser):
    individual = make_individual(make_project(org))
    services.individual_send_connect(individual=individual, sent_by=organiser)
    services.individual_invite_to_edit(individual=individual, invited_by=organiser)

    response = login(organiser).post(url("individual_delete", org, pk=individual.pk), follow=True)

    assert "Lea Martin was already invited to write" in response.content.decode()
    assert Individual.objects.filter(pk=individual.pk).exists()


def test_an_individual_with_a_certificate_is_not_deleted_even_after_disconnecting(
    login, org, organiser, learner, django_capture_on_commit_callbacks
):
    individual = accepted(make_individual(make_project(org)), learner, organiser)
    with django_capture_on_commit_callbacks(execute=True):
        services.certificate_generate(individual=individual, generated_by=organiser)
    # Forced back to the first state: the certificate alone must keep the individual.
    Individual.objects.filter(pk=individual.pk).update(user=None, status=Individual.Status.NOT_INVITED)

    response = login(organiser).post(url("individual_delete", org, pk=individual.pk), follow=True)

    assert "A certificate was issued to Lea Martin; revoke it instead." in response.content.decode()
    assert Individual.objects.filter(pk=individual.pk).exists()


def test_an_outsider_cannot_delete_an_individual_of_another_organisation(login, org, outsider):
    individual = make_individual(make_project(org))
    assert login(outsider).post(url("individual_delete", org, pk=individual.pk)).status_code == 404
    assert Individual.objects.filter(pk=individual.pk).exists()


def test_a_learning_manager_cannot_delete_an_individual(login, org, learning_manager):
    individual = make_individual(make_project(org))
    assert login(learning_manager).post(url("individual_delete", org, pk=individual.pk)).status_code == 403
    assert Individual.objects.filter(pk=individual.pk).exists()


def test_deleting_by_get_is_refused(login, org, organiser):
    individual = make_individual(make_project(org))
    assert login(organiser).get(url("individual_delete", org, pk=individual.pk)).status_code == 405
    assert Individual.objects.filter(pk=individual.pk).exists()
