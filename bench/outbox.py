"""Outbox throughput: queue N emails, deliver them with a real Celery worker (-c 2) to a local SMTP sink.

    .venv/bin/python bench/outbox.py [--n 3000] [--concurrency 2] [--sink lean|aiosmtpd]

Needs PostgreSQL and Redis (defaults: a scratch database lp_bench_outbox on 127.0.0.1 and
redis://127.0.0.1:6379/11; override with BENCH_DATABASE_URL / BENCH_REDIS_URL).
The sink is LeanSmtpSink (outbox/testing.py) unless --sink aiosmtpd: aiosmtpd costs about as much CPU
per message as the sender and tops out near 1,000/s on this machine by itself.
Last line: outbox emails=N per_s=<rate> duplicates=<n> lost=<n>
"""

import argparse
import os
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/lp_bench_outbox")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/11")


def fresh_database(url: str) -> None:
    import psycopg

    base, name = url.rsplit("/", 1)
    with psycopg.connect(base + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=2, help="worker processes (celery -c)")
    parser.add_argument("--sink", choices=["lean", "aiosmtpd"], default="lean", help="the local SMTP server")
    args = parser.parse_args()

    os.environ.update(
        DJANGO_SETTINGS_MODULE="learnerpass.settings",
        DEBUG="true",
        DATABASE_URL=DATABASE_URL,
        REDIS_URL=REDIS_URL,
        LOG_LEVEL="WARNING",
    )
    fresh_database(DATABASE_URL)
    import django

    django.setup()
    import redis
    from django.core.management import call_command
    from django.db import transaction

    from outbox.models import Email
    from outbox.services import build_email, emails_queue
    from outbox.testing import LeanSmtpSink, SmtpSink, start_worker, stop_worker, wait_for

    call_command("migrate", verbosity=0)
    redis.Redis.from_url(REDIS_URL).flushdb()

    # The lean sink by default: aiosmtpd alone costs this machine about as much CPU per message as the
    # sender and caps near 1,000/s, which a remote mail server would not (--sink aiosmtpd to compare).
    with LeanSmtpSink() if args.sink == "lean" else SmtpSink(keep_bodies=False) as sink:
        worker = start_worker(
            database_url=DATABASE_URL, redis_url=REDIS_URL, smtp_port=sink.port, concurrency=args.concurrency
        )
        try:
            time.sleep(3)  # let the worker processes boot before the clock starts
            emails = [
                build_email(
                    to=f"learner{i}@example.test",
                    template="outbox/test",
                    context={"name": f"Learner {i}"},
                    kind="bench",
                )
                for i in range(args.n)
            ]
            started = time.perf_counter()
            with transaction.atomic():
                emails_queue(emails)
            finished = wait_for(
                lambda: Email.objects.filter(status=Email.Status.SENT).count() >= args.n, timeout=600, interval=0.1
            )
            elapsed = time.perf_counter() - started
            wait_for(lambda: len(sink.ids) >= args.n, timeout=10)
        finally:
            log = stop_worker(worker)
    if not finished:
        print(log[-3000:], file=sys.stderr)
    counts = Counter(sink.ids)
    duplicates = sum(c - 1 for c in counts.values() if c > 1)
    delivered = {i for i in counts if i}
    expected = {str(pk) for pk in Email.objects.values_list("pk", flat=True)}
    lost = len(expected - delivered)
    failed = Email.objects.exclude(status=Email.Status.SENT).count()
    print(f"sent={args.n - failed} not_sent={failed} elapsed_s={elapsed:.2f}")
    print(f"outbox emails={args.n} per_s={args.n / elapsed:.0f} duplicates={duplicates} lost={lost}")


if __name__ == "__main__":
    main()
