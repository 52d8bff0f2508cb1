import pytest
from django.urls import reverse

from certificates import services
from certificates.models import Individual, IndividualInvitation
from certificates.tests.factories import (
    SELF_ASSESSMENT,
    accepted,
    editing,
    full_data,
    make_individual,
    make_project,
    submitted,
)

pytestmark = pytest.mark.django_db


def fresh_link(individual, organiser, kind="connect", message=""):
    """Send the link and return its raw token, as the email holds it."""
    if kind == "connect":
        services.individual_send_connect(individual=individual, sent_by=organiser)
    else:
        services.individual_invite_to_edit(individual=individual, invited_by=organiser, message=message)
    invitation = IndividualInvitation.objects.filter(individual=individual, kind=kind, status="pending").get()
    raw = invitation.issue_token()
    invitation.save()
    return raw


@pytest.fixture
def individual(org):
    return make_individual(make_project(org))


def test_a_signed_out_visitor_is_offered_sign_in_or_up_with_the_email_prefilled(client, organiser, individual):
    raw = fresh_link(individual, organiser)
    path = reverse("certificates:connect", kwargs={"token": raw})
    response = client.get(path)
    body = response.content.decode()
    assert response.status_code == 200
    assert "/accounts/signup/?next=" in body and "email=learner%40example.test" in body
    assert client.session["account_verified_email"] == "learner@example.test"
    individual.refresh_from_db()
    assert individual.user is None


def test_get_on_the_connect_link_only_shows_a_button(login, organiser, learner, individual):
    raw = fresh_link(individual, organiser)
    response = login(learner).get(reverse("certificates:connect", kwargs={"token": raw}))
    assert "Connect my account" in response.content.decode()
    individual.refresh_from_db()
    assert individual.user is None


def test_post_on_the_connect_link_connects_the_account(login, organiser, learner, individual):
    raw = fresh_link(individual, organiser)
    client = login(learner)
    response = client.post(reverse("certificates:connect", kwargs={"token": raw}))
    assert response["Location"] == reverse("me")
    individual.refresh_from_db()
    assert individual.user == learner
    # Used: the connected learner is simply taken to their dashboard; anyone else sees why it fails.
    assert client.get(reverse("certificates:connect", kwargs={"token": raw}))["Location"] == reverse("me")
    client.logout()
    response = client.get(reverse("certificates:connect", kwargs={"token": raw}))
    assert response.status_code == 410 and "already been used" in response.content.decode()


def test_a_used_edit_link_takes_the_connected_learner_back_to_their_page(login, organiser, learner, individual):
    services.individual_send_connect(individual=individual, sent_by=organiser)
    raw = fresh_link(individual, organiser, kind="edit")
    client = login(learner)
    client.post(reverse("certificates:edit_link", kwargs={"token": raw}))
    response = client.get(reverse("certificates:edit_link", kwargs={"token": raw}))
    assert response["Location"] == edit_url(individual)


def test_an_unknown_link_is_not_found(client):
    response = client.get(reverse("certificates:connect", kwargs={"token": "x" * 43}))
    assert response.status_code == 404 and "not valid" in response.content.decode()


def test_a_connect_token_does_not_work_as_an_edit_link(login, organiser, learner, individual):
    raw = fresh_link(individual, organiser)
    assert login(learner).get(reverse("certificates:edit_link", kwargs={"token": raw})).status_code == 404


def test_the_edit_link_connects_a_learner_who_has_not_connected_yet_and_opens_the_form(
    login, organiser, learner, individual
):
    services.individual_send_connect(individual=individual, sent_by=organiser)
    raw = fresh_link(individual, organiser, kind="edit", message="Deadline Friday")
    client = login(learner)
    path = reverse("certificates:edit_link", kwargs={"token": raw})
    assert "Deadline Friday" in client.get(path).content.decode()
    response = client.post(path)
    individual.refresh_from_db()
    assert individual.user == learner
    assert response["Location"] == reverse("certificates:learner_edit", kwargs={"public_id": individual.public_id})
    body = client.get(response["Location"]).content.decode()
    assert "Deadline Friday" in body and "Save draft" in body and "hx-post" in body


def test_another_account_cannot_use_a_link_of_a_connected_individual(
    login, organiser, learner, other_learner, individual
):
    individual = editing(individual, learner, organiser)
    raw = fresh_link(individual, organiser, kind="edit")
    response = login(other_learner).post(reverse("certificates:edit_link", kwargs={"token": raw}))
    assert response.status_code == 410
    individual.refresh_from_db()
    assert individual.user == learner


def edit_url(individual, name="learner_edit"):
    return reverse(f"certificates:{name}", kwargs={"public_id": individual.public_id})


def test_a_learner_cannot_see_another_learners_data(login, organiser, learner, other_learner, individual):
    individual = editing(individual, learner, organiser)
    client = login(other_learner)
    assert client.get(edit_url(individual)).status_code == 404
    assert client.post(edit_url(individual, "learner_save"), full_data()).status_code == 404
    assert client.post(edit_url(individual, "learner_submit"), full_data()).status_code == 404


