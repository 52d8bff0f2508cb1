"""Bulk invitations from a CSV/XLSX file: validate every row, preview, send once."""

import re
from collections import Counter, defaultdict
from collections.abc import Callable
from datetime import UTC, datetime

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from learnerpass.lib.tabular import Table, TableError, read_table, sniff_table
from learnerpass.lib.tokens import new_token
from organisations.models import Membership, Organisation
from outbox.services import emails_queue
from programs.access import manageable_program_ids
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
    LinkMaker,
    ProgramsError,
    invitation_email,
    link_expiry,
    normalise_email,
    parse_utc_time,
    run_line,
)

CSV_COLUMNS = ["external_learner_id", "email", "program_code", "program_run_code", "expiry_time"]
# Files up to this size are validated inside the request; bigger ones by a task while the page polls.
INLINE_VALIDATE_BYTES = 256 * 1024
# Batches up to this many rows are sent inside the request; bigger ones by a task.
INLINE_SEND_ROWS = 2000
# Stored errors are capped so a file of garbage cannot bloat the database; all are counted.
MAX_STORED_ERRORS = 20_000
BULK_BATCH_SIZE = 2000

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

    batch_id = batch.pk
    transaction.on_commit(lambda: validate_batch.delay(batch_id))
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


def batch_validate_stored(*, batch_id: int) -> None:
    """The task's half of batch_upload: read the stored file and validate it (idempotent)."""
    batch = ImportBatch.objects.filter(pk=batch_id, status=ImportBatch.Status.VALIDATING).first()
    if batch is None or not batch.upload:
        return
    try:
        with batch.upload.open("rb") as handle:
            table = read_table(handle)
    except TableError as exc:
        batch.status = ImportBatch.Status.INVALID
        batch.message = str(exc)
        batch.validated_at = timezone.now()
        batch.save(update_fields=["status", "message", "validated_at"])
    else:
        batch_validate_table(batch=batch, table=table, progress=True)
    batch.upload.delete(save=False)
    ImportBatch.objects.filter(pk=batch.pk).update(upload="")


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
        self.link_user: dict[str, tuple[int, str]] = {}
        self.email_learner: dict[str, str] = {}
        for ext, user_id, email in LearnerLink.objects.filter(organisation=organisation).values_list(
            "external_learner_id", "user_id", "user__email"
        ):
            self.link_user[ext] = (user_id, normalise_email(email))
            self.email_learner[normalise_email(email)] = ext
        self.pending: set[tuple[str, int]] = set()
        self.pending_email: dict[str, str] = {}
        self.pending_learner: dict[str, str] = {}
        for ext, run_id, email in InvitationRun.objects.filter(
            invitation__organisation=organisation,
            invitation__status=Invitation.Status.PENDING,
            invitation__valid_until__gt=now,
        ).values_list("invitation__external_learner_id", "run_id", "invitation__email"):
            self.pending.add((ext, run_id))
            self.pending_email[ext] = email
            self.pending_learner[email] = ext
        self.enrolled = set(Enrolment.objects.filter(organisation=organisation).values_list("user_id", "run_id"))

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
        seen: dict[tuple[str, int], int] = {}
        file_email: dict[str, tuple[str, int]] = {}
        file_learner: dict[str, tuple[str, int]] = {}
        programs, runs, allowed = self.programs, self.runs, self.allowed
        now = self.now
        empty = _("This cell is empty.")
        for count, (number, row) in enumerate(table.rows, start=1):
            if progress and count % 20000 == 0:
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
            if not email:
                row_errors.append(("email", raw_email, empty))
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
                try:
                    expiry = parse_utc_time(expiry_text)
                except ProgramsError as exc:
                    row_errors.append(("expiry_time", expiry_text, str(exc)))
                else:
                    if expiry <= now:
                        row_errors.append(("expiry_time", expiry_text, _("The expiry must be in the future.")))
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
            valid.append([number, ext, email, run.pk, expiry.strftime("%Y-%m-%dT%H:%M:%S")])
        return errors, notices, valid, others

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


