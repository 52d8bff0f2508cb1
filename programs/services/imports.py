"""Bulk invitations from a CSV/XLSX file: validate every row, preview, send once."""

import re
from collections import Counter, defaultdict
from collections.abc import Callable
from datetime import UTC, datetime

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from jobs.models import Job
from jobs.services import JobRun, job_start
from learnerpass.lib.bulk import filtered_in, insert_rows, reserve_ids
from learnerpass.lib.tabular import Table, TableError, read_table, sniff_table
from learnerpass.lib.tokens import new_token
from organisations.models import Membership, Organisation
from outbox.services import emails_queue_many
from programs.access import manageable_program_ids
from programs.jobs import CHECK, SEND
from programs.models import (
    Enrolment,
    ImportBatch,
    ImportBatchRows,
    Invitation,
    InvitationRun,
    LearnerLink,
    Program,
    ProgramRun,
    normalise_code,
)
from programs.services.common import (
    DEFAULT_VALIDITY,
    INVITATION_KIND,
    INVITATION_TEMPLATE,
    LinkMaker,
    ProgramsError,
    invitation_email_context,
    link_expiry,
    normalise_email,
    parse_utc_time,
    run_line,
)

CSV_COLUMNS = ["external_learner_id", "email", "program_code", "program_run_code", "expiry_time"]
# Files up to this size are validated inside the request (a few milliseconds); bigger ones by a
# recorded job while the page shows its progress. Sending is always a job.
INLINE_VALIDATE_BYTES = 256 * 1024
# Stored errors are capped so a file of garbage cannot bloat the database; all are counted.
MAX_STORED_ERRORS = 20_000

# The single invite form's limits, which are the database's: a longer cell is a row error, never a failed Send.
EXT_MAX_LENGTH = Invitation._meta.get_field("external_learner_id").max_length
EMAIL_MAX_LENGTH = Invitation._meta.get_field("email").max_length


def _too_long(value: str, limit: int) -> str:
    return _("At most %(max)s characters (this one has %(n)s).") % {"max": limit, "n": len(value)}


def _shown(value: str) -> str:
    """A cell as the error list shows it: a very long one cut, so a file of garbage cannot bloat the batch."""
    return value if len(value) <= 120 else value[:120] + "…"


# Good enough to catch typos in a spreadsheet at 100k rows/s; the mail server has the last word.
EMAIL_RE = re.compile(r"^[^@\s,;<>\"]+@[^@\s,;<>\"]+\.[^@\s,;<>\".]{2,}$")


