"""Bugs 6 and 8: status texts that match the state, user text isolated for right-to-left scripts."""

import pytest
from django.urls import reverse

from certificates import services
from certificates.tests.factories import accepted, full_data, make_individual, make_project, submitted

pytestmark = pytest.mark.django_db


def url(name, org, **kwargs):
    return reverse(f"certificates:{name}", kwargs={"org_slug": org.slug, **kwargs})


def test_after_accepting_the_page_asks_to_generate_not_to_accept(login, org, organiser, learner):
    individual = accepted(make_individual(make_project(org)), learner, organiser)
    page = login(organiser).get(url("individual", org, pk=individual.pk)).content.decode()
    assert "Accept the learner's data" not in page and "Accept the learner&#x27;s data" not in page
    assert "No certificate yet: generate one" in page


def test_before_acceptance_the_page_says_what_comes_first(login, org, organiser):
    individual = make_individual(make_project(org))
    page = login(organiser).get(url("individual", org, pk=individual.pk)).content.decode()
    assert "once you have accepted the learner" in page


def test_after_connect_the_list_does_not_say_not_invited_beside_invited(login, org, organiser):
    project = make_project(org)
    individual = make_individual(project)
    client = login(organiser)
    services.individual_send_connect(individual=individual, sent_by=organiser)
    page = client.get(url("project", org, pk=project.pk)).content.decode()
    assert "Not invited" not in page
    assert "Connect link sent" in page and "Not writing yet" in page


def test_a_connected_individual_never_shows_as_not_invited(login, org, organiser, learner):
    project = make_project(org)
    individual = make_individual(project)
    services.individual_send_connect(individual=individual, sent_by=organiser)
    individual.refresh_from_db()
    individual.user = learner
    individual.save(update_fields=["user"])
    client = login(organiser)
    for page in (
        client.get(url("project", org, pk=project.pk)).content.decode(),
        client.get(url("individual", org, pk=individual.pk)).content.decode(),
    ):
        assert "Not invited" not in page and "Not writing yet" in page


ARABIC_REFERENCE = {
    "reference_1_name": "ليلى حداد",
    "reference_1_role": "مدربة",
    "reference_1_contact": "+962 6 555 0100",
}


def test_user_text_is_isolated_so_a_phone_number_beside_arabic_keeps_its_order(login, org, organiser, learner, client):
    individual = accepted(make_individual(make_project(org)), learner, organiser, data=full_data(**ARABIC_REFERENCE))
    certificate = services.certificate_generate(individual=individual, generated_by=organiser)
    organiser_page = login(organiser).get(url("individual", org, pk=individual.pk)).content.decode()
    assert '<bdi dir="auto">+962 6 555 0100</bdi>' in organiser_page
    assert '<bdi dir="auto">ليلى حداد</bdi>' in organiser_page
    learner_client = login(learner)
    page = learner_client.get(reverse("certificates:learner_edit", kwargs={"public_id": individual.public_id}))
    assert '<bdi dir="auto">+962 6 555 0100</bdi>' in page.content.decode()
    verify = client.get(reverse("certificates:verify", kwargs={"code": certificate.code})).content.decode()
    assert '<bdi dir="auto">Lea Martin</bdi>' in verify


def test_the_learners_inputs_take_their_direction_from_their_text(login, org, organiser, learner):
    from certificates.tests.factories import editing

    individual = editing(make_individual(make_project(org)), learner, organiser)
    page = login(learner).get(reverse("certificates:learner_edit", kwargs={"public_id": individual.public_id}))
    body = page.content.decode()
    for key in ("reference_1_contact", "competence_personal", "first_name"):
        tag = body[body.index(f'id="id_{key}"') - 300 : body.index(f'id="id_{key}"') + 200]
        assert 'dir="auto"' in tag


def test_the_review_isolates_the_submitted_text(login, org, organiser, learner):
    individual = submitted(make_individual(make_project(org)), learner, organiser, data=full_data(**ARABIC_REFERENCE))
    body = login(organiser).get(url("review", org, pk=individual.pk)).content.decode()
    assert '<bdi dir="auto">+962 6 555 0100</bdi>' in body
