"""Benchmark: issue N badges to emails in one call, then serve one assertion document.

    .venv/bin/python bench/badges.py [--n 10000]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lp_bench .venv/bin/python bench/badges.py

Runs against a throw-away test database (SQLite in memory by default, or the database of
DATABASE_URL with a test_ prefix). Last line:
    badges n=N issue_s=<s> assertion_json_ms=<ms> peak_mb=<MB>
"""

import argparse
import os
import resource
import statistics
import sys
import time
from pathlib import Path
from unittest import mock

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "learnerpass.settings_test")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=1000)
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection
    from django.test.utils import setup_test_environment

    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        issue_s, json_ms, queries = run(args.n, args.requests)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"assertion JSON: {queries} queries per request, median of {args.requests} requests")
    print(f"badges n={args.n} issue_s={issue_s:.2f} assertion_json_ms={json_ms:.3f} peak_mb={peak_mb:.0f}")


def run(n: int, requests: int) -> tuple[float, float, int]:
    from django.db import connection
    from django.test import Client

    from badges import services
    from badges.models import Activity, Assertion
    from conftest import make_member
    from organisations.models import Organisation, Role
    from outbox.models import Email

    org = Organisation.objects.create(name="Bench Org", slug="bench", contact_email="bench@example.test")
    organiser = make_member(org, "organiser@bench.test", Role.ORGANISER)
    activity = Activity.objects.create(organisation=org, title="Bench badge", description="Issued in bulk.")
    services.activity_publish(activity=activity, user=organiser)
    activity.refresh_from_db()
    text = "\n".join(f"learner{i}@bench.example.test" for i in range(n))

    # Time what the organiser waits for: rows and outbox emails committed. The sending that
    # eager Celery would run in-process after commit is a worker's job in production, so it
    # is switched off here rather than timed.
    with mock.patch("outbox.services._send_after_commit"):
        started = time.perf_counter()
        report = services.badge_issue_to_emails(badge=activity.badge, text=text, issued_by=organiser)
        issue_s = time.perf_counter() - started
    assert len(report.issued) == n
    assert Assertion.objects.filter(badge=activity.badge).count() == n
    assert Email.objects.filter(kind="badge_awarded").count() == n

    client = Client()
    public_id = Assertion.objects.order_by("?").values_list("public_id", flat=True).first()
    url = f"/ob/assertions/{public_id}"
    headers = {"Accept": "application/ld+json"}
    for _ in range(50):
        assert client.get(url, headers=headers).status_code == 200
    # Counted with a wrapper: the request_started signal resets connection.queries.
    queries = []
    with connection.execute_wrapper(lambda execute, sql, *a: queries.append(sql) or execute(sql, *a)):
        client.get(url, headers=headers)
    timings = []
    for _ in range(requests):
        started = time.perf_counter()
        client.get(url, headers=headers)
        timings.append((time.perf_counter() - started) * 1000)
    return issue_s, statistics.median(timings), len(queries)


if __name__ == "__main__":
    main()
