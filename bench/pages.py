"""Organiser and learner pages under load, side by side with the issuer JSON, on gunicorn + PostgreSQL.

    .venv/bin/python bench/pages.py [--invitations 100000] [--seconds 3] [--rounds 3] [--only run_invitations,me]

Needs PostgreSQL and Redis (defaults: a scratch database lp_bench_pages on 127.0.0.1 and
redis://127.0.0.1:6379/11; override with BENCH_DATABASE_URL / BENCH_REDIS_URL) and wrk
(`apt-get install wrk`). Port: BENCH_PORT (default 8141).

It loads the demo data, then adds what a busy organisation has: one run with N invitations
(and their emails) and 20,000 enrolled learners, another run with 100 invitations, a project
with 5,000 individuals, a badge with 10,000 holders and 2,000 pieces of evidence waiting for
review. gunicorn (2 sync workers, DEBUG off, production settings) serves it; wrk loads each
page for --seconds with 4 connections, signed in as the demo admin or learner, alternating
with the Open Badges issuer JSON (anonymous, two queries), so each page's requests per second
is compared with the issuer's measured just before and after it. Each page runs --rounds such
rounds and its ratio is the median round's.

Then, in this process, the database time of the invitations tab (the sum of its queries'
durations, median of 30 loads) on the run with N invitations over that on the run with 100.

Last line: pages min_ratio=<lowest page/issuer ratio> worst=<that page> tab_db_ratio=<N over 100>
"""

import argparse
import http.client
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/lp_bench_pages")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/11")
PORT = int(os.environ.get("BENCH_PORT", "8141"))
BASE = f"http://127.0.0.1:{PORT}"

ENROLLED = 20_000
INDIVIDUALS = 5_000
HOLDERS = 10_000
EVIDENCE = 2_000
SMALL_RUN_INVITATIONS = 100