def test_signed_out_visitors_are_sent_to_sign_in(client, organiser, learner, individual):
    individual = editing(individual, learner, organiser)
    response = client.get(edit_url(individual))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_saving_refuses_get(login, organiser, learner, individual):
    individual = editing(individual, learner, organiser)
    assert login(learner).get(edit_url(individual, "learner_save")).status_code == 405


def test_get_on_submit_only_asks_and_an_incomplete_draft_goes_back_to_the_form(login, organiser, learner, individual):
    individual = editing(individual, learner, organiser)
    response = login(learner).get(edit_url(individual, "learner_submit"))
    assert response.status_code == 302 and response["Location"] == edit_url(individual)
    individual.refresh_from_db()
    assert individual.status == Individual.Status.EDITING


def test_save_draft_without_javascript_redirects_back_with_a_message(login, organiser, learner, individual):
    individual = editing(individual, learner, organiser)
    client = login(learner)
    response = client.post(edit_url(individual, "learner_save"), full_data(), follow=True)
    assert "Draft saved" in response.content.decode()
    individual.refresh_from_db()
    assert individual.draft_data["competence_personal"] == SELF_ASSESSMENT
    assert individual.status == "editing"


def test_autosave_answers_with_a_small_status_and_keeps_half_typed_links(login, organiser, learner, individual):
    individual = editing(individual, learner, organiser)
    response = login(learner).post(
        edit_url(individual, "learner_save"),
        full_data(evidence_2_title="My vid", evidence_2_url="https://exa"),
        HTTP_HX_REQUEST="true",
    )
    body = response.content.decode()
    assert response.status_code == 200 and "Saved at" in body and "UTC" in body
    assert "<form" not in body and "<input" not in body
    individual.refresh_from_db()
    assert individual.draft_data["evidence_2_url"] == "https://exa"


def test_autosave_after_submitting_says_it_was_not_saved(login, organiser, learner, individual):
    individual = submitted(individual, learner, organiser)
    response = login(learner).post(
        edit_url(individual, "learner_save"), full_data(tasks="late"), HTTP_HX_REQUEST="true"
    )
    assert "not open for editing" in response.content.decode()
    individual.refresh_from_db()
    assert individual.draft_data["tasks"] != "late"


def test_submitting_incomplete_data_shows_what_is_missing(login, organiser, learner, individual):
    individual = editing(individual, learner, organiser)
    data = full_data(
        birth_date="",
        evidence_1_url="not a link",
        competence_personal="",
        reference_1_name="Ana",
        reference_1_contact="call me maybe",
        reference_2_name="Bo",
        reference_2_contact="+351 912 345 678",
        reference_3_name="Cy",
        reference_3_contact="cy@example.test",
    )
    response = login(learner).post(edit_url(individual, "learner_submit"), data)
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert {"birth_date", "evidence_1_url", "competence_literacy", "reference_1_contact"} == set(errors)
    individual.refresh_from_db()
    assert individual.status == "editing"


def test_submitting_locks_the_form(login, organiser, learner, individual):
    individual = editing(individual, learner, organiser)
    client = login(learner)
    client.post(edit_url(individual, "learner_submit"), full_data())
    response = client.post(edit_url(individual, "learner_submit"), {"confirm": "1"}, follow=True)
    body = response.content.decode()
    assert "Submitted." in body and "Save draft" not in body
    individual.refresh_from_db()
    assert individual.status == "submitted"
    response = client.post(edit_url(individual, "learner_submit"), full_data(), follow=True)
    assert "not open for editing" in response.content.decode()


def test_the_learner_sees_the_organisers_comments_next_to_the_fields(login, organiser, learner, individual):
    individual = submitted(individual, learner, organiser)
    services.individual_request_changes(
        individual=individual,
        requested_by=organiser,
        comment="Good start overall",
        field_comments={"competence_personal": "Give one example, please"},
    )
    body = login(learner).get(edit_url(individual)).content.decode()
    assert "Good start overall" in body
    comment_at = body.index("Give one example, please")
    field_at = body.index('name="competence_personal"')
    assert comment_at < field_at and field_at - comment_at < 3000


def test_fields_follow_the_activity_type(login, org, organiser, learner):
    project = make_project(org, activity_type="training_course")
    participant = editing(make_individual(project), learner, organiser)
    body = login(learner).get(edit_url(participant)).content.decode()
    assert 'name="training_activities"' in body and 'name="tasks"' not in body


def test_the_learner_downloads_their_own_pdf_only(
    login, organiser, learner, other_learner, individual, django_capture_on_commit_callbacks
):
    individual = accepted(individual, learner, organiser)
    with django_capture_on_commit_callbacks(execute=True):
        certificate = services.certificate_generate(individual=individual, generated_by=organiser)
    path = reverse("certificates:learner_download", kwargs={"code": certificate.code})
    response = login(learner).get(path)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    # Reading the stream to its end lets the test client close the file.
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert login(other_learner).get(path).status_code == 404


