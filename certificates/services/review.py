"""The learner's data: drafts, submitting, and the organiser's review (accept or request changes)."""

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from certificates import content
from certificates.models import AuditEntry, Individual
from certificates.services.common import CertificatesError, Status, audit, lock_individual, require_status
from certificates.services.emails import learner_context
from learnerpass.lib.urls import absolute_url
from organisations.models import Membership, Organisation, Role
from outbox.services import build_email, email_queue, emails_queue


def _labelled(field_comments: dict[str, str], language: str) -> list[list[str]]:
    with translation.override(language):
        return [[str(content.FIELDS_BY_KEY[key].label), text] for key, text in field_comments.items()]


def _check_learner(individual: Individual, user) -> None:
    if individual.user_id != user.pk:
        raise CertificatesError(_("This certificate data belongs to someone else."))


@transaction.atomic
def individual_save_draft(*, individual: Individual, user, data: dict) -> Individual:
    """Keep the learner's draft; the first save after a request for changes moves back to editing."""
    individual = lock_individual(individual)
    _check_learner(individual, user)
    require_status(
        individual,
        Status.EDITING,
        Status.CHANGES_REQUESTED,
        message=_("This data is not open for editing: it was submitted or the organisers hold it."),
    )
    if individual.status == Status.CHANGES_REQUESTED:
        individual.status = Status.EDITING
        audit(individual, user, AuditEntry.Action.EDITING)
    individual.draft_data = content.clean_data(data)
    individual.draft_saved_at = timezone.now()
    individual.save(update_fields=["status", "draft_data", "draft_saved_at"])
    return individual


def _organiser_emails(organisation: Organisation) -> list[str]:
    return list(
        Membership.objects.filter(organisation=organisation, role__in=[Role.ORGANISER, Role.ADMIN])
        .order_by("user__email")
        .values_list("user__email", flat=True)
    )


@transaction.atomic
def individual_submit(*, individual: Individual, user, data: dict) -> Individual:
    """Save the final draft and hand it to the organisers (editing → submitted)."""
    individual = individual_save_draft(individual=individual, user=user, data=data)
    require_status(individual, Status.EDITING, message=_("Only data being edited can be submitted."))
    # After a request for changes the review compares with the submission those comments were about.
    individual.previous_submitted_data = (
        content.clean_data(individual.submitted_data)
        if individual.review_comments and individual.submitted_data
        else {}
    )
    individual.status = Status.SUBMITTED
    individual.submitted_data = content.clean_data(individual.draft_data)
    individual.submitted_at = timezone.now()
    individual.save(update_fields=["status", "submitted_data", "previous_submitted_data", "submitted_at"])
    audit(individual, user, AuditEntry.Action.SUBMITTED)
    project = individual.project
    review_url = absolute_url(
        "certificates:review", org_slug=project.organisation.slug, pk=individual.pk
    )  # organisers' link: signed-in page behind the role check
    emails_queue(
        [
            build_email(
                to=address,
                template="certificates/submitted",
                context={
                    "learner": individual.full_name,
                    "project": project.title,
                    "organisation": project.organisation.name,
                    "url": review_url,
                },
                kind="certificates_submitted",
                ref=individual,
            )
            for address in _organiser_emails(project.organisation)
        ]
    )
    return individual


@transaction.atomic
def individual_accept(*, individual: Individual, accepted_by) -> Individual:
    individual = lock_individual(individual)
    require_status(individual, Status.SUBMITTED, message=_("Only a submission can be accepted."))
    before, after = content.clean_data(individual.accepted_data), content.clean_data(individual.submitted_data)
    changed = [key for key in content.FIELD_KEYS if before[key] != after[key]]
    individual.status = Status.ACCEPTED
    individual.accepted_data = after
    # The accepted name is the individual's name (a submission always has one; an old one might not).
    if after["first_name"] and after["surname"]:
        individual.first_name, individual.surname = after["first_name"], after["surname"]
    else:
        after["first_name"], after["surname"] = individual.first_name, individual.surname
    individual.accepted_at = timezone.now()
    individual.review_comments = {}
    individual.previous_submitted_data = {}
    individual.save(
        update_fields=[
            "status",
            "first_name",
            "surname",
            "accepted_data",
            "accepted_at",
            "review_comments",
            "previous_submitted_data",
        ]
    )
    audit(individual, accepted_by, AuditEntry.Action.ACCEPTED, fields=changed)
    email_queue(
        to=individual.email,
        template="certificates/accepted",
        context={**learner_context(individual), "url": absolute_url("me")},
        kind="certificates_accepted",
        ref=individual,
        language=individual.project.language,
    )
    return individual


@transaction.atomic
def individual_request_changes(
    *, individual: Individual, requested_by, comment: str, field_comments: dict[str, str]
) -> Individual:
    individual = lock_individual(individual)
    require_status(individual, Status.SUBMITTED, message=_("Changes can only be requested on a submission."))
    field_comments = {k: v.strip() for k, v in field_comments.items() if k in content.FIELDS_BY_KEY and v.strip()}
    comment = comment.strip()
    if not comment and not field_comments:
        raise CertificatesError(_("Tell the learner what to change: write a comment."))
    individual.status = Status.CHANGES_REQUESTED
    individual.review_comments = {"general": comment, "fields": field_comments}
    # The learner continues from what they submitted.
    individual.draft_data = content.clean_data(individual.submitted_data)
    individual.save(update_fields=["status", "review_comments", "draft_data"])
    audit(individual, requested_by, AuditEntry.Action.CHANGES_REQUESTED, comment=comment, fields=field_comments)
    email_queue(
        to=individual.email,
        template="certificates/changes_requested",
        context={
            **learner_context(individual),
            "comment": comment,
            # The field names as the learner's form shows them: in the project's language.
            "field_comments": _labelled(field_comments, individual.project.language),
            "url": absolute_url("certificates:learner_edit", public_id=individual.public_id),
        },
        kind="certificates_changes_requested",
        ref=individual,
        language=individual.project.language,
    )
    return individual
