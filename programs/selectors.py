from bisect import bisect_left
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth import get_user_model
from django.core.paginator import Paginator
from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet
from django.db.models.fields.json import KeyTextTransform
from django.utils import timezone
from django.utils.translation import ngettext

from learnerpass.lib import counts
from learnerpass.lib.bulk import one_of
from learnerpass.lib.counts import CappedCount, capped_count
from learnerpass.lib.prepared import prepared
from outbox.models import Email
from outbox.services import ref_of
from programs.access import manageable_program_ids
from programs.models import (
    BILLING_MONTH,
    Enrolment,
    ImportBatch,
    ImportBatchRows,
    Invitation,
    InvitationRun,
    LearnerLink,
    Program,
    ProgramLearnerAdmin,
    ProgramRun,
)
from programs.services.imports import CSV_COLUMNS

STATUS_FILTERS = ["pending", "accepted", "canceled", "expired"]
# The lists of a run, paged by keyset (learnerpass.lib.keyset) along these indexes: newest
# invitations first (InvitationRun's run + invitation index), enrolled learners by learner ID.
INVITATION_ORDER = ("-id",)
ENROLMENT_ORDER = ("external_learner_id", "id")


@prepared
def _dashboard_enrolments(user_id):
    return (
        Enrolment.objects.active()
        .filter(user_id=user_id)
        .select_related("run__program__organisation")
        .only(
            "run__code",
            "run__name",
            "run__starts_on",
            "run__ends_on",
            "run__program__name",
            "run__program__kind",
            "run__program__organisation__name",
        )
        .order_by("run__program__name", "run__starts_on", "run__code")
    )


@prepared
def _dashboard_managed(user_id):
    return (
        ProgramLearnerAdmin.objects.filter(user_id=user_id, program__organisation__memberships__user_id=user_id)
        .select_related("program__organisation")
        .only("program__name", "program__organisation__name", "program__organisation__slug")
        .order_by("program__organisation__name", "program__name")
    )


def learner_dashboard(user, *, member: bool = True) -> dict:
    """The learner's programs with the runs they are enrolled on, and the programs they manage; two queries
    (prepared: /me/ loads them on every visit), one when the caller knows the user is no organisation's
    member (only members manage programs)."""
    programs: OrderedDict[int, dict] = OrderedDict()
    for enrolment in _dashboard_enrolments(user.pk):
        program = enrolment.run.program
        entry = programs.setdefault(program.pk, {"program": program, "organisation": program.organisation, "runs": []})
        entry["runs"].append(enrolment.run)
    # Program learner admins have no organisation-wide role that shows them the Programs tile; this is their way in.
    if not member:
        return {"items": list(programs.values()), "managed": []}
    return {"items": list(programs.values()), "managed": [role.program for role in _dashboard_managed(user.pk)]}


def org_summary(organisation, program_ids: set[int] | None = None) -> list[tuple[str, int]]:
    """Figures for the organiser home tile, of `program_ids` only unless None; two queries."""
    pending = Invitation.objects.filter(
        organisation=organisation, status=Invitation.Status.PENDING, valid_until__gt=timezone.now()
    )
    programs = Program.objects.filter(organisation=organisation)
    if program_ids is not None:
        pending, programs = pending.filter(program_id__in=program_ids), programs.filter(pk__in=program_ids)
    program_count, pending_count = programs.count(), capped_count(pending)
    return [
        (ngettext("program", "programs", program_count), program_count),
        (ngettext("pending invitation", "pending invitations", pending_count), pending_count),
    ]


def member_summary(membership) -> list[tuple[str, int]]:
    """The tile's figures as this member may see them: a program learner admin's own programs only."""
    return org_summary(membership.organisation, manageable_program_ids(membership))


def programs_for(organisation, program_ids: set[int] | None) -> QuerySet[Program]:
    programs = Program.objects.filter(organisation=organisation).annotate(run_count=Count("runs"))
    if program_ids is not None:
        programs = programs.filter(pk__in=program_ids)
    return programs.order_by("name")


