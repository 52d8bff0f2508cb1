"""Benchmark of the bulk invitation upload: validate and send N CSV rows.

    .venv/bin/python bench/csv_invites.py --rows 100000 [--pending 100000]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lp_bench_programs .venv/bin/python bench/csv_invites.py

Without DATABASE_URL it uses a fresh SQLite file in a temporary directory. It migrates the
database, builds an organisation with programs and runs, writes a valid CSV (one row per
learner and run, two runs per learner), and times the service functions directly (no HTTP):

- validate: read_table() + batch_validate_table() — what the validation task does;
- send: batch_send() — every invitation, its runs and one outbox email per learner,
  committed in one transaction.

Emails are not sent: outbox.services._send_after_commit is replaced by a no-op, so the
outbox rows are committed but no send task is queued (with Celery eager, sending would
otherwise run in-process right after the commit and be timed too).
With --pending N the organisation first has N pending invitations (other learners, two runs each,
sent as an earlier upload through the same send path, not timed), to show that neither time
nor memory grows with what is already pending.
The last line is: csv_invites rows=N validate_s=<s> send_s=<s> peak_mb=<MB>
"""

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def setup_django(workdir: str, *, migrate: bool = True) -> None:
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{workdir}/bench.sqlite3")
    # DEBUG off: with it on Django keeps every query in memory, which would distort both figures.
    os.environ["DEBUG"] = "false"
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key")
    os.environ.setdefault("CREDENTIALS_KEY", "bench-only-credentials-key-0123456789abcdef")
    os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
    os.environ["MEDIA_ROOT"] = os.path.join(workdir, "media")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "learnerpass.settings")
    import django

    django.setup()
    from django.core.management import call_command

    if migrate:
        call_command("migrate", verbosity=0, interactive=False)


def build(rows: int, csv_path: str):
    from django.contrib.auth import get_user_model

    from organisations.models import Membership, Organisation, Role
    from programs.models import Program, ProgramRun

    stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S%f")
    org = Organisation.objects.create(name=f"Bench {stamp}", slug=f"bench-{stamp}")
    user = get_user_model().objects.create_user(username=f"bench-{stamp}", email=f"bench-{stamp}@example.test")
    Membership.objects.create(organisation=org, user=user, role=Role.LEARNING_MANAGER)
    runs = []
    for p in range(10):
        program = Program.objects.create(organisation=org, code=f"PRG-{p}", name=f"Program {p}")
        for r in range(5):
            run = ProgramRun.objects.create(
                program=program, code=f"RUN-{r}", starts_on=date(2027, 1, 1), ends_on=date(2027, 6, 30)
            )
            runs.append((program.code, run.code))
    expiry = (datetime.now(UTC) + timedelta(days=60)).strftime("%Y-%m-%d %H:%M:%S")
    with open(csv_path, "w", encoding="utf-8", newline="") as handle:
        handle.write("external_learner_id,email,program_code,program_run_code,expiry_time\r\n")
        for i in range(rows):
            learner = i // 2
            program_code = f"PRG-{learner % 10}"
            run_code = f"RUN-{(learner + i % 2) % 5}"
            handle.write(f"L{learner:07d},learner{learner}@example.test,{program_code},{run_code},{expiry}\r\n")
    return org, user


def add_pending(org, user, count: int) -> None:
    """`count` pending invitations of other learners, each on two runs, as an earlier upload would leave them."""
    from programs import services
    from programs.models import ImportBatch, ImportBatchRows, ProgramRun

    runs = list(ProgramRun.objects.filter(program__organisation=org).order_by("program__code", "code"))
    expiry = (datetime.now(UTC) + timedelta(days=30)).strftime("%Y-%m-%dT%H:%M:%S")
    rows = []
    for i in range(count):
        first = runs[(i * 5) % len(runs)]
        second = runs[(i * 5) % len(runs) + 1]
        for run in (first, second):
            rows.append([len(rows) + 2, f"P{i:07d}", f"pending{i}@example.test", run.pk, expiry])
    batch = ImportBatch.objects.create(
        organisation=org, uploaded_by=user, file_name="pending.csv", status=ImportBatch.Status.SENDING
    )
    ImportBatchRows.objects.create(batch=batch, rows=rows)
    sent = services.batch_send(batch_id=batch.pk)
    assert sent == count, sent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--pending", type=int, default=0, help="pending invitations the organisation has first")
    parser.add_argument("--add-pending", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--org", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.add_pending:
        setup_django(os.environ["BENCH_WORKDIR"], migrate=False)
        import outbox.services
        from organisations.models import Membership

        outbox.services._send_after_commit = lambda ids: None
        membership = Membership.objects.select_related("organisation", "user").get(organisation_id=args.org)
        add_pending(membership.organisation, membership.user, args.add_pending)
        return

    with tempfile.TemporaryDirectory() as workdir:
        setup_django(workdir)
        from django.core.files.uploadedfile import SimpleUploadedFile
        from django.db import connection

        import outbox.services
        from learnerpass.lib.tabular import read_table
        from outbox.models import Email
        from programs import services
        from programs.models import ImportBatch, Invitation, InvitationRun

        outbox.services._send_after_commit = lambda ids: None

        csv_path = os.path.join(workdir, "invites.csv")
        org, user = build(args.rows, csv_path)
        if args.pending:
            # In a child process, so what building them takes does not count in this process's peak.
            subprocess.run(
                [sys.executable, __file__, "--add-pending", str(args.pending), "--org", str(org.pk)],
                check=True,
                env={**os.environ, "BENCH_WORKDIR": workdir},
            )
        size = os.path.getsize(csv_path)
        print(f"database={connection.vendor} file={size / 1_048_576:.1f} MB pending={args.pending}")

        batch = ImportBatch.objects.create(organisation=org, uploaded_by=user, file_name="invites.csv")
        started = time.perf_counter()
        with open(csv_path, "rb") as handle:
            table = read_table(SimpleUploadedFile("invites.csv", handle.read()), max_bytes=200 * 1_048_576)
        parsed = time.perf_counter()
        services.batch_validate_table(batch=batch, table=table)
        validate_s = time.perf_counter() - started
        del table
        batch.refresh_from_db()
        assert batch.status == ImportBatch.Status.VALID, (batch.status, batch.errors[:5])
        print(f"parse_s={parsed - started:.2f} check_s={validate_s - (parsed - started):.2f}")

        ImportBatch.objects.filter(pk=batch.pk).update(status=ImportBatch.Status.SENDING)
        started = time.perf_counter()
        sent = services.batch_send(batch_id=batch.pk)
        send_s = time.perf_counter() - started

        invitations = Invitation.objects.filter(batch=batch).count()
        invited_runs = InvitationRun.objects.filter(invitation__batch=batch).count()
        emails = Email.objects.filter(
            kind="program_invitation", ref_id__in=Invitation.objects.filter(batch=batch)
        ).count()
        assert invitations == sent and invited_runs == args.rows and emails == sent, (invitations, invited_runs, emails)
        print(f"invitations={invitations} invited_runs={invited_runs} outbox_rows={emails}")
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        if connection.vendor != "sqlite":
            org.delete()
        print(f"csv_invites rows={args.rows} validate_s={validate_s:.2f} send_s={send_s:.2f} peak_mb={peak_mb:.0f}")


if __name__ == "__main__":
    main()
