"""Who is a peer: someone who holds the badge unrevoked or is working on it now. A completed or revoked
quest makes no one a peer: not for the emails, not in /badges/reviews/, not when reviewing, not for files."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from badges import selectors, services
from badges.models import Assertion, EvidenceSubmission, Task
from badges.tests.conftest import add_task
from conftest import make_user
from outbox.models import Email


@pytest.fixture
def peer_task(badge, organiser):
    return add_task(badge, organiser, approval=Task.Approval.PEER, title="Show your knots")


def earn_with_a_peer_review(badge, task, learner, reviewer):
    """The learner starts the quest, submits, and the reviewer (a peer) approves: the quest is completed."""
    services.badge_link_claim(code=badge.link.code, user=learner)
    submission = services.evidence_submit(task=task, learner=learner, text=f"Knots by {learner.email}")
    services.evidence_review(submission=submission, reviewer=reviewer, approve=True)
    return Assertion.objects.get(badge=badge, recipient=learner, revoked_at__isnull=True)


@pytest.fixture
def revoked_holder(badge, organiser, peer_task, other_learner):
    """learner2: earned the badge through the quest (a peer approved), then the organisers revoked it."""
    learner2 = make_user("learner2@example.test")
    first_peer = make_user("first.peer@example.test")
    services.badge_link_claim(code=badge.link.code, user=first_peer)
    assertion = earn_with_a_peer_review(badge, peer_task, learner2, first_peer)
    services.assertion_revoke(assertion=assertion, reason="Copied someone else's work.", user=organiser)
    Email.objects.all().delete()
    return learner2


def test_a_revoked_holder_is_not_emailed_about_peer_evidence(badge, peer_task, learner, revoked_holder):
    services.badge_link_claim(code=badge.link.code, user=learner)

    services.evidence_submit(task=peer_task, learner=learner, text="My knots")

    told = set(Email.objects.filter(kind="badge_peer_review_waiting").values_list("to", flat=True))
    assert revoked_holder.email not in told
    assert told == {"first.peer@example.test"}


def test_a_revoked_holder_has_no_peer_reviews_waiting(login, badge, peer_task, learner, revoked_holder):
    services.badge_link_claim(code=badge.link.code, user=learner)
    services.evidence_submit(task=peer_task, learner=learner, text="My knots")

    assert list(selectors.peer_queue(revoked_holder)) == []
    page = login(revoked_holder).get(reverse("badges:reviews"))
    assert b"My knots" not in page.content
    assert selectors.learner_dashboard(revoked_holder)["peer_reviews"] == 0


def test_a_revoked_holder_cannot_approve_peer_evidence(login, badge, peer_task, learner, revoked_holder):
    services.badge_link_claim(code=badge.link.code, user=learner)
    submission = services.evidence_submit(task=peer_task, learner=learner, text="My knots")

    with pytest.raises(services.BadgesError, match="Only learners who hold this badge or work towards it"):
        services.evidence_review(submission=submission, reviewer=revoked_holder, approve=True)
    login(revoked_holder).post(
        reverse("badges:peer_review", kwargs={"public_id": submission.public_id}), {"decision": "approve"}
    )

    submission.refresh_from_db()
    assert submission.status == EvidenceSubmission.Status.SUBMITTED
    assert not Assertion.objects.filter(recipient=learner).exists()


def test_a_revoked_holder_cannot_download_peer_evidence_files(login, badge, organiser, learner, revoked_holder):
    file_task = add_task(badge, organiser, approval=Task.Approval.PEER, evidence=Task.Evidence.FILE, title="Photo")
    services.badge_link_claim(code=badge.link.code, user=learner)
    submission = services.evidence_submit(
        task=file_task, learner=learner, file=SimpleUploadedFile("knots.txt", b"a photo of knots")
    )

    response = login(revoked_holder).get(reverse("badges:evidence_file", kwargs={"public_id": submission.public_id}))

    # A private file answers 404 to whoever may not have it.
    assert response.status_code == 404


def test_someone_whose_quest_is_completed_is_a_peer_only_while_holding_the_badge(
    badge, organiser, peer_task, learner, other_learner
):
    first_peer = make_user("first.peer@example.test")
    services.badge_link_claim(code=badge.link.code, user=first_peer)
    earn_with_a_peer_review(badge, peer_task, other_learner, first_peer)
    assert services.is_peer(user=other_learner, badge_id=badge.pk)

    assertion = Assertion.objects.get(recipient=other_learner)
    services.assertion_revoke(assertion=assertion, reason="Mistake.", user=organiser)

    assert not services.is_peer(user=other_learner, badge_id=badge.pk)


def test_holders_and_learners_working_on_the_badge_stay_peers(badge, organiser, peer_task, learner, other_learner):
    holder = make_user("holder@example.test")
    services.badge_issue_to_emails(badge=badge, text=holder.email, issued_by=organiser)
    services.badge_link_claim(code=badge.link.code, user=other_learner)
    services.badge_link_claim(code=badge.link.code, user=learner)

    submission = services.evidence_submit(task=peer_task, learner=learner, text="My knots")

    assert services.is_peer(user=holder, badge_id=badge.pk)
    assert services.is_peer(user=other_learner, badge_id=badge.pk)
    assert list(selectors.peer_queue(holder)) == [submission]
    assert list(selectors.peer_queue(other_learner)) == [submission]
    told = set(Email.objects.filter(kind="badge_peer_review_waiting").values_list("to", flat=True))
    assert told == {holder.email, other_learner.email}
