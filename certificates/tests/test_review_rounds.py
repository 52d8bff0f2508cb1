"""Bugs 3 and 7: a resubmission is compared with the previous submission; long answers fold."""

import pytest
from django.urls import reverse

from certificates import services
from certificates.tests.factories import full_data, make_individual, make_project, submitted

pytestmark = pytest.mark.django_db


def url(name, org, **kwargs):
    return reverse(f"certificates:{name}", kwargs={"org_slug": org.slug, **kwargs})


@pytest.fixture
def resubmitted(org, organiser, learner):
    individual = submitted(make_individual(make_project(org)), learner, organiser)
    services.individual_request_changes(
        individual=individual,
        requested_by=organiser,
        comment="Nearly there",
        field_comments={"competence_personal": "Give one example"},
    )
    individual.refresh_from_db()
    services.individual_submit(
        individual=individual,
        user=learner,
        data=full_data(competence_personal=full_data()["competence_personal"] + " For example, I chaired the debate."),
    )
    individual.refresh_from_db()
    return individual


def test_a_resubmission_is_compared_with_the_previous_submission(login, org, organiser, resubmitted):
    response = login(organiser).get(url("review", org, pk=resubmitted.pk))
    assert response.context["against"] == "previous"
    rows = {row["field"].key: row for row in response.context["rows"]}
    # Only what the learner changed in answer to the comments is marked; the rest was there before.
    assert [key for key, row in rows.items() if row["changed"]] == ["competence_personal"]
    assert rows["competence_personal"]["comment"] == "Give one example"
    body = response.content.decode()
    assert "<ins" in body and "For example, I chaired the debate." in body
    assert "Changes since the previous submission" in body


def test_the_comparison_with_the_accepted_data_is_one_click_away(login, org, organiser, resubmitted):
    client = login(organiser)
    page = client.get(url("review", org, pk=resubmitted.pk)).content.decode()
    assert f'href="{url("review", org, pk=resubmitted.pk)}?against=accepted"' in page
    response = client.get(url("review", org, pk=resubmitted.pk), {"against": "accepted"})
    assert response.context["against"] == "accepted"
    changed = [row["field"].key for row in response.context["rows"] if row["changed"]]
    assert "tasks" in changed and "competence_personal" in changed


def test_a_first_submission_is_compared_with_the_accepted_data(login, org, organiser, learner):
    individual = submitted(make_individual(make_project(org)), learner, organiser)
    response = login(organiser).get(url("review", org, pk=individual.pk))
    assert response.context["against"] == "accepted"
    assert "?against=previous" not in response.content.decode()


def test_accepting_forgets_the_previous_submission(org, organiser, resubmitted):
    services.individual_accept(individual=resubmitted, accepted_by=organiser)
    resubmitted.refresh_from_db()
    assert resubmitted.previous_submitted_data == {}


def test_a_long_answer_folds_on_the_review_page(login, org, organiser, learner):
    long_text = "I learned a lot. " * 600  # about 10,000 characters
    individual = submitted(
        make_individual(make_project(org)), learner, organiser, data=full_data(competence_digital=long_text)
    )
    body = login(organiser).get(url("review", org, pk=individual.pk)).content.decode()
    row = body[body.index('id="row-competence_digital"') :]
    row = row[: row.index("</tr>")]
    assert "<details" in row and "Show all" in row
    # The label and the comment box sit at the top of their row.
    assert 'class="review-label"' in row and "comment_competence_digital" in row
