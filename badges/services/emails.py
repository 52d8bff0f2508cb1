"""One function per badges email. Each queues outbox rows inside its caller's transaction."""

from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.db.models import F, Q

from badges.models import Assertion, EvidenceSubmission, Quest
from learnerpass.lib.urls import absolute_url
from organisations.models import Membership, Organisation, Role
from outbox.services import build_email, email_queue, emails_queue

# A digest of escalated reviews names this many; the queue page has the rest.
DIGEST_SHOWN = 20
# Evidence for peer review is announced to this many peers: enough for one of them to answer soon,
# few enough that a popular badge does not mail everyone who holds it at every submission.
PEERS_TOLD = 5


def organiser_emails(organisation_id: int, *, exclude: Iterable[str] = ()) -> list[str]:
    """The addresses of the organisation's organisers and admins, each once."""
    skip = {e.lower() for e in exclude}
    found: dict[str, None] = {}
    for email in (
        Membership.objects.filter(organisation_id=organisation_id, role__in=[Role.ORGANISER, Role.ADMIN])
        .order_by("user__email")
        .values_list("user__email", flat=True)
    ):
        address = (email or "").strip().lower()
        if address and address not in skip:
            found[address] = None
    return list(found)


def _learner_name(user) -> str:
    return user.get_full_name() or user.email


def evidence_waiting(*, submission: EvidenceSubmission) -> None:
    """Tell the organisers that evidence waits for their review (organiser-reviewed tasks)."""
    task, learner = submission.task, submission.learner
    badge = task.badge
    organisation = badge.organisation
    context = {
        "learner": _learner_name(learner),
        "badge": badge.name,
        "task": task.title,
        "organisation": organisation.name,
        "url": absolute_url("badges:queue", org_slug=organisation.slug),
    }
    emails_queue(
        [
            build_email(
                to=address,
                template="badges/evidence_waiting",
                context=context,
                kind="badge_evidence_waiting",
                ref=submission,
            )
            for address in organiser_emails(organisation.pk, exclude=[learner.email])
        ]
    )


def peer_emails(*, badge_id: int, submitter_id: int, limit: int = PEERS_TOLD) -> list[str]:
    """Up to `limit` addresses of the learners who could review (they hold the badge unrevoked or work on it
    now, as services.is_peer), the most recently active first, each once and never the submitter's."""
    users = (
        get_user_model()
        .objects.filter(
            Q(badge_quests__badge_id=badge_id, badge_quests__status=Quest.Status.IN_PROGRESS)
            | Q(badge_assertions__badge_id=badge_id, badge_assertions__revoked_at__isnull=True),
            is_active=True,
        )
        .exclude(pk=submitter_id)
        .exclude(email="")
        .order_by(F("last_login").desc(nulls_last=True), "-date_joined", "-pk")
        .values_list("email", flat=True)
        .distinct()
    )
    found: dict[str, None] = {}
    # A few extra rows in case two accounts share an address.
    for email in users[: limit * 2]:
        found.setdefault(email.strip().lower(), None)
        if len(found) == limit:
            break
    return list(found)


def evidence_waiting_for_peers(*, submission: EvidenceSubmission) -> None:
    """Tell a handful of peers that evidence waits for their review (peer-reviewed tasks)."""
    task, learner = submission.task, submission.learner
    badge = task.badge
    context = {
        "learner": _learner_name(learner),
        "badge": badge.name,
        "task": task.title,
        "organisation": badge.organisation.name,
        "url": absolute_url("badges:reviews"),
    }
    emails_queue(
        [
            build_email(
                to=address,
                template="badges/peer_review_waiting",
                context=context,
                kind="badge_peer_review_waiting",
                ref=submission,
            )
            for address in peer_emails(badge_id=badge.pk, submitter_id=learner.pk)
            if address != learner.email.lower()
        ]
    )


def reviews_escalated(*, organisation: Organisation, submissions: list[EvidenceSubmission]) -> None:
    """One digest per organiser for the peer reviews that fell to them in one run (never their own evidence)."""
    url = absolute_url("badges:queue", org_slug=organisation.slug)
    emails = []
    for address in organiser_emails(organisation.pk):
        others = [s for s in submissions if s.learner.email.lower() != address]
        if not others:
            continue
        context = {
            "organisation": organisation.name,
            "count": len(others),
            "items": [
                {"learner": _learner_name(s.learner), "badge": s.task.badge.name, "task": s.task.title}
                for s in others[:DIGEST_SHOWN]
            ],
            "more": max(0, len(others) - DIGEST_SHOWN),
            "url": url,
        }
        ref = others[0] if len(others) == 1 else organisation
        emails.append(
            build_email(
                to=address,
                template="badges/reviews_escalated",
                context=context,
                kind="badge_reviews_escalated",
                ref=ref,
            )
        )
    emails_queue(emails)


def evidence_reviewed(*, submission: EvidenceSubmission) -> None:
    """Tell the learner the outcome of a review: approved (with any comment) or sent back with the comment."""
    task = submission.task
    badge = task.badge
    approved = submission.status == EvidenceSubmission.Status.APPROVED
    email_queue(
        to=submission.learner.email,
        template="badges/evidence_approved" if approved else "badges/evidence_rejected",
        context={
            "badge": badge.name,
            "task": task.title,
            "comment": submission.review_comment,
            "url": absolute_url("badges:quest", public_id=badge.public_id),
        },
        kind="evidence_approved" if approved else "evidence_rejected",
        ref=submission,
    )


def _badge_earned_email(assertion: Assertion, me_url: str):
    badge = assertion.badge
    return build_email(
        to=assertion.recipient_email,
        template="badges/badge_earned",
        context={
            "badge": badge.name,
            "issuer": badge.organisation.name,
            "url": me_url,
            "assertion_url": absolute_url("badges:assertion", public_id=assertion.public_id),
        },
        kind="badge_earned",
        ref=assertion,
    )


def badge_revoked(*, assertion: Assertion) -> None:
    """Tell the holder (the address it was issued to) that the organisers revoked their badge, and why."""
    badge = assertion.badge
    email_queue(
        to=assertion.recipient_email,
        template="badges/badge_revoked",
        context={
            "badge": badge.name,
            "issuer": badge.organisation.name,
            "reason": assertion.revocation_reason,
            "url": absolute_url("me"),
            "assertion_url": absolute_url("badges:assertion", public_id=assertion.public_id),
        },
        kind="badge_revoked",
        ref=assertion,
    )


def badge_earned(*, assertion: Assertion) -> None:
    badges_earned(assertions=[assertion])


def badges_earned(*, assertions: list[Assertion]) -> None:
    """Tell each learner they earned a badge (one bulk insert, for a playlist issued to many at once)."""
    me_url = absolute_url("me")
    emails_queue([_badge_earned_email(assertion, me_url) for assertion in assertions])