class _PendingOnRun(CappedCount):
    """A run's pending invitations, counted up to the cap.

    On PostgreSQL the join is written so the planner must walk the run's invitations along the
    run + invitation index and look each one up: left to choose, it merge-joined against the whole
    invitation table (tens of milliseconds at 100,000 invitations, whatever the cap).
    """

    def __init__(self, now):
        self.now = now
        super().__init__(
            InvitationRun.objects.filter(
                run=OuterRef("pk"), invitation__status=Invitation.Status.PENDING, invitation__valid_until__gt=now
            )
        )

    def as_postgresql(self, compiler, connection, **extra_context):
        quote = connection.ops.quote_name
        runs = quote(ProgramRun._meta.db_table)
        links = quote(InvitationRun._meta.db_table)
        invitations = quote(Invitation._meta.db_table)
        sql = (
            f"(SELECT COUNT(*) FROM (SELECT 1 FROM "  # noqa: S608 - model names, values bound
            f"(SELECT invitation_id FROM {links} WHERE run_id = {runs}.id ORDER BY invitation_id DESC) link "
            f"CROSS JOIN LATERAL (SELECT 1 FROM {invitations} i WHERE i.id = link.invitation_id "
            f"AND i.status = %s AND i.valid_until > %s OFFSET 0) pending LIMIT %s) capped_count)"
        )
        return sql, [Invitation.Status.PENDING.value, self.now, counts.COUNT_CAP + 1]


def grant_candidates(organisation):
    """The organisation's members by email: whom an admin may give a program's learner admin role."""
    return get_user_model().objects.filter(memberships__organisation=organisation).order_by("email")


def runs_with_counts(program: Program) -> list[ProgramRun]:
    """The program's runs with enrolled and pending counts, each capped at COUNT_CAP (shown as "1,000+"
    beyond it: an exact count read every invitation of a run); one query, prepared (the program's page)."""
    runs = _runs_with_counts(program.pk, timezone.now())
    for run in runs:
        run.program = program
    return runs


@prepared
def _runs_with_counts(program_id, now):
    enrolled = Enrolment.objects.active().filter(run=OuterRef("pk"))
    return (
        ProgramRun.objects.filter(program_id=program_id)
        .annotate(enrolled_count=CappedCount(enrolled), pending_count=_PendingOnRun(now))
        .order_by("starts_on", "code")
    )


@prepared
def learner_admins(program_id):
    """Who holds the program's learner admin role (the program's page)."""
    return ProgramLearnerAdmin.objects.filter(program_id=program_id).select_related("user")


@prepared
def grant_choices(organisation_id):
    """grant_candidates as (pk, email) pairs, for the grant form the program's page writes out."""
    return (
        get_user_model()
        .objects.filter(memberships__organisation_id=organisation_id)
        .order_by("email")
        .values_list("pk", "email")
    )


def _status_q(status: str) -> Q:
    now = timezone.now()
    if status == "pending":
        return Q(status=Invitation.Status.PENDING, valid_until__gt=now)
    if status == "expired":
        return Q(status=Invitation.Status.EXPIRED) | Q(status=Invitation.Status.PENDING, valid_until__lte=now)
    return Q(status=status)


# What a row of the Invitations tab shows: the rest (token hash, who and when for each change) stays unread.
INVITATION_LIST_FIELDS = ("id", "program_id", "external_learner_id", "email", "status", "valid_until", "expires_at")


def run_invitations(
    run: ProgramRun, *, query: str = "", status: str = "", listing: bool = False
) -> QuerySet[Invitation]:
    """The run's invitations, newest first, with their runs prefetched.

    listing=True loads only the fields the tab shows and leaves the runs to with_run_codes.
    """
    invitations = Invitation.objects.filter(invitation_runs__run=run)
    if query:
        invitations = invitations.filter(Q(external_learner_id__icontains=query) | Q(email__icontains=query))
    if status in STATUS_FILTERS:
        invitations = invitations.filter(_status_q(status))
    if listing:
        # The page's runs come from with_run_codes: prefetching builds a queryset per invitation.
        return invitations.only(*INVITATION_LIST_FIELDS).order_by(*INVITATION_ORDER)
    return invitations.prefetch_related(
        Prefetch(
            "invitation_runs",
            queryset=InvitationRun.objects.select_related("run")
            .only("invitation", "run", "run__code")
            .order_by("run__code"),
        )
    ).order_by(*INVITATION_ORDER)