def batch_validate_table(*, batch: ImportBatch, table: Table, progress: bool = False) -> ImportBatch:
    """Validate every row; store errors (nothing sendable) or the valid rows and a preview.

    With progress=True (the task) the rows checked so far are saved as it goes, outside any
    transaction so the polling page sees them; the outcome is then written in one transaction.
    """
    batch.row_count = len(table.rows)
    batch.encoding = table.encoding
    report = None
    if progress:
        ImportBatch.objects.filter(pk=batch.pk).update(row_count=batch.row_count)

        def report(count):
            ImportBatch.objects.filter(pk=batch.pk).update(rows_checked=count)

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
def batch_send_start(*, batch: ImportBatch) -> bool:
    """Claim a valid batch for sending; returns True when sent already, False when a task will send it.

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
    if batch.invitation_count <= INLINE_SEND_ROWS:
        batch_send(batch_id=batch.pk)
        return True
    from programs.tasks import send_batch

    batch_id = batch.pk
    transaction.on_commit(lambda: send_batch.delay(batch_id))
    return False


def _insert_invitation_runs(pairs) -> None:
    """Insert (invitation_id, run_id) pairs: COPY on PostgreSQL, executemany elsewhere.

    A two-column link table needs none of the ORM's per-field work, which took most of
    bulk_create's time here; this cuts seconds off sending 100,000 rows.
    """
    meta = InvitationRun._meta
    quote = connection.ops.quote_name
    table = quote(meta.db_table)
    columns = f"{quote(meta.get_field('invitation').column)}, {quote(meta.get_field('run').column)}"
    pairs = list(pairs)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for pair in pairs:
                    copy.write_row(pair)
            return
        sql = f"INSERT INTO {table} ({columns}) VALUES (%s, %s)"  # noqa: S608 - names from the model, values bound
        for start in range(0, len(pairs), 10_000):
            cursor.executemany(sql, pairs[start : start + 10_000])


def _insert_invitations(invitations: list[Invitation]) -> list[Invitation]:
    """Insert invitations and set their ids: on PostgreSQL ids come from the sequence and rows go in by COPY.

    bulk_create spends most of its time preparing each of 17 fields of each row in Python;
    COPY takes the values as they are. Elsewhere (SQLite) bulk_create is fast enough.
    """
    if connection.vendor != "postgresql" or not invitations:
        return Invitation.objects.bulk_create(invitations, batch_size=BULK_BATCH_SIZE)
    meta = Invitation._meta
    quote = connection.ops.quote_name
    fields = meta.concrete_fields
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [meta.db_table, meta.pk.column, len(invitations)],
        )
        for invitation, (pk,) in zip(invitations, cursor.fetchall(), strict=True):
            invitation.pk = pk
        columns = ", ".join(quote(field.column) for field in fields)
        attnames = [field.attname for field in fields]
        with cursor.cursor.copy(f"COPY {quote(meta.db_table)} ({columns}) FROM STDIN") as copy:
            for invitation in invitations:
                values = invitation.__dict__
                copy.write_row([values[name] for name in attnames])
    for invitation in invitations:
        invitation._state.adding = False
        invitation._state.db = connection.alias
    return invitations


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
    pending = set(
        InvitationRun.objects.filter(
            invitation__organisation=organisation,
            invitation__status=Invitation.Status.PENDING,
            invitation__valid_until__gt=now,
        ).values_list("invitation__external_learner_id", "run_id")
    )
    enrolled = set(
        Enrolment.objects.filter(organisation=organisation, run_id__in={row[3] for row in rows}).values_list(
            "external_learner_id", "run_id"
        )
    )
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

    invitations, raws, group_runs = [], [], []
    for (ext, program_id, expiry), items in groups.items():
        valid_until = datetime.fromisoformat(expiry).replace(tzinfo=UTC)
        raw, token_hash = new_token()
        invitations.append(
            # Plain *_id values: assigning instances goes through descriptors, which shows at 50,000 objects.
            Invitation(
                organisation_id=organisation.pk,
                program_id=program_id,
                external_learner_id=ext,
                email=items[0][0],
                valid_until=valid_until,
                expires_at=link_expiry(valid_until, now),
                token_hash=token_hash,
                batch_id=batch.pk,
                created_by_id=batch.uploaded_by_id,
                created_at=now,
            )
        )
        raws.append(raw)
        group_runs.append([run_id for _email, run_id in items])
    created = _insert_invitations(invitations)
    _insert_invitation_runs(
        (invitation.pk, run_id) for invitation, run_ids in zip(created, group_runs, strict=True) for run_id in run_ids
    )
    url_for = LinkMaker()
    lines = {run_id: run_line(run) for run_id, run in runs.items()}
    emails = []
    for invitation, raw, run_ids in zip(created, raws, group_runs, strict=True):
        emails.append(
            invitation_email(
                invitation,
                raw=raw,
                organisation=organisation,
                program=programs[invitation.program_id],
                run_labels=[lines[run_id] for run_id in run_ids],
                url_for=url_for,
            )
        )
    emails_queue(emails)
    batch.status = ImportBatch.Status.SENT
    batch.sent_count = len(created)
    batch.send_skipped_count = len(skipped)
    # First, so the rows this send left out are the first the page lists.
    batch.notices = (skipped + batch.notices)[:MAX_STORED_ERRORS]
    batch.sent_at = timezone.now()
    batch.message = ""
    batch.save(update_fields=["status", "sent_count", "send_skipped_count", "notices", "sent_at", "message"])
    ImportBatchRows.objects.filter(batch=batch).delete()
    return len(created)


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
