"""Tasks with evidence and the three ways it is approved: self, peer and organiser."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from badges import selectors, services
from badges.models import Assertion, EvidenceSubmission, Quest, Task
from badges.tasks import escalate_stale_peer_reviews
from badges.tests.conftest import add_task, enable_link
from outbox.models import Email


@pytest.fixture
def start(badge, organiser):
    link = enable_link(badge, organiser)

    def _start(user):
        return services.badge_link_claim(code=link.code, user=user).quest

    return _start


def test_self_approved_evidence_is_approved_on_submission_and_issues_the_badge(badge, organiser, learner, start):
    task = add_task(badge, organiser, approval=Task.Approval.SELF)
    start(learner)

    submission = services.evidence_submit(task=task, learner=learner, text="I cleaned the river bank.")

    assert submission.status == EvidenceSubmission.Status.APPROVED
    assertion = Assertion.objects.get()
    assert assertion.source == Assertion.Source.QUEST
    assert assertion.evidence == [{"name": task.title, "narrative": "I cleaned the river bank.", "url": ""}]
    assert Quest.objects.get().status == Quest.Status.COMPLETED
    assert Email.objects.filter(kind="badge_earned", to=learner.email).exists()


def test_organiser_review_approves_and_the_last_approval_issues_once(badge, organiser, learner, start):
    first = add_task(badge, organiser, title="Plan")
    second = add_task(badge, organiser, title="Report", evidence=Task.Evidence.LINK)
    start(learner)
    a = services.evidence_submit(task=first, learner=learner, text="My plan")
    b = services.evidence_submit(task=second, learner=learner, url="https://example.org/report")
    assert list(selectors.organiser_queue(badge.organisation)) == [a, b]

    services.evidence_review(submission=a, reviewer=organiser, approve=True, as_organiser=True)
    assert not Assertion.objects.exists()
    services.evidence_review(submission=b, reviewer=organiser, approve=True, as_organiser=True)

    assertion = Assertion.objects.get()
    assert [e["name"] for e in assertion.evidence] == ["Plan", "Report"]
    assert assertion.evidence[1]["url"] == "https://example.org/report"
    with pytest.raises(services.BadgesError, match="already been reviewed"):
        services.evidence_review(submission=b, reviewer=organiser, approve=True, as_organiser=True)
    assert Assertion.objects.count() == 1


def test_rejected_evidence_comes_back_with_a_comment_and_can_be_resubmitted(badge, organiser, learner, start):
    task = add_task(badge, organiser)
    start(learner)
    submission = services.evidence_submit(task=task, learner=learner, text="Too short")

    with pytest.raises(services.BadgesError, match="what is missing"):
        services.evidence_review(submission=submission, reviewer=organiser, approve=False, as_organiser=True)
    services.evidence_review(
        submission=submission, reviewer=organiser, approve=False, comment="Say what you did.", as_organiser=True
    )

    email = Email.objects.get(kind="evidence_rejected")
    assert email.to == learner.email and email.context["comment"] == "Say what you did."
    again = services.evidence_submit(task=task, learner=learner, text="I led the morning session.")
    assert again.pk == submission.pk
    assert again.status == EvidenceSubmission.Status.SUBMITTED and again.review_comment == ""


def test_evidence_waiting_for_review_cannot_be_submitted_again(badge, organiser, learner, start):
    task = add_task(badge, organiser)
    start(learner)
    services.evidence_submit(task=task, learner=learner, text="one")

    with pytest.raises(services.BadgesError, match="waiting for review"):
        services.evidence_submit(task=task, learner=learner, text="two")


def test_evidence_needs_a_started_quest_and_the_right_kind(badge, organiser, learner, start):
    text_task = add_task(badge, organiser)
    link_task = add_task(badge, organiser, evidence=Task.Evidence.LINK)

    with pytest.raises(services.BadgesError, match="Start this badge"):
        services.evidence_submit(task=text_task, learner=learner, text="x")
    start(learner)
    with pytest.raises(services.BadgesError, match="Write your evidence"):
        services.evidence_submit(task=text_task, learner=learner, text="  ")
    with pytest.raises(services.BadgesError, match="link"):
        services.evidence_submit(task=link_task, learner=learner, text="no link")


def test_a_peer_who_holds_or_works_on_the_badge_reviews_evidence(badge, organiser, learner, other_learner, start):
    task = add_task(badge, organiser, approval=Task.Approval.PEER)
    start(learner)
    start(other_learner)
    submission = services.evidence_submit(task=task, learner=learner, text="My work")

    assert list(selectors.peer_queue(other_learner)) == [submission]
    assert list(selectors.peer_queue(learner)) == []
    assert list(selectors.organiser_queue(badge.organisation)) == []
    services.evidence_review(submission=submission, reviewer=other_learner, approve=True)

    assert Assertion.objects.get().recipient == learner


def test_a_learner_reviewing_their_own_evidence_is_refused(login, badge, organiser, learner, other_learner, start):
    task = add_task(badge, organiser, approval=Task.Approval.PEER)
    start(learner)
    submission = services.evidence_submit(task=task, learner=learner, text="Mine")

    response = login(learner).post(
        reverse("badges:peer_review", kwargs={"public_id": submission.public_id}), {"decision": "approve"}, follow=True
    )

    assert b"You cannot review your own evidence." in response.content
    submission.refresh_from_db()
    assert submission.status == EvidenceSubmission.Status.SUBMITTED
    assert not Assertion.objects.exists()


def test_an_organiser_cannot_approve_their_own_evidence(badge, organiser, start):
    task = add_task(badge, organiser)
    start(organiser)
    submission = services.evidence_submit(task=task, learner=organiser, text="Mine")

    with pytest.raises(services.BadgesError, match="your own evidence"):
        services.evidence_review(submission=submission, reviewer=organiser, approve=True, as_organiser=True)


def test_someone_unrelated_to_the_badge_cannot_peer_review(badge, organiser, learner, outsider, start):
    task = add_task(badge, organiser, approval=Task.Approval.PEER)
    start(learner)
    submission = services.evidence_submit(task=task, learner=learner, text="Mine")

    with pytest.raises(services.BadgesError, match="Only learners who hold"):
        services.evidence_review(submission=submission, reviewer=outsider, approve=True)


def test_a_peer_cannot_review_organiser_reviewed_evidence(badge, organiser, learner, other_learner, start):
    task = add_task(badge, organiser, approval=Task.Approval.ORGANISER)
    start(learner)
    start(other_learner)
    submission = services.evidence_submit(task=task, learner=learner, text="Mine")

    with pytest.raises(services.BadgesError, match="reviewed by the organisers"):
        services.evidence_review(submission=submission, reviewer=other_learner, approve=True)


def test_stale_peer_reviews_fall_to_the_organisers_queue(badge, organiser, learner, other_learner, start):
    task = add_task(badge, organiser, approval=Task.Approval.PEER)
    Task.objects.filter(pk=task.pk).update(peer_review_days=3)
    start(learner)
    start(other_learner)
    submission = services.evidence_submit(task=task, learner=learner, text="Mine")
    assert escalate_stale_peer_reviews() == 0

    EvidenceSubmission.objects.filter(pk=submission.pk).update(submitted_at=timezone.now() - timedelta(days=3, hours=1))
    assert escalate_stale_peer_reviews.delay().get() == 1
    assert escalate_stale_peer_reviews() == 0  # idempotent
    from badges.models import BadgeEvent

    assert BadgeEvent.objects.filter(action=BadgeEvent.Action.ESCALATED).count() == 1

    assert list(selectors.organiser_queue(badge.organisation)) == [submission]
    assert list(selectors.peer_queue(other_learner)) == []
    with pytest.raises(services.BadgesError, match="passed to the organisers"):
        services.evidence_review(submission=submission, reviewer=other_learner, approve=True)
    services.evidence_review(submission=submission, reviewer=organiser, approve=True, as_organiser=True)
    assert Assertion.objects.filter(recipient=learner).exists()


def test_evidence_is_submitted_through_the_quest_page(login, badge, organiser, learner, start):
    task = add_task(badge, organiser, evidence=Task.Evidence.FILE)
    start(learner)
    client = login(learner)
    url = reverse("badges:evidence_submit", kwargs={"public_id": badge.public_id, "task_pk": task.pk})

    bad = client.post(url, {"file": SimpleUploadedFile("x.exe", b"MZ")}, follow=True)
    assert b"not accepted" in bad.content
    fake = client.post(url, {"file": SimpleUploadedFile("x.pdf", b"not a pdf")}, follow=True)
    assert b"not a real PDF" in fake.content
    client.post(url, {"file": SimpleUploadedFile("report.pdf", b"%PDF-1.4 hello")})

    submission = EvidenceSubmission.objects.get()
    # Stored privately under a random name; the learner's name comes back with the download.
    assert submission.file.name.startswith("evidence/") and "report" not in submission.file.name
    assert submission.file_name == "report.pdf"
    download = client.get(reverse("badges:evidence_file", kwargs={"public_id": submission.public_id}))
    assert download.status_code == 200
    assert download["Content-Disposition"] == 'attachment; filename="report.pdf"'
    assert download["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in download["Content-Security-Policy"]
    # Reading the stream to its end lets the test client close the file (an explicit close()
    # would also close the database connection on PostgreSQL with CONN_MAX_AGE=0).
    assert b"".join(download.streaming_content) == b"%PDF-1.4 hello"
    page = client.get(reverse("badges:quest", kwargs={"public_id": badge.public_id}))
    assert b"Waiting for review" in page.content


def test_an_evidence_file_is_private_until_the_holder_shows_it(client, login, badge, organiser, learner, start):
    task = add_task(badge, organiser, evidence=Task.Evidence.FILE, approval=Task.Approval.SELF)
    start(learner)
    submission = services.evidence_submit(task=task, learner=learner, file=SimpleUploadedFile("r.pdf", b"%PDF-1.4 x"))
    url = reverse("badges:evidence_file", kwargs={"public_id": submission.public_id})
    assertion = Assertion.objects.get()
    services.assertion_set_evidence_visibility(assertion=assertion, user=learner, show=False)

    assert client.get(url).status_code == 404
    services.assertion_set_evidence_visibility(assertion=assertion, user=learner, show=True)
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4 x"


def test_the_holder_decides_whether_evidence_shows_publicly(client, login, badge, organiser, learner, start):
    task = add_task(badge, organiser, approval=Task.Approval.SELF)
    start(learner)
    services.evidence_submit(task=task, learner=learner, text="My secret diary")
    assertion = Assertion.objects.get()

    login(learner).post(reverse("badges:evidence_visibility", kwargs={"public_id": assertion.public_id}), {"show": "0"})
    client.logout()

    assertion.refresh_from_db()
    assert assertion.show_evidence is False
    assert b"My secret diary" not in client.get(assertion.get_absolute_url()).content
    doc = client.get(assertion.get_absolute_url(), headers={"Accept": "application/ld+json"}).json()
    assert "evidence" not in doc


def test_only_the_holder_changes_evidence_visibility(login, badge, organiser, learner, other_learner, start):
    task = add_task(badge, organiser, approval=Task.Approval.SELF)
    start(learner)
    services.evidence_submit(task=task, learner=learner, text="x")
    assertion = Assertion.objects.get()

    response = login(other_learner).post(
        reverse("badges:evidence_visibility", kwargs={"public_id": assertion.public_id}), {"show": "0"}
    )

    assert response.status_code == 404


def test_the_organiser_reviews_from_the_queue_page(login, org, badge, organiser, learner, start):
    task = add_task(badge, organiser)
    start(learner)
    submission = services.evidence_submit(task=task, learner=learner, text="Done it")
    client = login(organiser)
    assert b"Done it" in client.get(reverse("badges:queue", kwargs={"org_slug": org.slug})).content

    client.post(
        reverse("badges:organiser_review", kwargs={"org_slug": org.slug, "pk": submission.pk}), {"decision": "approve"}
    )

    assert Assertion.objects.get().recipient == learner


def test_an_organiser_of_another_organisation_cannot_review(login, org, badge, organiser, learner, outsider, start):
    task = add_task(badge, organiser)
    start(learner)
    submission = services.evidence_submit(task=task, learner=learner, text="Done it")

    response = login(outsider).post(
        reverse("badges:organiser_review", kwargs={"org_slug": "other", "pk": submission.pk}), {"decision": "approve"}
    )

    assert response.status_code == 404


def test_the_review_queues_run_a_constant_number_of_queries(client, login, org, badge, organiser, start):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from conftest import make_user

    organiser_task = add_task(badge, organiser)
    peer_task = add_task(badge, organiser, approval=Task.Approval.PEER, title="Peer")
    reviewer = make_user("reviewer@example.test")
    start(reviewer)
    queue_url = reverse("badges:queue", kwargs={"org_slug": org.slug})
    reviews_url = reverse("badges:reviews")

    def counts(n, offset):
        for i in range(n):
            person = make_user(f"p{offset + i}@example.test")
            start(person)
            services.evidence_submit(task=organiser_task, learner=person, text="x")
            services.evidence_submit(task=peer_task, learner=person, text="y")
        result = []
        for user, url in ((organiser, queue_url), (reviewer, reviews_url)):
            client.force_login(user)
            with CaptureQueriesContext(connection) as ctx:
                assert client.get(url).status_code == 200
            result.append(len(ctx.captured_queries))
        return result

    assert counts(2, 0) == counts(6, 100)


def test_an_oversize_evidence_file_is_refused(login, badge, organiser, learner, start, monkeypatch):
    monkeypatch.setattr("badges.forms.EVIDENCE_MAX_BYTES", 1024)
    task = add_task(badge, organiser, evidence=Task.Evidence.FILE)
    start(learner)
    url = reverse("badges:evidence_submit", kwargs={"public_id": badge.public_id, "task_pk": task.pk})

    response = login(learner).post(url, {"file": SimpleUploadedFile("big.pdf", b"%PDF" + b"x" * 2000)}, follow=True)

    assert b"too large" in response.content
    assert not EvidenceSubmission.objects.exists()


def test_reviewing_from_the_badge_page_returns_there_but_never_elsewhere(login, org, badge, organiser, learner, start):
    task = add_task(badge, organiser)
    start(learner)
    submission = services.evidence_submit(task=task, learner=learner, text="Done it")
    badge_page = reverse("badges:badge_detail", kwargs={"org_slug": org.slug, "public_id": badge.public_id})
    url = reverse("badges:organiser_review", kwargs={"org_slug": org.slug, "pk": submission.pk})
    client = login(organiser)

    elsewhere = client.post(url, {"decision": "reject", "comment": "More", "next": "https://evil.test/"})
    assert elsewhere["Location"] == reverse("badges:queue", kwargs={"org_slug": org.slug})
    services.evidence_submit(task=task, learner=learner, text="Done it better")
    back = client.post(url, {"decision": "approve", "next": badge_page})
    assert back["Location"] == badge_page


@pytest.mark.parametrize(
    "who, approval, status",
    [
        ("learner", Task.Approval.ORGANISER, 200),
        ("learning_manager", Task.Approval.ORGANISER, 200),
        ("peer", Task.Approval.PEER, 200),
        ("peer", Task.Approval.ORGANISER, 404),
        ("stranger", Task.Approval.PEER, 404),
        ("outsider", Task.Approval.PEER, 404),
    ],
)
def test_who_may_download_evidence_kept_private(
    request, login, badge, organiser, learner, start, who, approval, status
):
    task = add_task(badge, organiser, evidence=Task.Evidence.FILE, approval=approval)
    start(learner)
    submission = services.evidence_submit(task=task, learner=learner, file=SimpleUploadedFile("r.pdf", b"%PDF-1.4 x"))
    users = {"peer": "other_learner", "stranger": "other_learner"}
    user = request.getfixturevalue(users.get(who, who))
    if who == "peer":
        start(user)
    url = reverse("badges:evidence_file", kwargs={"public_id": submission.public_id})

    response = login(user).get(url)

    assert response.status_code == status
    if status == 200:
        assert b"".join(response.streaming_content) == b"%PDF-1.4 x"