def run_enrolments(
    run: ProgramRun, *, query: str = "", unenrolled: bool = False, listing: bool = False
) -> QuerySet[Enrolment]:
    """Who is on the run, or with unenrolled=True who was taken off it (and by whom).

    listing=True loads only what the Enrolled learners tab shows (not the accounts' password hashes and dates).
    """
    enrolments = Enrolment.objects.filter(run=run, unenrolled_at__isnull=not unenrolled).select_related("user")
    fields = ["external_learner_id", "source", "created_at", "unenrolled_at", "unenrol_reason", "user__email"]
    if unenrolled:
        enrolments = enrolments.select_related("unenrolled_by")
        fields.append("unenrolled_by__email")
    if listing:
        enrolments = enrolments.only(*fields)
    if query:
        enrolments = enrolments.filter(Q(external_learner_id__icontains=query) | Q(user__email__icontains=query))
    return enrolments.order_by(*ENROLMENT_ORDER)


def with_run_codes(invitations: list[Invitation]) -> list[Invitation]:
    """Attach the runs of each invitation as (run id, code) pairs in code order; one query."""
    runs: dict[int, list[tuple[int, str]]] = {}
    links = _run_codes([invitation.pk for invitation in invitations]) if invitations else []
    for invitation_id, run_id, code in links:
        runs.setdefault(invitation_id, []).append((run_id, code))
    for invitation in invitations:
        invitation.run_codes = runs.get(invitation.pk, [])
    return invitations


# The invitations tab's queries, prepared (their SQL built once per process; the ids are one array
# parameter on PostgreSQL): the tab is the page learning managers keep open.
@prepared
def _run_codes(invitation_ids):
    return (
        InvitationRun.objects.filter(**one_of("invitation_id", invitation_ids))
        .order_by("run__code")
        .values_list("invitation_id", "run_id", "run__code")
    )


@prepared
def _email_statuses(ref_type, invitation_ids):
    return (
        Email.objects.filter(ref_type=ref_type, **one_of("ref_id", invitation_ids))
        .order_by("ref_id", "created_at", "id")  # oldest first: the last one seen is the latest
        .values_list("ref_id", "status", "last_error", "sent_at", "next_attempt_at", KeyTextTransform("url", "context"))
    )


# The organiser lists' page size (the views take it from here, and first_invitations reads one page and one row).
PAGE_SIZE = 50


@prepared
def first_invitations(run_id):
    """The first page of the run's invitations, unfiltered, and one more row (is there a next page?)."""
    return run_invitations(ProgramRun(pk=run_id), listing=True)[: PAGE_SIZE + 1]


@dataclass(frozen=True)
class EmailStatus:
    """What a list shows of an invitation's latest email (as outbox/_status.html reads an Email)."""

    status: str
    last_error: str
    sent_at: datetime | None
    next_attempt_at: datetime | None


def with_email_status(invitations: list[Invitation]) -> list[Invitation]:
    """Attach the latest email's delivery status and the link it carried to each invitation; one query.

    The raw link exists only in the email that carried it (the invitation stores its hash). Only the
    columns outbox/_status.html reads are fetched, as values: whole Email rows (addresses, the rendering
    context, attempts) took 2 ms for a page of 50.
    """
    latest: dict[int, tuple] = {}
    if invitations:
        ref_type, _ = ref_of(invitations[0])
        latest = {row[0]: row for row in _email_statuses(ref_type, [invitation.pk for invitation in invitations])}
    for invitation in invitations:
        row = latest.get(invitation.pk)
        invitation.email_status = EmailStatus(*row[1:5]) if row else None
        invitation.link = (row[5] or "") if row else ""
    return invitations


def latest_link(invitation: Invitation) -> str:
    """The acceptance link most recently emailed for this invitation ('' if none)."""
    return with_email_status([invitation])[0].link


def billing_by_month(organisation) -> list[dict]:
    """Enrolments created per month (UTC), newest first: through invitations, directly, and in total; one query.

    Every enrolment counts in the month it was created, also one unenrolled later, so a
    month's figures never change once the month is over.

    Read from the prog_enrol_billing_month index alone, in month and learner order: no sort,
    however many enrolments. Rows are counted by their user (never null) because the index holds
    it; COUNT(id) would fetch every row from the table.
    """
    return _billing_by_month(organisation.pk)


@prepared
def _billing_by_month(organisation_id):
    return (
        Enrolment.objects.filter(organisation_id=organisation_id)
        .annotate(month=BILLING_MONTH)
        .values("month")
        .annotate(
            invitation=Count("user", filter=Q(source=Enrolment.Source.INVITATION)),
            direct=Count("user", filter=Q(source=Enrolment.Source.DIRECT)),
            total=Count("user"),
            learners=Count("user", distinct=True),
        )
        .order_by("-month")
    )


