"""Bug 1: one name per person. The individual's name is the accepted name; the learner changes it in their
personal data while they hold the data, the organiser otherwise; the certificate shows the accepted value."""

import pytest
from django.urls import reverse

from certificates import content, services
from certificates.models import Certificate
from certificates.tests.factories import accepted, editing, full_data, make_individual, make_project

pytestmark = pytest.mark.django_db


def url(name, org, **kwargs):
    return reverse(f"certificates:{name}", kwargs={"org_slug": org.slug, **kwargs})


def edit_post(individual, **details):
    data = content.clean_data(individual.accepted_data)
    return {
        "first_name": individual.first_name,
        "surname": individual.surname,
        "email": individual.email,
        "country": individual.country.code,
        "role": individual.role,
        **details,
        **{f"data-{key}": value for key, value in data.items()},
    }


def test_the_organisers_edit_form_asks_for_the_name_once(login, org, organiser):
    individual = make_individual(make_project(org))
    page = login(organiser).get(url("individual_edit", org, pk=individual.pk)).content.decode()
    assert page.count('name="first_name"') == 1 and page.count('name="surname"') == 1
    assert 'name="data-first_name"' not in page and 'name="data-surname"' not in page


def test_a_name_corrected_by_the_organiser_reaches_the_regenerated_certificate_and_its_verification_page(
    login, client, org, organiser, learner
):
    individual = accepted(make_individual(make_project(org)), learner, organiser)
    first = services.certificate_generate(individual=individual, generated_by=organiser)
    organiser_client = login(organiser)
    response = organiser_client.post(
        url("individual_edit", org, pk=individual.pk), edit_post(individual, first_name="Léa", surname="Martin-Roy")
    )
    assert response.status_code == 302
    individual.refresh_from_db()
    assert individual.full_name == "Léa Martin-Roy"
    assert individual.accepted_data["first_name"] == "Léa" and individual.accepted_data["surname"] == "Martin-Roy"
    # The page says the certificate no longer matches, before anyone regenerates it.
    page = organiser_client.get(url("individual", org, pk=individual.pk)).content.decode()
    assert "changed since" in page
    second = services.certificate_generate(individual=individual, generated_by=organiser)
    assert second.data["holder"] == "Léa Martin-Roy"
    client.logout()
    body = client.get(reverse("certificates:verify", kwargs={"code": second.code})).content.decode()
    assert "Léa Martin-Roy" in body
    first.refresh_from_db()
    assert first.status == Certificate.Status.SUPERSEDED


def test_a_name_the_learner_corrects_becomes_the_individuals_name_once_accepted(org, organiser, learner):
    individual = editing(make_individual(make_project(org)), learner, organiser)
    individual = services.individual_submit(
        individual=individual, user=learner, data=full_data(first_name="Léa", surname="Martin")
    )
    individual.refresh_from_db()
    # Submitted, not accepted: lists and emails keep the accepted name.
    assert individual.first_name == "Lea"
    services.individual_accept(individual=individual, accepted_by=organiser)
    individual.refresh_from_db()
    assert individual.full_name == "Léa Martin"
    certificate = services.certificate_generate(individual=individual, generated_by=organiser)
    assert certificate.data["holder"] == "Léa Martin"


def test_the_organiser_cannot_change_the_name_while_the_learner_holds_the_data(org, organiser, learner):
    individual = editing(make_individual(make_project(org)), learner, organiser)
    with pytest.raises(services.CertificatesError):
        services.individual_update(
            individual=individual,
            updated_by=organiser,
            details={
                "first_name": "X",
                "surname": "Y",
                "email": individual.email,
                "country": "FR",
                "role": individual.role,
            },
            data={},
        )
    individual.refresh_from_db()
    assert individual.full_name == "Lea Martin"


def test_the_organisers_data_form_cannot_slip_in_a_second_name(org, organiser):
    individual = make_individual(make_project(org))
    services.individual_update(
        individual=individual,
        updated_by=organiser,
        details={
            "first_name": "Lea",
            "surname": "Martin",
            "email": individual.email,
            "country": "FR",
            "role": "participant",
        },
        data=full_data(first_name="Other", surname="Person"),
    )
    individual.refresh_from_db()
    assert individual.accepted_data["first_name"] == "Lea" and individual.accepted_data["surname"] == "Martin"


def test_the_migration_keeps_the_name_written_last(org, organiser, learner):
    """Existing rows: the organiser's later correction wins over an older accepted name, and the other way round."""
    from importlib import import_module

    from django.apps import apps

    from certificates.models import AuditEntry, Individual

    migration = import_module("certificates.migrations.0004_one_name")
    project = make_project(org)
    corrected = accepted(make_individual(project, "a@example.test"), learner, organiser)
    # The old organiser form changed only the individual's name, after the acceptance.
    Individual.objects.filter(pk=corrected.pk).update(first_name="Léa")
    AuditEntry.objects.create(individual=corrected, actor=organiser, action=AuditEntry.Action.UPDATED)
    learner_fixed = make_individual(project, "b@example.test", first_name="Jon", surname="Berg")
    Individual.objects.filter(pk=learner_fixed.pk).update(
        accepted_data={**learner_fixed.accepted_data, "first_name": "Jonas"}
    )
    AuditEntry.objects.create(individual=learner_fixed, actor=organiser, action=AuditEntry.Action.ACCEPTED)
    empty = make_individual(project, "c@example.test", first_name="Sam", surname="Okafor")
    Individual.objects.filter(pk=empty.pk).update(accepted_data={})

    migration.one_name(apps, None)

    corrected.refresh_from_db()
    learner_fixed.refresh_from_db()
    empty.refresh_from_db()
    assert corrected.full_name == "Léa Martin" and corrected.accepted_data["first_name"] == "Léa"
    assert learner_fixed.full_name == "Jonas Berg" and learner_fixed.accepted_data["first_name"] == "Jonas"
    assert empty.accepted_data["first_name"] == "Sam" and empty.accepted_data["surname"] == "Okafor"
