"""One function per badges email. Each queues outbox rows inside its caller's transaction."""

from collections.abc import Iterable

from badges.models import Assertion, EvidenceSubmission
from learnerpass.lib.urls import absolute_url
from organisations.models import Membership, Organisation, Role
from outbox.services import build_email, email_queue, emails_queue

# A digest of escalated reviews names this many; the queue page has the rest.
DIGEST_SHOWN = 20


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


def badge_earned(*, assertion: Assertion) -> None:
    badge = assertion.badge
    email_queue(
        to=assertion.recipient_email,
        template="badges/badge_earned",
        context={
            "badge": badge.name,
            "issuer": badge.organisation.name,
            "url": absolute_url("me"),
            "assertion_url": absolute_url("badges:assertion", public_id=assertion.public_id),
        },
        kind="badge_earned",
        ref=assertion,
    )
