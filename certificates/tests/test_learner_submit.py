"""Bugs 4 and 5: Submit validates first and names the fields; the page never comes back editable from the cache."""

import pytest
from django.urls import reverse

from certificates.models import Individual
from certificates.tests.factories import editing, full_data, make_individual, make_project

pytestmark = pytest.mark.django_db


def edit_url(individual, name="learner_edit"):
    return reverse(f"certificates:{name}", kwargs={"public_id": individual.public_id})


@pytest.fixture
def individual(org, organiser, learner):
    return editing(make_individual(make_project(org)), learner, organiser)


def test_submit_with_an_invalid_link_lists_the_field_at_the_top_as_a_link_to_it(login, learner, individual):
    response = login(learner).post(edit_url(individual, "learner_submit"), full_data(evidence_1_url="not a link"))
    assert response.status_code == 400
    body = response.content.decode()
    summary = body[body.index('id="error-summary"') :]
    summary = summary[: summary.index("</div>")]
    assert 'href="#id_evidence_1_url"' in summary and "Evidence 1: link" in summary
    # The summary comes before the form, so it is the first thing the learner sees.
    assert body.index('id="error-summary"') < body.index('id="id_first_name"')
    individual.refresh_from_db()
    assert individual.status == Individual.Status.EDITING


def test_submit_names_every_missing_field(login, learner, individual):
    body = login(learner).post(edit_url(individual, "learner_submit"), {}).content.decode()
    summary = body[body.index('id="error-summary"') :]
    summary = summary[: summary.index("</div>")]
    for key in ("first_name", "surname", "birth_date", "tasks", "competence_literacy"):
        assert f'href="#id_{key}"' in summary


def test_a_complete_form_is_saved_and_asks_for_confirmation_before_submitting(login, learner, individual):
    client = login(learner)
    response = client.post(edit_url(individual, "learner_submit"), full_data())
    assert response.status_code == 302 and response["Location"] == edit_url(individual, "learner_submit")
    individual.refresh_from_db()
    assert individual.status == Individual.Status.EDITING and individual.draft_data["tasks"]
    page = client.get(response["Location"]).content.decode()
    assert "Submit to the organisers now?" in page and 'name="confirm"' in page
    response = client.post(edit_url(individual, "learner_submit"), {"confirm": "1"})
    assert response["Location"] == edit_url(individual)
    individual.refresh_from_db()
    assert individual.status == Individual.Status.SUBMITTED
    assert individual.submitted_data == {**full_data(), "training_activities": ""}  # not asked of volunteers


def test_confirming_an_incomplete_draft_goes_back_to_the_form(login, learner, individual):
    response = login(learner).post(edit_url(individual, "learner_submit"), {"confirm": "1"}, follow=True)
    assert "Some things are missing" in response.content.decode()
    individual.refresh_from_db()
    assert individual.status == Individual.Status.EDITING


def test_confirming_twice_submits_once(login, learner, individual):
    client = login(learner)
    client.post(edit_url(individual, "learner_submit"), full_data())
    client.post(edit_url(individual, "learner_submit"), {"confirm": "1"})
    response = client.post(edit_url(individual, "learner_submit"), {"confirm": "1"}, follow=True)
    assert "not open for editing" in response.content.decode()
    assert individual.audit_entries.filter(action="submitted").count() == 1


def test_the_confirmation_page_of_a_submitted_certificate_leads_back_to_the_read_only_page(login, learner, individual):
    client = login(learner)
    client.post(edit_url(individual, "learner_submit"), full_data())
    client.post(edit_url(individual, "learner_submit"), {"confirm": "1"})
    response = client.get(edit_url(individual, "learner_submit"))
    assert response["Location"] == edit_url(individual)


@pytest.mark.parametrize("name", ["learner_edit", "learner_submit"])
def test_the_learners_pages_are_never_kept_in_the_browser_cache(login, learner, individual, name):
    client = login(learner)
    client.post(edit_url(individual, "learner_submit"), full_data())
    response = client.get(edit_url(individual, name))
    assert "no-store" in response["Cache-Control"]


def test_the_learners_page_asks_the_browser_to_reload_it_when_it_comes_back_from_history(login, learner, individual):
    body = login(learner).get(edit_url(individual)).content.decode()
    assert "data-reload-on-back" in body
