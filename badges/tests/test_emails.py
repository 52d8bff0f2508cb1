"""Who is told what about evidence: organisers when it waits for them, learners when it is reviewed."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from badges import services
from badges.models import Assertion, EvidenceSubmission, Task
from badges.services.issuing import assertion_issue
from badges.tests.conftest import add_task, enable_link, publish_activity
from conftest import make_member, make_user
from organisations.models import Role
from outbox.models import Email
from outbox.services import render_email


@pytest.fixture
def start(badge, organiser):
    link = enable_link(badge, organiser)

    def _start(user):
        return services.badge_link_claim(code=link.code, user=user).quest

    return _start


def bodies(email: Email) -> tuple[str, str, str]:
    return render_email(email)


def make_stale(*submissions, days=8):
    EvidenceSubmission.objects.filter(pk__in=[s.pk for s in submissions]).update(
        submitted_at=timezone.now() - timedelta(days=days)
    )


def test_evidence_for_organiser_review_emails_each_organiser_and_admin_once(
    badge, organiser, org_admin, learning_manager, outsider, learner, start
):
    task = add_task(badge, organiser, title="Write what you did")
    start(learner)

    submission = services.evidence_submit(task=task, learner=learner, text="I led the hike.")

    emails = Email.objects.filter(kind="badge_evidence_waiting").order_by("to")
    assert [e.to for e in emails] == [org_admin.email, organiser.email]
    assert all((e.ref_type, e.ref_id) == ("badges.evidencesubmission", submission.pk) for e in emails)
    subject, text, html = bodies(emails[0])
    assert subject == "Evidence to review: Forest first aid – Write what you did"
    assert learner.email in text and "/o/acme/evidence/" in text
    assert learner.email in html and "/o/acme/evidence/" in html


def test_self_approved_and_peer_reviewed_evidence_does_not_email_the_organisers(
    badge, organiser, learner, other_learner, start
):
    peer = add_task(badge, organiser, approval=Task.Approval.PEER, title="Peer")
    self_approved = add_task(badge, organiser, approval=Task.Approval.SELF, title="Self")
    start(learner)
    start(other_learner)

    services.evidence_submit(task=peer, learner=learner, text="For a peer")
    services.evidence_submit(task=self_approved, learner=learner, text="For me")

    assert not Email.objects.filter(kind="badge_evidence_waiting").exists()


def test_an_organiser_working_on_a_badge_is_not_told_of_their_own_evidence(badge, organiser, org_admin, start):
    task = add_task(badge, organiser)
    start(organiser)

    services.evidence_submit(task=task, learner=organiser, text="Mine")

    assert list(Email.objects.filter(kind="badge_evidence_waiting").values_list("to", flat=True)) == [org_admin.email]


def test_each_submission_emails_each_organiser_once_and_a_resubmission_again(badge, organiser, learner, start):
    task = add_task(badge, organiser)
    start(learner)
    submission = services.evidence_submit(task=task, learner=learner, text="First try")
    with pytest.raises(services.BadgesError):
        services.evidence_submit(task=task, learner=learner, text="Impatient second try")
    assert Email.objects.filter(kind="badge_evidence_waiting", to=organiser.email).count() == 1

    services.evidence_review(
        submission=submission, reviewer=organiser, approve=False, comment="Say more.", as_organiser=True
    )
    services.evidence_submit(task=task, learner=learner, text="Second try, with more")

    assert Email.objects.filter(kind="badge_evidence_waiting", to=organiser.email).count() == 2


def test_the_organisers_email_is_queued_with_the_submission_and_sent_after_commit(
    badge, organiser, learner, start, django_capture_on_commit_callbacks
):
    task = add_task(badge, organiser)
    start(learner)

    with pytest.raises(RuntimeError), transaction.atomic():
        services.evidence_submit(task=task, learner=learner, text="Lost")
        raise RuntimeError("the request failed after the service call")
    assert not Email.objects.filter(kind="badge_evidence_waiting").exists()

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.evidence_submit(task=task, learner=learner, text="Kept")
    assert callbacks
    assert Email.objects.get(kind="badge_evidence_waiting").status == Email.Status.SENT


def test_escalated_peer_reviews_send_each_organiser_one_digest_per_run(
    org, badge, organiser, org_admin, learner, other_learner, start
):
    task = add_task(badge, organiser, approval=Task.Approval.PEER, title="Peer task")
    third = make_user("third@example.test")
    for person in (learner, other_learner, third):
        start(person)
    first = services.evidence_submit(task=task, learner=learner, text="One")
    second = services.evidence_submit(task=task, learner=other_learner, text="Two")
    services.evidence_submit(task=task, learner=third, text="Not stale yet")
    make_stale(first, second)

    assert services.escalate_stale_peer_reviews() == 2
    assert services.escalate_stale_peer_reviews() == 0

    digests = Email.objects.filter(kind="badge_reviews_escalated").order_by("to")
    assert [e.to for e in digests] == [org_admin.email, organiser.email]
    subject, text, html = bodies(digests[1])
    assert subject == "2 peer reviews have passed to the organisers of Acme Learning"
    for body in (text, html):
        assert learner.email in body and other_learner.email in body and third.email not in body
        assert "/o/acme/evidence/" in body


def test_escalations_of_two_organisations_go_to_their_own_organisers(
    org, other_org, badge, organiser, outsider, learner, other_learner, start
):
    ours = add_task(badge, organiser, approval=Task.Approval.PEER)
    theirs_badge = publish_activity(other_org, outsider, title="Chess").badge
    theirs = add_task(theirs_badge, outsider, approval=Task.Approval.PEER)
    start(learner)
    services.badge_link_claim(code=enable_link(theirs_badge, outsider).code, user=other_learner)
    make_stale(
        services.evidence_submit(task=ours, learner=learner, text="Ours"),
        services.evidence_submit(task=theirs, learner=other_learner, text="Theirs"),
    )

    services.escalate_stale_peer_reviews()

    by_recipient = {e.to: e for e in Email.objects.filter(kind="badge_reviews_escalated")}
    assert set(by_recipient) == {organiser.email, outsider.email}
    assert by_recipient[organiser.email].context["items"][0]["badge"] == "Forest first aid"
    assert by_recipient[outsider.email].context["items"][0]["badge"] == "Chess"


def test_a_single_escalation_reads_in_the_singular(badge, organiser, learner, start):
    task = add_task(badge, organiser, approval=Task.Approval.PEER)
    start(learner)
    make_stale(services.evidence_submit(task=task, learner=learner, text="One"))

    services.escalate_stale_peer_reviews()

    subject, _text, _html = bodies(Email.objects.get(kind="badge_reviews_escalated"))
    assert subject == "A peer review has passed to the organisers of Acme Learning"


def test_an_approval_that_leaves_tasks_open_tells_the_learner_with_the_comment(badge, organiser, learner, start):
    first = add_task(badge, organiser, title="Plan")
    add_task(badge, organiser, title="Report")
    start(learner)
    submission = services.evidence_submit(task=first, learner=learner, text="My plan")

    services.evidence_review(
        submission=submission, reviewer=organiser, approve=True, comment="Clear and complete.", as_organiser=True
    )

    email = Email.objects.get(kind="evidence_approved")
    assert email.to == learner.email
    subject, text, html = bodies(email)
    assert subject == "Your evidence for “Forest first aid” is approved"
    assert "Clear and complete." in text and "Clear and complete." in html
    assert f"/badges/quests/{badge.public_id}/" in text
    assert not Email.objects.filter(kind="badge_earned").exists()


def test_the_approval_that_completes_the_badge_sends_only_the_badge_email(badge, organiser, learner, start):
    task = add_task(badge, organiser)
    start(learner)
    submission = services.evidence_submit(task=task, learner=learner, text="Done")

    services.evidence_review(submission=submission, reviewer=organiser, approve=True, as_organiser=True)

    to_learner = Email.objects.filter(to=learner.email)
    assert [e.kind for e in to_learner] == ["badge_earned"]
    subject, text, html = bodies(to_learner[0])
    assert subject == "You earned the badge “Forest first aid”"
    assert "/ob/assertions/" in text and "/ob/assertions/" in html


def test_a_peer_approval_tells_the_learner_too(badge, organiser, learner, other_learner, start):
    task = add_task(badge, organiser, approval=Task.Approval.PEER)
    add_task(badge, organiser, title="Another")
    start(learner)
    start(other_learner)
    submission = services.evidence_submit(task=task, learner=learner, text="Mine")

    services.evidence_review(submission=submission, reviewer=other_learner, approve=True)

    assert Email.objects.filter(kind="evidence_approved", to=learner.email).count() == 1


def test_rejected_evidence_tells_the_learner_the_comment_once(badge, organiser, learner, start):
    task = add_task(badge, organiser)
    start(learner)
    submission = services.evidence_submit(task=task, learner=learner, text="Short")

    services.evidence_review(
        submission=submission, reviewer=organiser, approve=False, comment="Tell us what you did.", as_organiser=True
    )

    to_learner = Email.objects.filter(to=learner.email)
    assert [e.kind for e in to_learner] == ["evidence_rejected"]
    _subject, text, html = bodies(to_learner[0])
    assert "Tell us what you did." in text and "Tell us what you did." in html


def test_a_second_organiser_role_holder_with_the_same_address_gets_one_email(org, badge, organiser, learner, start):
    # Addresses differ only in case: the same person, one email.
    make_member(org, "Organiser@Acme.test", Role.ADMIN)
    task = add_task(badge, organiser)
    start(learner)

    services.evidence_submit(task=task, learner=learner, text="x")

    assert Email.objects.filter(kind="badge_evidence_waiting").count() == 1


def hold(badge, user, organiser):
    return assertion_issue(badge=badge, user=user, source=Assertion.Source.EMAIL, issued_by=organiser)[0]


def peer_emails():
    return Email.objects.filter(kind="badge_peer_review_waiting")


def test_evidence_for_peer_review_emails_the_peers_but_not_the_submitter_nor_other_people(
    badge, organiser, org_admin, learner, other_learner, outsider, start
):
    task = add_task(badge, organiser, approval=Task.Approval.PEER, title="Peer task")
    holder = make_user("holder@example.test")
    hold(badge, holder, organiser)
    revoked = make_user("revoked@example.test")
    services.assertion_revoke(assertion=hold(badge, revoked, organiser), user=organiser, reason="Issued by mistake")
    start(learner)
    start(other_learner)

    submission = services.evidence_submit(task=task, learner=learner, text="Please review me")

    emails = peer_emails().order_by("to")
    assert [e.to for e in emails] == [holder.email, other_learner.email]
    assert all((e.ref_type, e.ref_id) == ("badges.evidencesubmission", submission.pk) for e in emails)
    subject, text, html = bodies(emails[1])
    assert subject == "A peer review waits for you: Forest first aid – Peer task"
    for body in (text, html):
        assert learner.email in body and "Peer task" in body and "/badges/reviews/" in body
    assert not Email.objects.filter(kind="badge_evidence_waiting").exists()


def test_a_peer_who_holds_the_badge_and_has_a_quest_is_emailed_once_per_submission(
    badge, organiser, learner, other_learner, start
):
    task = add_task(badge, organiser, approval=Task.Approval.PEER)
    start(learner)
    start(other_learner)
    hold(badge, other_learner, organiser)

    submission = services.evidence_submit(task=task, learner=learner, text="First try")
    with pytest.raises(services.BadgesError, match="waiting for review"):
        services.evidence_submit(task=task, learner=learner, text="Impatient second try")
    assert list(peer_emails().values_list("to", flat=True)) == [other_learner.email]

    services.evidence_review(submission=submission, reviewer=other_learner, approve=False, comment="Say more.")
    services.evidence_submit(task=task, learner=learner, text="Second try, with more")

    assert peer_emails().filter(to=other_learner.email).count() == 2


def test_only_the_five_most_recently_active_peers_are_emailed(badge, organiser, learner, start):
    task = add_task(badge, organiser, approval=Task.Approval.PEER)
    start(learner)
    now = timezone.now()
    peers = []
    for n in range(7):
        peer = make_user(f"peer{n}@example.test")
        start(peer)
        peer.last_login = now - timedelta(days=n)
        peer.save(update_fields=["last_login"])
        peers.append(peer)
    never_signed_in = make_user("never@example.test")
    start(never_signed_in)

    services.evidence_submit(task=task, learner=learner, text="Please review me")

    assert sorted(peer_emails().values_list("to", flat=True)) == sorted(p.email for p in peers[:5])


def test_organiser_reviewed_and_self_approved_evidence_does_not_email_the_peers(
    badge, organiser, learner, other_learner, start
):
    by_organiser = add_task(badge, organiser, title="Organiser")
    self_approved = add_task(badge, organiser, approval=Task.Approval.SELF, title="Self")
    start(learner)
    start(other_learner)

    services.evidence_submit(task=by_organiser, learner=learner, text="For the organisers")
    services.evidence_submit(task=self_approved, learner=learner, text="For me")

    assert not peer_emails().exists()


def test_evidence_nobody_else_can_review_emails_no_peer(badge, organiser, learner, start):
    task = add_task(badge, organiser, approval=Task.Approval.PEER)
    start(learner)

    services.evidence_submit(task=task, learner=learner, text="Alone")

    assert not peer_emails().exists()


def test_the_peers_emails_are_queued_with_the_submission_and_sent_after_commit(
    badge, organiser, learner, other_learner, start, django_capture_on_commit_callbacks
):
    task = add_task(badge, organiser, approval=Task.Approval.PEER)
    start(learner)
    start(other_learner)

    with pytest.raises(RuntimeError), transaction.atomic():
        services.evidence_submit(task=task, learner=learner, text="Lost")
        raise RuntimeError("the request failed after the service call")
    assert not peer_emails().exists()

    with django_capture_on_commit_callbacks(execute=True):
        services.evidence_submit(task=task, learner=learner, text="Kept")
    assert peer_emails().get().status == Email.Status.SENT