def test_a_revoked_certificate_is_not_offered_for_download(login, organiser, learner, individual):
    individual = accepted(individual, learner, organiser)
    certificate = services.certificates._generate(individual, organiser)
    services.certificate_revoke(certificate=certificate, revoked_by=organiser, reason="Mistake")
    path = reverse("certificates:learner_download", kwargs={"code": certificate.code})
    assert login(learner).get(path).status_code == 404


def test_the_dashboard_lists_projects_waiting_work_and_certificates(
    login, org, organiser, learner, django_capture_on_commit_callbacks
):
    waiting = editing(make_individual(make_project(org, title="Waiting project")), learner, organiser)
    done = accepted(make_individual(make_project(org, title="Done project")), learner, organiser)
    with django_capture_on_commit_callbacks(execute=True):
        certificate = services.certificate_generate(individual=done, generated_by=organiser)
    body = login(learner).get(reverse("me")).content.decode()
    assert 'id="me-certificates"' in body
    assert "Write your certificate: Waiting project" in body
    assert edit_url(waiting) in body
    assert reverse("certificates:learner_download", kwargs={"code": certificate.code}) in body
    # The learner can pass the public verification page on to an employer.
    assert reverse("certificates:verify", kwargs={"code": certificate.code}) in body
    page = login(learner).get(edit_url(done)).content.decode()
    assert reverse("certificates:verify", kwargs={"code": certificate.code}) in page


def test_the_dashboard_has_an_honest_empty_state(login, learner):
    body = login(learner).get(reverse("me")).content.decode()
    assert "No certificates yet" in body


@pytest.mark.parametrize("n", [2, 6])
def test_the_dashboard_part_runs_two_queries(org, organiser, learner, django_assert_num_queries, n):
    from certificates.selectors import learner_dashboard

    for i in range(n):
        individual = accepted(make_individual(make_project(org, title=f"P{i}")), learner, organiser)
        services.certificates._generate(individual, organiser)
    Individual.objects.update(status="changes_requested")
    with django_assert_num_queries(2):
        data = learner_dashboard(learner)
        assert len(data["waiting"]) == n
        [c.individual.project.title for c in data["certificates"]]
        [i.project.organisation.name for i in data["items"]]


def test_autosave_after_signing_out_says_so_instead_of_showing_the_sign_in_page(client, organiser, learner, individual):
    individual = editing(individual, learner, organiser)
    response = client.post(edit_url(individual, "learner_save"), full_data(), HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "you were signed out" in response.content.decode()
    response = client.post(edit_url(individual, "learner_save"), full_data())
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_an_expired_link_shows_a_clear_error_page(client, organiser, individual):
    from datetime import timedelta

    from django.utils import timezone

    raw = fresh_link(individual, organiser)
    IndividualInvitation.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    response = client.get(reverse("certificates:connect", kwargs={"token": raw}))
    assert response.status_code == 410 and "expired" in response.content.decode()


def test_a_replaced_link_shows_a_clear_error_page(client, organiser, individual):
    raw = fresh_link(individual, organiser)
    services.individual_send_connect(individual=individual, sent_by=organiser)
    response = client.get(reverse("certificates:connect", kwargs={"token": raw}))
    assert response.status_code == 410 and "replaced by a newer one" in response.content.decode()


def test_an_account_with_another_email_is_told_before_connecting(login, organiser, individual):
    raw = fresh_link(individual, organiser)
    page = login(organiser).get(reverse("certificates:connect", kwargs={"token": raw})).content.decode()
    assert "sent to <strong>learner@example.test</strong>, but you are signed in as" in page
    assert "Add learner@example.test to my account and continue" in page
    assert reverse("account_logout") in page
    individual.refresh_from_db()
    assert individual.user is None


def test_the_invited_account_sees_no_warning_on_the_link(login, organiser, learner, individual):
    services.individual_send_connect(individual=individual, sent_by=organiser)
    raw = fresh_link(individual, organiser, kind="edit")
    page = login(learner).get(reverse("certificates:edit_link", kwargs={"token": raw})).content.decode()
    assert "Connect and start writing" in page and "but you are signed in as" not in page


def test_the_learner_reads_their_status_in_their_own_words(login, org, organiser, learner):
    waiting = make_individual(make_project(org, title="Not yet open"))
    Individual.objects.filter(pk=waiting.pk).update(user=learner)
    writing = editing(make_individual(make_project(org, title="Being written")), learner, organiser)
    client = login(learner)
    body = client.get(reverse("me")).content.decode()
    assert "Not open for writing yet" in body and "Not invited" not in body
    assert ">Writing</span>" in client.get(edit_url(writing)).content.decode()
