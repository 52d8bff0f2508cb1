"""Benchmark: issue N badges to emails in one call, then serve one assertion document.

    .venv/bin/python bench/badges.py [--n 10000]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lp_bench .venv/bin/python bench/badges.py

Runs against a throw-away test database (SQLite in memory by default, or the database of
DATABASE_URL with a test_ prefix). Last line:
    badges n=N issue_s=<s> assertion_json_ms=<ms> peak_mb=<MB> issue_plain_s=<s> vc_sign_ms=<ms> vc_verify_ms=<ms>

issue_s is the issue as it runs (with each assertion's Open Badges 3.0 revocation entry);
issue_plain_s the same issue with the entries left out, for the ratio. Credentials are signed on
their first request, not at issue: vc_sign_ms is building and signing one OpenBadgeCredential
(median over --sign assertions), vc_verify_ms checking one (signature, issuer, dates, status).
"""

import argparse
import contextlib
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
    parser.add_argument("--sign", type=int, default=300)
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection
    from django.test.utils import setup_test_environment

    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        issue_s, json_ms, queries = run(args.n, args.requests)
        # Alternated with a second timed issue, best of two each: the machine's load moves between runs.
        issue_plain_s = run_plain(args.n, "plain-a")
        issue_s = min(issue_s, run_plain(args.n, "again", with_entries=True))
        issue_plain_s = min(issue_plain_s, run_plain(args.n, "plain-b"))
        sign_ms, verify_ms = run_vc(args.sign)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"assertion JSON: {queries} queries per request, median of {args.requests} requests")
    print(f"OB 3.0: issue with revocation entries {issue_s:.2f} s, without {issue_plain_s:.2f} s")
    print(
        f"badges n={args.n} issue_s={issue_s:.2f} assertion_json_ms={json_ms:.3f} peak_mb={peak_mb:.0f} "
        f"issue_plain_s={issue_plain_s:.2f} vc_sign_ms={sign_ms:.2f} vc_verify_ms={verify_ms:.2f}"
    )


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

    # Time what the organiser waits for: rows, outbox emails and the baking job committed. The
    # sending and baking that eager Celery would run in-process after commit are a worker's job in
    # production, so they are switched off here rather than timed.
    with mock.patch("outbox.services._send_after_commit"), mock.patch("jobs.services.enqueue"):
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


def run_plain(n: int, label: str, *, with_entries: bool = False) -> float:
    """The same issue to other addresses of another badge, without the revocation entries (or with them)."""
    from django.contrib.auth import get_user_model

    from badges import services
    from badges.models import Activity
    from organisations.models import Organisation

    org = Organisation.objects.get(slug="bench")
    organiser = get_user_model().objects.get(email="organiser@bench.test")
    activity = Activity.objects.create(organisation=org, title=f"Bench badge {label}", description="Issued in bulk.")
    services.activity_publish(activity=activity, user=organiser)
    activity.refresh_from_db()
    text = "\n".join(f"{label}{i}@bench.example.test" for i in range(n))
    entries = contextlib.nullcontext() if with_entries else mock.patch("badges.services.vc.allocate_status")
    with mock.patch("outbox.services._send_after_commit"), mock.patch("jobs.services.enqueue"), entries:
        started = time.perf_counter()
        services.badge_issue_to_emails(badge=activity.badge, text=text, issued_by=organiser)
        return time.perf_counter() - started


def run_vc(count: int) -> tuple[float, float]:
    """Median ms to build and sign one assertion's credential, and to verify one."""
    import json

    from badges import ob3
    from badges.models import Assertion
    from credentials import services as credentials
    from credentials.verification import verify_credential

    assertions = list(
        Assertion.objects.filter(status_list__isnull=False).select_related("badge__organisation", "status_list")[:count]
    )
    org = assertions[0].badge.organisation
    credentials.signing_key_for(organisation=org)
    signed = []
    sign_times = []
    for assertion in assertions:
        started = time.perf_counter()
        document = ob3.assertion_credential(assertion, status_list_public_id=assertion.status_list.public_id)
        signed.append(credentials.credential_sign(organisation=org, document=document))
        sign_times.append((time.perf_counter() - started) * 1000)
    verify_times = []
    for credential in signed[: max(1, count // 3)]:
        document = json.loads(json.dumps(credential))
        started = time.perf_counter()
        report = verify_credential(document)
        verify_times.append((time.perf_counter() - started) * 1000)
        assert report.ok, report.checks
    return statistics.median(sign_times), statistics.median(verify_times)


if __name__ == "__main__":
    main()
