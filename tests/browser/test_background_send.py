"""Done when: on the embedded default, sending a 10,000-row batch returns a progress page in under 2 s,
and the page reaches "10,000 sent" by itself.

The site runs as `make run` runs it, in processes of its own: `manage.py serve` (the web server, a
real Celery worker and beat) on an SQLite file and the folder broker. Under PostgreSQL with
REDIS_URL (as in .ci/run) the same test runs it on a scratch PostgreSQL database and Redis instead.
"""

import os
import signal
import subprocess
import sys
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.db import connection
from playwright.sync_api import expect

from outbox.testing import ROOT, database_url_from, free_port, wait_for
from tests.browser.helpers import assert_accessible, assert_fits_phone, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.integration]

ROWS = 10_000
MANAGER = "manager@demo.learnerpass.test"
DEMO_PASSWORD = "learnerpass-demo"


def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - a local test server
            return response.status
    except OSError as exc:
        return getattr(exc, "code", 0)


def _scratch_postgres(url: str, *, drop_only: bool = False) -> None:
    import psycopg

    base, name = url.rsplit("/", 1)
    with psycopg.connect(base + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not drop_only:
            conn.execute(f'CREATE DATABASE "{name}"')


@pytest.fixture
def embedded_site(tmp_path, db):
    """`manage.py serve` with its own database, media and port; yields its base URL."""
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE", "TASKS_EAGER", "REDIS_URL"}},
        "DJANGO_SETTINGS_MODULE": "learnerpass.settings",
        "DEBUG": "true",
        "PORT": str(port),
        "MEDIA_ROOT": str(tmp_path / "media"),
    }
    postgres = database_url_from(connection.settings_dict)
    redis_url = os.environ.get("REDIS_URL", "")
    if postgres and redis_url:
        env["DATABASE_URL"] = postgres + "_serve"
        env["REDIS_URL"] = redis_url
        _scratch_postgres(env["DATABASE_URL"])
        import redis

        redis.Redis.from_url(redis_url).flushdb()
    else:
        env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    for step in (["migrate", "-v", "0"], ["demo_data"]):
        subprocess.run([sys.executable, "manage.py", *step], cwd=ROOT, env=env, check=True, capture_output=True)
    log = open(tmp_path / "serve.log", "w")  # noqa: SIM115 - closed in the finally below
    serve = subprocess.Popen([sys.executable, "manage.py", "serve"], cwd=ROOT, env=env, stdout=log, stderr=log)
    base = f"http://127.0.0.1:{port}"
    try:
        ready = wait_for(lambda: _status(f"{base}/healthz") == 200, timeout=120, interval=0.5)
        assert ready, Path(log.name).read_text()[-3000:]
        yield base, Path(log.name)
    finally:
        serve.send_signal(signal.SIGINT)
        try:
            serve.wait(timeout=60)
        except subprocess.TimeoutExpired:
            serve.kill()
            serve.wait()
        log.close()
        if env["DATABASE_URL"].startswith("postgres"):
            _scratch_postgres(env["DATABASE_URL"], drop_only=True)


def _file(tmp_path: Path) -> Path:
    expiry = (datetime.now(UTC) + timedelta(days=30)).strftime("%Y-%m-%d %H:%M:%S")
    lines = ["external_learner_id,email,program_code,program_run_code,expiry_time"]
    lines += [f"BULK{n:05d},bulk{n:05d}@example.test,MC-DATA,2026-SPRING,{expiry}" for n in range(ROWS)]
    path = tmp_path / "ten-thousand.csv"
    path.write_text("\r\n".join(lines) + "\r\n")
    return path


def test_ten_thousand_invitations_show_their_progress_at_once_and_finish_by_themselves(page, embedded_site, tmp_path):
    base, log = embedded_site
    page.set_default_timeout(30_000)
    sign_in(page, base, MANAGER, DEMO_PASSWORD)
    page.goto(f"{base}/o/demo/programs/upload/")
    page.get_by_label("XLSX or CSV file").set_input_files(_file(tmp_path))
    page.get_by_role("button", name="Upload and check").click()
    # A file this big is checked by the worker; the page follows the job, then shows the preview.
    send = page.get_by_role("button", name="Send invitations")
    expect(send).to_be_visible(timeout=120_000)
    expect(page.get_by_text("10,000 rows to invite")).to_be_visible()

    started = time.monotonic()
    send.click()
    expect(page.get_by_text("Sending invitations")).to_be_visible()
    took = time.monotonic() - started
    print(f"progress page after {took:.2f} s")
    assert took < 2, f"the progress page took {took:.2f} s"
    assert_accessible(page)
    assert_fits_phone(page)
    page.set_viewport_size({"width": 1280, "height": 900})

    # Nobody clicks again: the page polls, and reloads itself once every email is delivered.
    # Not "0 of 10,000 sent": the finished count, every email delivered.
    expect(page.get_by_text("10,000 sent", exact=True)).to_be_visible(timeout=240_000)
    print(f"10,000 sent {time.monotonic() - started:.1f} s after Send")
    expect(page.get_by_text("10,000 invitations sent.")).to_be_visible(timeout=60_000)
    expect(page.get_by_text("Finished.")).to_be_visible()
    assert_accessible(page)

    # The job stays listed on the page it was started from, and its own page says what happened.
    page.goto(f"{base}/o/demo/programs/upload/")
    jobs = page.get_by_role("region", name="Jobs started from this page")
    expect(jobs.get_by_role("link", name="Sending invitations")).to_be_visible()
    assert_accessible(page)
    jobs.get_by_role("link", name="Sending invitations").click()
    expect(page.get_by_role("heading", name="Sending invitations")).to_be_visible()
    expect(page.get_by_text("10,000 sent", exact=True)).to_be_visible()
    assert_accessible(page)
    assert_fits_phone(page)
    assert "ERROR" not in log.read_text()