def fresh_database(url: str) -> None:
    import psycopg

    base, name = url.rsplit("/", 1)
    with psycopg.connect(base + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def server_env(static_root: str) -> dict:
    return {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"},
        "DJANGO_SETTINGS_MODULE": "learnerpass.settings",
        "DEBUG": "false",
        "SECRET_KEY": "bench-pages-secret-key-not-for-production",
        "CREDENTIALS_KEY": "bench-pages-credentials-key-not-for-production",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SITE_URL": BASE,
        "SECURE_SSL_REDIRECT": "false",
        "DATABASE_URL": DATABASE_URL,
        "REDIS_URL": REDIS_URL,
        "STATIC_ROOT": static_root,
        "LOG_LEVEL": "WARNING",
    }


# Building the data ---------------------------------------------------------------------------------------


def build(invitations: int) -> dict:
    """Demo data plus volume; returns the pages to load and what the tab measurement needs."""
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import transaction
    from django.urls import reverse
    from django.utils import timezone

    import outbox.services
    from badges.models import Assertion, BadgeClass, EvidenceSubmission, Task
    from certificates.models import Individual, Project
    from learnerpass.lib.bulk import insert_rows, reserve_ids
    from organisations.models import Organisation
    from outbox.models import Email
    from programs import services as program_services
    from programs.models import Enrolment, ImportBatch, ImportBatchRows, LearnerLink, Program, ProgramRun

    call_command("migrate", verbosity=0)
    call_command("demo_data", verbosity=0)
    outbox.services._send_after_commit = lambda ids: None  # the emails stay queued; no worker here
    User = get_user_model()
    org = Organisation.objects.get(slug="demo")
    admin = User.objects.get(email="admin@demo.learnerpass.test")
    learner = User.objects.get(email="learner@demo.learnerpass.test")
    program = Program.objects.get(organisation=org, code="MC-DATA")
    big = ProgramRun.objects.get(program=program, code="2026-SPRING")
    small = ProgramRun.objects.get(program=program, code="2026-AUTUMN")
    now = timezone.now()
    expiry = (datetime.now(UTC) + timedelta(days=60)).strftime("%Y-%m-%dT%H:%M:%S")

    def send(run, count, prefix):
        rows = [[n + 2, f"{prefix}{n:07d}", f"{prefix.lower()}{n}@example.test", run.pk, expiry] for n in range(count)]
        batch = ImportBatch.objects.create(
            organisation=org, uploaded_by=admin, file_name=f"{prefix}.csv", status=ImportBatch.Status.SENDING
        )
        ImportBatchRows.objects.create(batch=batch, rows=rows)
        return program_services.batch_send(batch_id=batch.pk)

    started = time.perf_counter()
    assert send(big, invitations, "B") == invitations
    assert send(small, SMALL_RUN_INVITATIONS, "S") == SMALL_RUN_INVITATIONS
    # Most of them were delivered long ago.
    Email.objects.filter(status=Email.Status.QUEUED).update(status=Email.Status.SENT, sent_at=now)

    with transaction.atomic():
        user_ids = reserve_ids(User, ENROLLED)
        insert_rows(
            User,
            ["id", "username", "email", "password"],
            ((pk, f"enrolled{pk}@example.test", f"enrolled{pk}@example.test", "!") for pk in user_ids),
            constants={"date_joined": now, "is_active": True},
        )
        insert_rows(
            LearnerLink,
            ["external_learner_id", "user"],
            ((f"E{pk:07d}", pk) for pk in user_ids),
            constants={"organisation": org.pk, "created_at": now},
        )
        insert_rows(
            Enrolment,
            ["external_learner_id", "user"],
            ((f"E{pk:07d}", pk) for pk in user_ids),
            constants={"organisation": org.pk, "run": big.pk, "source": Enrolment.Source.INVITATION, "created_at": now},
        )

    project = Project.objects.filter(organisation=org).order_by("pk").first()
    Individual.objects.bulk_create(
        [
            Individual(project=project, first_name=f"First{n}", surname=f"Surname{n:05d}", email=f"i{n}@example.test")
            for n in range(INDIVIDUALS)
        ],
        batch_size=2000,
    )

    badge = BadgeClass.objects.filter(organisation=org, activity__isnull=False).order_by("pk").first()
    Assertion.objects.bulk_create(
        [
            Assertion(
                badge=badge,
                recipient_email=f"holder{n}@example.test",
                salt="0" * 32,
                identity="sha256$" + "0" * 64,
                issued_on=now - timedelta(minutes=n),
                source="email",
            )
            for n in range(HOLDERS)
        ],
        batch_size=2000,
    )
    task = Task.objects.filter(badge__organisation=org, approval=Task.Approval.ORGANISER).order_by("pk").first()
    submitters = list(User.objects.filter(pk__in=user_ids[:EVIDENCE]))
    EvidenceSubmission.objects.bulk_create(
        [
            EvidenceSubmission(task=task, learner=person, text="What I did.", submitted_at=now - timedelta(minutes=n))
            for n, person in enumerate(submitters)
        ],
        batch_size=2000,
    )
    # What autovacuum would have done by the time anyone looks (this machine's PostgreSQL runs without
    # it): statistics for the planner, and the visibility map that lets counts read indexes alone.
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    print(f"data built in {time.perf_counter() - started:.0f} s", file=sys.stderr)

    slug = org.slug
    organiser_pages = {
        "org_home": reverse("organisations:home", kwargs={"org_slug": slug}),
        "members": reverse("organisations:members", kwargs={"org_slug": slug}),
        "programs": reverse("programs:list", kwargs={"org_slug": slug}),
        "program": reverse("programs:program", kwargs={"org_slug": slug, "program_id": program.pk}),
        "run_enrolled": reverse("programs:run", kwargs={"org_slug": slug, "program_id": program.pk, "run_id": big.pk}),
        "run_invitations": reverse(
            "programs:run_invitations", kwargs={"org_slug": slug, "program_id": program.pk, "run_id": big.pk}
        ),
        "billing": reverse("programs:billing", kwargs={"org_slug": slug}),
        "projects": reverse("certificates:projects", kwargs={"org_slug": slug}),
        "project": reverse("certificates:project", kwargs={"org_slug": slug, "pk": project.pk}),
        "activities": reverse("badges:activities", kwargs={"org_slug": slug}),
        "badge_holders": reverse("badges:badge_detail", kwargs={"org_slug": slug, "public_id": badge.public_id}),
        "evidence_queue": reverse("badges:queue", kwargs={"org_slug": slug}),
    }
    learner_pages = {
        "me": reverse("me"),
        "peer_reviews": reverse("badges:reviews"),
    }
    return {
        "admin": admin,
        "learner": learner,
        "organiser_pages": organiser_pages,
        "learner_pages": learner_pages,
        "issuer": reverse("badges:issuer", kwargs={"org_slug": slug}),
        "tab_big": organiser_pages["run_invitations"],
        "tab_small": reverse(
            "programs:run_invitations", kwargs={"org_slug": slug, "program_id": program.pk, "run_id": small.pk}
        ),
    }


def session_cookie(user) -> str:
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


# Load ------------------------------------------------------------------------------------------------------


def get(path: str, cookie: str = "", accept: str = "text/html") -> int:
    """The status of one request, redirects not followed (a page that sends to the sign-in page is not 200)."""
    connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=60)
    try:
        connection.request("GET", path, headers={"Cookie": cookie, "Accept": accept})
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def wrk(path: str, seconds: int, cookie: str = "", accept: str = "text/html") -> float:
    command = ["wrk", "-t1", "-c4", f"-d{seconds}s", "--timeout", "30s", "-H", f"Accept: {accept}"]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    output = subprocess.run([*command, BASE + path], capture_output=True, text=True, check=True).stdout
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if bad:
        raise SystemExit(f"{path}: {bad.group(1)} responses were not 2xx/3xx\n{output}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))


def tab_db_ms(path: str, user, repeat: int = 30) -> float:
    """Median over `repeat` loads of the sum of the invitations tab's query durations, in ms."""
    from django.db import connection
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    totals = []

    def timed(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            totals[-1] += time.perf_counter() - started

    for _ in range(3):
        client.get(path)
    with connection.execute_wrapper(timed):
        for _ in range(repeat):
            totals.append(0.0)
            assert client.get(path).status_code == 200
    return statistics.median(totals) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--invitations", type=int, default=100_000)
    parser.add_argument("--seconds", type=int, default=3, help="seconds of load per page or issuer run")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per page (its figure: the median round)")
    parser.add_argument("--only", default="", help="comma-separated page names")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("bench/pages.py needs wrk: apt-get install wrk")

    static_root = tempfile.mkdtemp(prefix="lp-bench-static-")
    os.environ.update(server_env(static_root))
    fresh_database(DATABASE_URL)
    import django

    django.setup()
    import redis
    from django.core.management import call_command

    redis.Redis.from_url(REDIS_URL).flushdb()
    call_command("collectstatic", interactive=False, verbosity=0)
    data = build(args.invitations)
    admin_cookie = session_cookie(data["admin"])
    learner_cookie = session_cookie(data["learner"])
    pages = [(name, path, admin_cookie) for name, path in data["organiser_pages"].items()]
    pages += [(name, path, learner_cookie) for name, path in data["learner_pages"].items()]
    if args.only:
        wanted = set(args.only.split(","))
        pages = [page for page in pages if page[0] in wanted]

    from django.db import connections

    connections.close_all()
    server = subprocess.Popen(
        [
            sys.executable, "-m", "gunicorn", "learnerpass.wsgi", "--workers", "2", "--bind", f"127.0.0.1:{PORT}",
            "--log-level", "warning",
        ],
        cwd=ROOT,
        env=os.environ.copy(),
    )  # fmt: skip
    json_accept = "application/ld+json"
    results = []
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                get(data["issuer"], accept=json_accept)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)
        time.sleep(1)
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited (is port {PORT} taken? set BENCH_PORT)")
        for name, path, cookie in pages:
            status = get(path, cookie)
            assert status == 200, (name, status)
        issuer_rps = [wrk(data["issuer"], args.seconds, accept=json_accept)]
        for name, path, cookie in pages:
            # Each round loads the page, then the issuer again: its ratio is to the issuer just before and
            # just after. The median round stands for the page, so a burst of other work on the machine
            # during one round does not decide its figure.
            rounds = []
            for _round in range(args.rounds):
                rps = wrk(path, args.seconds, cookie)
                issuer_rps.append(wrk(data["issuer"], args.seconds, accept=json_accept))
                rounds.append((rps / statistics.mean(issuer_rps[-2:]), rps, issuer_rps[-1]))
            ratio, rps, issuer = sorted(rounds)[len(rounds) // 2]
            results.append((name, rps, ratio))
            spread = f"rounds {min(rounds)[0]:.3f}–{max(rounds)[0]:.3f}"
            print(f"{name:16} {rps:8.1f} req/s  ratio {ratio:.3f}  (issuer {issuer:.0f} req/s; {spread})", flush=True)
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(static_root, ignore_errors=True)

    big_ms = tab_db_ms(data["tab_big"], data["admin"])
    small_ms = tab_db_ms(data["tab_small"], data["admin"])
    print(f"invitations tab database time: {big_ms:.2f} ms at {args.invitations} vs {small_ms:.2f} ms at 100")
    worst = min(results, key=lambda item: item[2]) if results else ("-", 0, 0)
    print(f"pages min_ratio={worst[2]:.3f} worst={worst[0]} tab_db_ratio={big_ms / small_ms:.2f}")


if __name__ == "__main__":
    main()
