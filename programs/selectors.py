from collections import OrderedDict

from django.core.paginator import Page, Paginator
from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from outbox.selectors import latest_emails_for
from programs.models import (
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

STATUS_FILTERS = ["pending", "accepted", "canceled", "expired"]


def learner_dashboard(user) -> dict:
    """The learner's programs with the runs they are enrolled on, and the programs they manage; two queries."""
    programs: OrderedDict[int, dict] = OrderedDict()
    enrolments = (
        Enrolment.objects.filter(user=user)
        .select_related("run__program__organisation")
        .order_by("run__program__name", "run__starts_on", "run__code")
    )
    for enrolment in enrolments:
        program = enrolment.run.program
        entry = programs.setdefault(program.pk, {"program": program, "organisation": program.organisation, "runs": []})
        entry["runs"].append(enrolment.run)
    # Program learner admins have no organisation-wide role that shows them the Programs tile; this is their way in.
    managed = list(
        ProgramLearnerAdmin.objects.filter(user=user, program__organisation__memberships__user=user)
        .select_related("program__organisation")
        .order_by("program__organisation__name", "program__name")
    )
    return {"items": list(programs.values()), "managed": [role.program for role in managed]}


def org_summary(organisation) -> list[tuple[str, int]]:
    """Figures for the organiser home tile; two queries."""
    pending = Invitation.objects.filter(
        organisation=organisation, status=Invitation.Status.PENDING, valid_until__gt=timezone.now()
    ).count()
    programs = Program.objects.filter(organisation=organisation).count()
    return [(_("programs"), programs), (_("pending invitations"), pending)]


def programs_for(organisation, program_ids: set[int] | None) -> QuerySet[Program]:
    programs = Program.objects.filter(organisation=organisation).annotate(run_count=Count("runs"))
    if program_ids is not None:
        programs = programs.filter(pk__in=program_ids)
    return programs.order_by("name")


def runs_with_counts(program: Program) -> QuerySet[ProgramRun]:
    """The program's runs with enrolled and pending counts; one query (subqueries, so no join fans out)."""
    enrolled = Enrolment.objects.filter(run=OuterRef("pk")).order_by().values("run").annotate(n=Count("id")).values("n")
    pending = (
        InvitationRun.objects.filter(
            run=OuterRef("pk"),
            invitation__status=Invitation.Status.PENDING,
            invitation__valid_until__gt=timezone.now(),
        )
        .order_by()
        .values("run")
        .annotate(n=Count("id"))
        .values("n")
    )
    return program.runs.annotate(
        enrolled_count=Coalesce(Subquery(enrolled), 0), pending_count=Coalesce(Subquery(pending), 0)
    ).order_by("starts_on", "code")


def _status_q(status: str) -> Q:
    now = timezone.now()
    if status == "pending":
        return Q(status=Invitation.Status.PENDING, valid_until__gt=now)
    if status == "expired":
        return Q(status=Invitation.Status.EXPIRED) | Q(status=Invitation.Status.PENDING, valid_until__lte=now)
    return Q(status=status)


def run_invitations(run: ProgramRun, *, query: str = "", status: str = "") -> QuerySet[Invitation]:
    invitations = Invitation.objects.filter(invitation_runs__run=run)
    if query:
        invitations = invitations.filter(Q(external_learner_id__icontains=query) | Q(email__icontains=query))
    if status in STATUS_FILTERS:
        invitations = invitations.filter(_status_q(status))
    return invitations.prefetch_related(
        Prefetch("invitation_runs", queryset=InvitationRun.objects.select_related("run").order_by("run__code"))
    ).order_by("-created_at", "-id")


def run_enrolments(run: ProgramRun, *, query: str = "") -> QuerySet[Enrolment]:
    enrolments = Enrolment.objects.filter(run=run).select_related("user")
    if query:
        enrolments = enrolments.filter(Q(external_learner_id__icontains=query) | Q(user__email__icontains=query))
    return enrolments.order_by("external_learner_id", "id")


def with_email_status(invitations: list[Invitation]) -> list[Invitation]:
    """Attach the latest email (delivery status and the link it carried) to each invitation; one query."""
    # The raw link exists only in the email that carried it: only its hash is stored on the invitation.
    emails = latest_emails_for(invitations, with_context=True)
    for invitation in invitations:
        email = emails.get(invitation.pk)
        invitation.email_status = email
        invitation.link = email.context.get("url", "") if email else ""
    return invitations


def latest_link(invitation: Invitation) -> str:
    """The acceptance link most recently emailed for this invitation ('' if none)."""
    return with_email_status([invitation])[0].link


def billing_by_month(organisation) -> list[dict]:
    """Enrolments created through invitations, per month (UTC), newest first; one query."""
    return list(
        Enrolment.objects.filter(organisation=organisation, source=Enrolment.Source.INVITATION)
        .annotate(month=TruncMonth("created_at"))
        .values("month")
        .annotate(enrolments=Count("id"), learners=Count("user", distinct=True))
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


def batch_preview(batch: ImportBatch, *, page_number, per_page: int) -> tuple[Page, list[dict]]:
    """One page of a validated batch's rows, with program and run codes; two queries."""
    stored = ImportBatchRows.objects.filter(batch=batch).values_list("rows", flat=True).first() or []
    page = Paginator(stored, per_page).get_page(page_number)
    run_ids = {row[3] for row in page.object_list}
    runs = {run.pk: run for run in ProgramRun.objects.filter(pk__in=run_ids).select_related("program")}
    rows = []
    for number, ext, email, run_id, expiry in page.object_list:
        run = runs.get(run_id)
        rows.append(
            {
                "number": number,
                "ext": ext,
                "email": email,
                "program": run.program.code if run else "?",
                "run": run.code if run else "?",
                "expiry": expiry.replace("T", " "),
            }
        )
    return page, rows


def recent_batches(organisation, *, user, all_uploads: bool, limit: int = 10) -> list[ImportBatch]:
    """The latest uploads: all of the organisation's for learning managers, else the user's own."""
    batches = ImportBatch.objects.filter(organisation=organisation)
    if not all_uploads:
        batches = batches.filter(uploaded_by=user)
    return list(batches.only("id", "file_name", "status", "created_at")[:limit])