@transaction.atomic
def batch_upload(*, organisation: Organisation, uploaded_by, upload, program: Program | None = None) -> ImportBatch:
    """Take an uploaded file: small ones are validated at once, big ones by a task after commit.

    `program` is the program page the upload started from (context only: rows may name any
    program the uploader manages).
    """
    name = (getattr(upload, "name", "") or "upload").rsplit("/", 1)[-1][:200]
    if upload.size > settings.MAX_UPLOAD_BYTES:
        raise ProgramsError(
            _("The file is too large; the limit is %(limit)s MB.") % {"limit": settings.MAX_UPLOAD_BYTES // 1_048_576}
        )
    if not name.lower().endswith((".csv", ".xlsx", ".txt")):
        raise ProgramsError(_("Upload a .csv or .xlsx file."))
    if upload.size <= INLINE_VALIDATE_BYTES:
        try:
            table = read_table(upload)
        except TableError as exc:
            raise ProgramsError(str(exc)) from None
        batch = ImportBatch.objects.create(
            organisation=organisation, program=program, uploaded_by=uploaded_by, file_name=name
        )
        batch_validate_table(batch=batch, table=table)
        return batch
    try:
        sniff_table(upload)
    except TableError as exc:
        raise ProgramsError(str(exc)) from None
    batch = ImportBatch(organisation=organisation, program=program, uploaded_by=uploaded_by, file_name=name)
    # Stored chunk by chunk: reading a 20 MB upload into memory first would only double it.
    batch.upload.save(name, upload, save=False)
    batch.save()
    from programs.tasks import validate_batch

    job_start(
        kind=CHECK,
        task=validate_batch,
        organisation=organisation,
        started_by=uploaded_by,
        ref=batch,
        task_kwargs={"batch_id": batch.pk},
        return_url=_batch_url(batch),
    )
    return batch


@transaction.atomic
def batch_reupload(*, batch: ImportBatch, uploaded_by, upload) -> ImportBatch:
    """Upload a corrected file in place of a checked one: same organisation and program, the old one marked.

    The old batch is locked and must not be replaced already, so a double click makes one
    new batch; an unreadable file raises and leaves the old batch as it was.
    """
    old = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    if old.is_superseded:
        raise ProgramsError(_("This upload has already been replaced by a newer one."))
    if not old.can_be_replaced:
        raise ProgramsError(
            _("This file has been sent or is being processed; upload a new file instead.")
            if old.status in (ImportBatch.Status.SENDING, ImportBatch.Status.SENT)
            else _("This file is still being checked. Wait for the result before replacing it.")
        )
    new = batch_upload(organisation=old.organisation, uploaded_by=uploaded_by, upload=upload, program=old.program)
    old.superseded_by, old.superseded_at = new, timezone.now()
    old.save(update_fields=["superseded_by", "superseded_at"])
    return new


def _batch_url(batch: ImportBatch) -> str:
    return reverse("programs:import_batch", kwargs={"org_slug": batch.organisation.slug, "batch_id": batch.pk})


def batch_validate_stored(*, batch_id: int, run: JobRun | None = None) -> None:
    """The job's half of batch_upload: read the stored file and validate it. Idempotent: a run
    after a lost worker validates again from the start; a batch already checked is only summed up."""
    batch = ImportBatch.objects.filter(pk=batch_id).select_related("organisation", "uploaded_by").first()
    if batch is None:
        raise ProgramsError(_("This upload no longer exists."))
    if batch.status == ImportBatch.Status.VALIDATING and batch.upload:
        if run:
            run.beat()
        try:
            with batch.upload.open("rb") as handle:
                table = read_table(handle)
        except TableError as exc:
            batch.status = ImportBatch.Status.INVALID
            batch.message = str(exc)
            batch.validated_at = timezone.now()
            batch.save(update_fields=["status", "message", "validated_at"])
        else:
            batch_validate_table(batch=batch, table=table, run=run)
        batch.upload.delete(save=False)
        ImportBatch.objects.filter(pk=batch.pk).update(upload="")
    elif batch.status == ImportBatch.Status.VALIDATING:
        raise ProgramsError(_("The uploaded file is gone. Upload it again."))
    if run:
        _sum_up_check(run, batch)


def _sum_up_check(run: JobRun, batch: ImportBatch) -> None:
    run.total = batch.row_count
    run.done = batch.row_count
    run.counts = {}
    run.reasons = {}
    run.count("valid", batch.invitation_count)
    for _row, _column, _value, reason in batch.errors:
        run.count("errors", reason=reason)
    # Errors beyond the stored ones are counted, not kept.
    run.count("errors", batch.error_count - len(batch.errors), reason=_("Other errors"))
    for _row, _ext, reason in batch.notices:
        run.count("skipped", reason=reason)
    run.finish(batch.message)


class _Validator:
    """Checks every row against dictionaries loaded up front: no query per row."""

    def __init__(self, *, organisation: Organisation, user, now: datetime):
        self.now = now
        membership = Membership.objects.filter(organisation=organisation, user=user).first()
        self.allowed = manageable_program_ids(membership) if membership else set()
        self.programs = {normalise_code(p.code): p for p in Program.objects.filter(organisation=organisation)}
        self.programs_by_id = {p.pk: p for p in self.programs.values()}
        self.runs: dict[tuple[int, str], ProgramRun] = {}
        self.runs_by_id: dict[int, ProgramRun] = {}
        for run in ProgramRun.objects.filter(program__organisation=organisation):
            self.runs[(run.program_id, normalise_code(run.code))] = run
            self.runs_by_id[run.pk] = run
        self.organisation = organisation
        self.link_user: dict[str, tuple[int, str]] = {}
        self.email_learner: dict[str, str] = {}
        self.pending: set[tuple[str, int]] = set()
        self.pending_email: dict[str, str] = {}
        self.pending_learner: dict[str, str] = {}
        self.enrolled: set[tuple[int, int]] = set()

    def load_learners(self, exts: set[str], emails: set[str]) -> None:
        """What the organisation already knows about the file's learners: links, pending invitations, enrolments.

        Only these learners are loaded, so memory follows the file, not how many invitations
        the organisation has pending.
        """
        organisation, now = self.organisation, self.now
        # Links are few next to invitations; one pass finds them by learner ID and by email.
        for ext, user_id, email in (
            LearnerLink.objects.filter(organisation=organisation)
            .values_list("external_learner_id", "user_id", "user__email")
            .iterator(chunk_size=5000)
        ):
            email = normalise_email(email)
            if ext in exts or email in emails:
                self.link_user[ext] = (user_id, email)
                self.email_learner[email] = ext
        pending = Invitation.objects.filter(
            organisation=organisation, status=Invitation.Status.PENDING, valid_until__gt=now
        )
        for learners in filtered_in(pending, "external_learner_id", exts):
            for ext, run_id, email in InvitationRun.objects.filter(invitation__in=learners).values_list(
                "invitation__external_learner_id", "run_id", "invitation__email"
            ):
                self.pending.add((ext, run_id))
                self.pending_email[ext] = email
                self.pending_learner[email] = ext
        for learners in filtered_in(pending, "email", emails):
            for email, ext in learners.values_list("email", "external_learner_id"):
                self.pending_learner[email] = ext
        users = [user_id for user_id, _email in self.link_user.values()]
        enrolments = Enrolment.objects.active().filter(organisation=organisation)
        for learners in filtered_in(enrolments, "user_id", users):
            self.enrolled.update(learners.values_list("user_id", "run_id"))

    def validate(self, table: Table, progress: Callable[[int], None] | None = None):
        errors: list[list] = []
        notices: list[list] = []
        valid: list[list] = []
        # The cells of rows with errors or skipped, as written, so the preview shows them in place.
        others: list[list] = []
        missing = table.missing(CSV_COLUMNS)
        if missing:
            for column in missing:
                errors.append([1, column, "", _("Missing column. The header must name every column of the template.")])
            return errors, notices, valid, others
        self.load_learners(
            {row.get("external_learner_id", "") for _number, row in table.rows},
            {row.get("email", "").lower() for _number, row in table.rows},
        )
        seen: dict[tuple[str, int], int] = {}
        file_email: dict[str, tuple[str, int]] = {}
        file_learner: dict[str, tuple[str, int]] = {}
        programs, runs, allowed = self.programs, self.runs, self.allowed
        # A file's rows share a few expiry times: each is read once.
        expiries: dict[str, tuple[str | None, str | None]] = {}
        empty = _("This cell is empty.")
        for count, (number, row) in enumerate(table.rows, start=1):
            if progress and count % 2000 == 0:
                progress(count)
            row_errors = []
            ext = row.get("external_learner_id", "")
            raw_email = row.get("email", "")
            email = raw_email.lower()
            program_code = row.get("program_code", "")
            run_code = row.get("program_run_code", "")
            expiry_text = row.get("expiry_time", "")
            if not ext:
                row_errors.append(("external_learner_id", ext, empty))
            elif len(ext) > EXT_MAX_LENGTH:
                row_errors.append(("external_learner_id", _shown(ext), _too_long(ext, EXT_MAX_LENGTH)))
            if not email:
                row_errors.append(("email", raw_email, empty))
            elif len(email) > EMAIL_MAX_LENGTH:
                row_errors.append(("email", _shown(raw_email), _too_long(email, EMAIL_MAX_LENGTH)))
            elif not EMAIL_RE.match(email):
                row_errors.append(("email", raw_email, _("This is not a valid email address.")))
            program = run = None
            if not program_code:
                row_errors.append(("program_code", program_code, empty))
            else:
                program = programs.get(program_code.lower())
                if program is None:
                    row_errors.append(("program_code", program_code, _("No program has this code.")))
                elif allowed is not None and program.pk not in allowed:
                    row_errors.append(("program_code", program_code, _("You may not manage this program.")))
                    program = None
            if not run_code:
                row_errors.append(("program_run_code", run_code, empty))
            elif program is not None:
                run = runs.get((program.pk, run_code.lower()))
                if run is None:
                    row_errors.append(
                        ("program_run_code", run_code, _("No run has this code in program %s.") % program.code)
                    )
                elif not run.is_open:
                    row_errors.append(("program_run_code", run_code, _("This run is closed.")))
                    run = None
            expiry = None
            if not expiry_text:
                row_errors.append(("expiry_time", expiry_text, empty))
            else:
                if expiry_text not in expiries:
                    expiries[expiry_text] = self.expiry(expiry_text)
                expiry, problem = expiries[expiry_text]
                if problem:
                    row_errors.append(("expiry_time", expiry_text, problem))
            if ext and email:
                earlier = file_email.get(ext)
                if earlier is None:
                    file_email[ext] = (email, number)
                elif earlier[0] != email:
                    row_errors.append(
                        (
                            "email",
                            raw_email,
                            _("Learner ID %(id)s has another email (%(email)s) on row %(row)s.")
                            % {"id": ext, "email": earlier[0], "row": earlier[1]},
                        )
                    )
                # One account holds one learner ID per organisation, so a second ID on the same
                # address could never be accepted by that learner.
                earlier_ext = file_learner.get(email)
                if earlier_ext is None:
                    file_learner[email] = (ext, number)
                elif earlier_ext[0] != ext:
                    row_errors.append(
                        (
                            "email",
                            raw_email,
                            _("This email is also given to learner ID %(id)s on row %(row)s.")
                            % {"id": earlier_ext[0], "row": earlier_ext[1]},
                        )
                    )
                linked = self.link_user.get(ext)
                if linked and linked[1] != email:
                    row_errors.append(
                        ("email", raw_email, _("Learner ID %s is linked to an account with another email.") % ext)
                    )
                other_ext = self.email_learner.get(email)
                if other_ext is not None and other_ext != ext:
                    row_errors.append(
                        ("email", raw_email, _("This email belongs to the account of learner ID %s.") % other_ext)
                    )
                pending_ext = self.pending_learner.get(email)
                if pending_ext is not None and pending_ext != ext and other_ext is None:
                    row_errors.append(
                        (
                            "email",
                            raw_email,
                            _("A pending invitation to this email is for learner ID %s.") % pending_ext,
                        )
                    )
                pending_email = self.pending_email.get(ext)
                if pending_email is not None and pending_email != email:
                    row_errors.append(
                        (
                            "email",
                            raw_email,
                            _("Learner ID %(id)s has a pending invitation sent to %(email)s.")
                            % {"id": ext, "email": pending_email},
                        )
                    )
            if ext and run is not None:
                key = (ext, run.pk)
                first = seen.get(key)
                if first is not None:
                    row_errors.append(
                        ("program_run_code", run_code, _("Duplicate of row %s (same learner and run).") % first)
                    )
                else:
                    seen[key] = number
            if row_errors:
                for column, value, reason in row_errors:
                    errors.append([number, column, value, reason])
                if len(others) < MAX_STORED_ERRORS:
                    others.append([number, ext, raw_email, program_code, run_code, expiry_text])
                continue
            notice = None
            if (ext, run.pk) in self.pending:
                notice = _("A pending invitation for this learner and run exists; not sent again.")
            else:
                linked = self.link_user.get(ext)
                if linked and (linked[0], run.pk) in self.enrolled:
                    notice = _("Already enrolled on this run.")
            if notice:
                notices.append([number, ext, notice])
                if len(others) < MAX_STORED_ERRORS:
                    others.append([number, ext, raw_email, program_code, run_code, expiry_text])
                continue
            valid.append([number, ext, email, run.pk, expiry])
        return errors, notices, valid, others

    def expiry(self, text: str) -> tuple[str | None, str | None]:
        """(the expiry as stored in a valid row, None) or (None, what is wrong with it)."""
        try:
            expiry = parse_utc_time(text)
        except ProgramsError as exc:
            return None, str(exc)
        if expiry <= self.now:
            return None, _("The expiry must be in the future.")
        return expiry.strftime("%Y-%m-%dT%H:%M:%S"), None

    def totals(self, valid: list[list]) -> list[dict]:
        counts = Counter(row[3] for row in valid)
        result = []
        for run_id, count in counts.items():
            run = self.runs_by_id[run_id]
            program = self.programs_by_id[run.program_id]
            result.append({"program": program.code, "program_name": program.name, "run": run.code, "count": count})
        return sorted(result, key=lambda item: (item["program"].lower(), item["run"].lower()))

    def invitations(self, valid: list[list]) -> int:
        """How many invitations (and emails) Send will make: batch_send groups rows the same way."""
        runs = self.runs_by_id
        return len({(row[1], runs[row[3]].program_id, row[4]) for row in valid})


def batch_validate_table(*, batch: ImportBatch, table: Table, run: JobRun | None = None) -> ImportBatch:
    """Validate every row; store errors (nothing sendable) or the valid rows and a preview.

    With a job's `run`, the rows checked so far are reported as it goes (outside any transaction,
    so the polling page sees them); the outcome is then written in one transaction.
    """
    batch.row_count = len(table.rows)
    batch.encoding = table.encoding
    report = None
    if run:
        run.set_total(batch.row_count)
        report = run.set_done

    validator = _Validator(organisation=batch.organisation, user=batch.uploaded_by, now=timezone.now())
    errors, notices, valid, others = validator.validate(table, report)
    batch.rows_checked = batch.row_count
    batch.error_count = len(errors)
    batch.errors = errors[:MAX_STORED_ERRORS]
    batch.notices = notices[:MAX_STORED_ERRORS]
    batch.validated_at = timezone.now()
    if errors:
        batch.status = ImportBatch.Status.INVALID
        batch.message = _("Nothing was sent. Fix the errors below and upload the file again.")
    elif not valid:
        batch.status = ImportBatch.Status.INVALID
        batch.message = (
            _("Every row is already pending or enrolled: there is nothing to send.")
            if notices
            else _("The file has no rows.")
        )
    else:
        batch.status = ImportBatch.Status.VALID
        batch.totals = validator.totals(valid)
        batch.invitation_count = len(valid)
        batch.planned_count = validator.invitations(valid)
    with transaction.atomic():
        # Valid rows are kept even when other rows have errors: the preview shows every row in file order.
        if valid or others:
            ImportBatchRows.objects.update_or_create(batch=batch, defaults={"rows": valid, "other_rows": others})
        batch.save()
    return batch


@transaction.atomic
def batch_send_start(*, batch: ImportBatch, started_by=None) -> Job:
    """Claim a valid batch for sending and start the job that sends it.

    The conditional UPDATE is the guard: a double click or a re-post finds the batch
    no longer valid and sends nothing.
    """
    claimed = ImportBatch.objects.filter(
        pk=batch.pk, status=ImportBatch.Status.VALID, superseded_at__isnull=True
    ).update(status=ImportBatch.Status.SENDING)
    if not claimed:
        if ImportBatch.objects.filter(pk=batch.pk, superseded_at__isnull=False).exists():
            raise ProgramsError(_("This upload was replaced by a newer one; send that one instead."))
        raise ProgramsError(_("This file has already been sent, or it is not ready to send."))
    from programs.tasks import send_batch

    return job_start(
        kind=SEND,
        task=send_batch,
        organisation=batch.organisation,
        started_by=started_by or batch.uploaded_by,
        ref=batch,
        total=batch.planned_count,
        task_kwargs={"batch_id": batch.pk},
        return_url=_batch_url(batch),
    )


def batch_send_job(*, run: JobRun, batch_id: int) -> None:
    """The send job: create the batch's invitations and emails (once), then follow their delivery."""
    status = ImportBatch.objects.filter(pk=batch_id).values_list("status", flat=True).first()
    if status == ImportBatch.Status.SENDING:
        run.beat()
        batch_send(batch_id=batch_id)
    batch = ImportBatch.objects.filter(pk=batch_id).first()
    if batch is None or batch.status != ImportBatch.Status.SENT:
        raise ProgramsError(_("This file is not being sent any more."))
    run.total = batch.sent_count
    run.counts.pop("skipped", None)
    # Rows left out at Send because they changed since the check; the batch lists each with why.
    run.count("skipped", batch.send_skipped_count, reason=_("Changed after the file was checked."))
    run.follow()


def _pending_pairs(*, organisation: Organisation, exts: set[str], now: datetime) -> set[tuple[str, int]]:
    """(learner ID, run id) of the pending invitations of these learners only."""
    pending = set()
    runs = InvitationRun.objects.filter(
        invitation__organisation=organisation,
        invitation__status=Invitation.Status.PENDING,
        invitation__valid_until__gt=now,
    )
    for learners in filtered_in(runs, "invitation__external_learner_id", exts):
        pending.update(learners.values_list("invitation__external_learner_id", "run_id"))
    return pending


def _enrolled_pairs(*, organisation: Organisation, exts: set[str]) -> set[tuple[str, int]]:
    """(learner ID, run id) of these learners' current enrolments (not the unenrolled ones)."""
    enrolled = set()
    enrolments = Enrolment.objects.active().filter(organisation=organisation)
    for learners in filtered_in(enrolments, "external_learner_id", exts):
        enrolled.update(learners.values_list("external_learner_id", "run_id"))
    return enrolled


def _create_invitations(*, batch: ImportBatch, groups: dict, runs: dict, programs: dict, now: datetime) -> int:
    """Insert one invitation per group of rows, its invited runs and its email; return how many.

    Plain tuples rather than model instances: at 50,000 invitations an Invitation and an Email
    object per row (and bulk_create preparing every field of each) took most of the send.
    """
    organisation = batch.organisation
    ids = reserve_ids(Invitation, len(groups))
    url_for = LinkMaker()
    lines = {run_id: run_line(run) for run_id, run in runs.items()}
    invitation_rows, run_pairs, emails = [], [], []
    expiries: dict[str, tuple[datetime, datetime]] = {}
    for pk, ((ext, program_id, expiry), items) in zip(ids, groups.items(), strict=True):
        if expiry not in expiries:
            valid_until = datetime.fromisoformat(expiry).replace(tzinfo=UTC)
            expiries[expiry] = (valid_until, link_expiry(valid_until, now))
        valid_until, expires_at = expiries[expiry]
        raw, token_hash = new_token()
        email = items[0][0]
        invitation_rows.append((pk, program_id, ext, email, valid_until, expires_at, token_hash))
        run_ids = [run_id for _email, run_id in items]
        run_pairs.extend((pk, run_id) for run_id in run_ids)
        context = invitation_email_context(
            organisation_name=organisation.name,
            program_name=programs[program_id].name,
            run_labels=[lines[run_id] for run_id in run_ids],
            url=url_for(raw),
            expires_at=expires_at,
        )
        emails.append((email, context, pk))
    insert_rows(
        Invitation,
        ["id", "program", "external_learner_id", "email", "valid_until", "expires_at", "token_hash"],
        invitation_rows,
        constants={
            "organisation": organisation.pk,
            "batch": batch.pk,
            "created_by": batch.uploaded_by_id,
            "created_at": now,
        },
    )
    insert_rows(InvitationRun, ["invitation", "run"], run_pairs)
    emails_queue_many(template=INVITATION_TEMPLATE, kind=INVITATION_KIND, items=emails, ref_model=Invitation)
    return len(ids)


@transaction.atomic
def batch_send(*, batch_id: int) -> int:
    """Create every invitation of a claimed batch and its email, in one transaction. Idempotent."""
    batch = (
        ImportBatch.objects.select_for_update(of=("self",))
        .select_related("organisation", "uploaded_by")
        .filter(pk=batch_id, status=ImportBatch.Status.SENDING)
        .first()
    )
    if batch is None:
        return 0
    organisation = batch.organisation
    rows = ImportBatchRows.objects.get(batch=batch).rows
    now = timezone.now()
    runs = {run.pk: run for run in ProgramRun.objects.filter(program__organisation=organisation)}
    # Locked like invitation_create does, so a single invitation cannot slip in between the check and the insert.
    programs = {p.pk: p for p in Program.objects.select_for_update().filter(organisation=organisation)}
    # Another upload or a single invitation may have invited some of these learners since validation.
    exts = {row[1] for row in rows}
    pending = _pending_pairs(organisation=organisation, exts=exts, now=now)
    enrolled = _enrolled_pairs(organisation=organisation, exts=exts)
    now_text = now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")
    groups: dict[tuple[str, int, str], list] = defaultdict(list)
    skipped = []
    for number, ext, email, run_id, expiry in rows:
        run = runs.get(run_id)
        # What changed since validation leaves that row out rather than failing the whole file; the page says why.
        reason = None
        if run is None:
            reason = _("The run was deleted after the file was checked.")
        elif not run.is_open:
            reason = _("The run was closed after the file was checked.")
        elif (ext, run_id) in pending:
            reason = _("Invited to this run after the file was checked (another upload or a single invitation).")
        elif (ext, run_id) in enrolled:
            reason = _("Enrolled on this run after the file was checked.")
        elif expiry <= now_text:
            reason = _("The expiry time passed after the file was checked.")
        if reason:
            skipped.append([number, ext, reason])
            continue
        groups[(ext, run.program_id, expiry)].append((email, run_id))

    created = _create_invitations(batch=batch, groups=groups, runs=runs, programs=programs, now=now)
    batch.status = ImportBatch.Status.SENT
    batch.sent_count = created
    batch.send_skipped_count = len(skipped)
    # First, so the rows this send left out are the first the page lists.
    batch.notices = (skipped + batch.notices)[:MAX_STORED_ERRORS]
    batch.sent_at = timezone.now()
    batch.message = ""
    batch.save(update_fields=["status", "sent_count", "send_skipped_count", "notices", "sent_at", "message"])
    ImportBatchRows.objects.filter(batch=batch).delete()
    return created


def batch_mark_failed(*, batch_id: int, message: str) -> None:
    """Record that a task could not finish a batch; nothing of it was created."""
    ImportBatch.objects.filter(
        pk=batch_id, status__in=[ImportBatch.Status.SENDING, ImportBatch.Status.VALIDATING]
    ).update(status=ImportBatch.Status.FAILED, message=message[:2000])


def template_example_row(*, run: ProgramRun | None, now: datetime | None = None) -> list[str]:
    """The template's example row, with a run the person may invite to (placeholders when there is none)."""
    expiry = ((now or timezone.now()) + DEFAULT_VALIDITY).strftime("%Y-%m-%d 23:59:59")
    program_code, run_code = (run.program.code, run.code) if run else ("PROGRAM-CODE", "RUN-CODE")
    return ["S0001", "learner@example.org", program_code, run_code, expiry]