def linked_account(invitation: Invitation) -> str:
    """The email of the account the invited learner ID belongs to in the organisation ('' if none); one query."""
    return (
        LearnerLink.objects.filter(
            organisation_id=invitation.organisation_id, external_learner_id=invitation.external_learner_id
        )
        .values_list("user__email", flat=True)
        .first()
        or ""
    )


# ?show= on the batch page → the kind of row it lists.
ROW_FILTERS = {"errors": "error", "ok": "ok", "skipped": "skipped"}


def batch_rows(batch: ImportBatch, *, page_number, per_page: int, show: str = "") -> dict:
    """Every checked row of a batch in file order, one page at a time; two queries.

    Each row is "ok" (will be invited), "error" (with its problems by column) or "skipped"
    (with the reason). `show` limits the list to one kind. The result also says on which
    page the first erroneous and the first error-free row are, for the pager's jumps.
    """
    stored = ImportBatchRows.objects.filter(batch=batch).values_list("rows", "other_rows").first() or ([], [])
    valid, others = stored
    problems: dict[int, dict[str, str]] = {}
    for number, column, _value, reason in batch.errors:
        if number > 1:  # row 1 is the header: its errors are about the file, shown above the rows
            problems.setdefault(number, {}).setdefault(column, reason)
    skipped = {number: reason for number, _ext, reason in batch.notices}
    kinds = {row[0]: "ok" for row in valid}
    for row in others:
        kinds[row[0]] = "error" if row[0] in problems else "skipped"
    wanted = ROW_FILTERS.get(show)
    numbers = sorted(number for number, kind in kinds.items() if wanted is None or kind == wanted)
    first_error = next((n for n in sorted(problems) if n in kinds), None)
    first_ok = valid[0][0] if valid else None
    # The jumps lead to the full list, whatever `show` is.
    all_numbers = numbers if wanted is None else sorted(kinds)

    def page_of(number):
        if number is None:
            return None
        return bisect_left(all_numbers, number) // per_page + 1

    page = Paginator(numbers, per_page).get_page(page_number)
    on_page = set(page.object_list)
    by_number = {row[0]: row for row in valid if row[0] in on_page}
    by_number.update({row[0]: row for row in others if row[0] in on_page})
    runs = {
        run.pk: run
        for run in ProgramRun.objects.filter(
            pk__in={row[3] for number, row in by_number.items() if kinds[number] == "ok"}
        ).select_related("program")
    }
    rows = []
    for number in page.object_list:
        row = by_number[number]
        if kinds[number] == "ok":
            run = runs.get(row[3])
            cells = [
                row[1],
                row[2],
                run.program.code if run else "?",
                run.code if run else "?",
                row[4].replace("T", " "),
            ]
        else:
            cells = row[1:]
        errors = problems.get(number, {})
        rows.append(
            {
                "number": number,
                "kind": kinds[number],
                "cells": [
                    {"column": column, "value": value, "problem": errors.get(column, "")}
                    for column, value in zip(CSV_COLUMNS, cells, strict=True)
                ],
                "reason": skipped.get(number, ""),
            }
        )
    return {
        "page": page,
        "rows": rows,
        "first_error_page": page_of(first_error),
        "first_error": first_error,
        "first_ok_page": page_of(first_ok),
        "first_ok": first_ok,
        "file_errors": [error for error in batch.errors if error[0] == 1],
        "counts": {
            "ok": len(valid),
            "error": len(problems),
            "skipped": len(skipped),
        },
    }


def recent_batches(organisation, *, user, all_uploads: bool, limit: int = 10) -> list[ImportBatch]:
    """The latest uploads: all of the organisation's for learning managers, else the user's own."""
    batches = ImportBatch.objects.filter(organisation=organisation)
    if not all_uploads:
        batches = batches.filter(uploaded_by=user)
    return list(batches.only("id", "file_name", "status", "created_at", "superseded_at")[:limit])


def invitable_runs(organisation, program_ids: set[int] | None, *, first: Program | None = None) -> list[ProgramRun]:
    """Open runs of the programs the person manages, `first`'s runs leading; one query."""
    runs = ProgramRun.objects.filter(program__organisation=organisation, is_open=True).select_related("program")
    if program_ids is not None:
        runs = runs.filter(program_id__in=program_ids)
    runs = list(runs.order_by("program__name", "program__code", "starts_on", "code"))
    if first is not None:
        runs.sort(key=lambda run: run.program_id != first.pk)  # stable: keeps the order within each group
    return runs
