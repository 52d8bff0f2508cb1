"""The embedded default's broker (a folder) and `manage.py serve` (web, worker and beat as one command)."""

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from kombu import Connection

from learnerpass import broker
from outbox.testing import free_port, wait_for

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def folder_connection(tmp_path):
    broker.register()
    options = {
        "data_folder_in": str(tmp_path / "q"),
        "data_folder_out": str(tmp_path / "q"),
        # Without it kombu writes its control exchange to ./control in the working directory.
        "control_folder": str(tmp_path / "control"),
        "polling_interval": 0.01,
    }
    with Connection("lpfs://localhost/", transport_options=options) as conn:
        yield conn, tmp_path / "q"


def test_a_message_goes_through_the_folder_once(folder_connection):
    conn, _folder = folder_connection
    queue = conn.SimpleQueue("tests")
    queue.put({"n": 1})
    assert queue.get(timeout=2).payload == {"n": 1}
    with pytest.raises(queue.Empty):
        queue.get(timeout=0.1)
    queue.close()


def test_a_message_half_written_is_never_read(folder_connection):
    conn, folder = folder_connection
    queue = conn.SimpleQueue("tests")
    # What a writer leaves while it is still writing: a temporary name, skipped by readers.
    (folder / ".part-0123").write_bytes(b'{"body": ')
    with pytest.raises(queue.Empty):
        queue.get(timeout=0.1)
    assert (folder / ".part-0123").exists()
    queue.close()


def test_messages_come_out_in_the_order_they_went_in(folder_connection):
    conn, _folder = folder_connection
    queue = conn.SimpleQueue("tests")
    for n in range(5):
        queue.put({"n": n})
        time.sleep(0.002)
    assert [queue.get(timeout=2).payload["n"] for _ in range(5)] == [0, 1, 2, 3, 4]
    queue.close()


def _get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - a local test server
            return response.status
    except OSError as exc:
        return getattr(exc, "code", 0)


@pytest.mark.integration
def test_serve_runs_web_worker_and_beat_and_ctrl_c_stops_all(tmp_path):
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE", "REDIS_URL", "TASKS_EAGER"}},
        "DJANGO_SETTINGS_MODULE": "learnerpass.settings",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "MEDIA_ROOT": str(tmp_path / "media"),
        "PORT": str(port),
    }
    subprocess.run([sys.executable, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True)
    serve = subprocess.Popen(
        [sys.executable, "manage.py", "serve"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        # /healthz is 200 only once the worker reported through the folder broker.
        assert wait_for(lambda: _get(f"http://127.0.0.1:{port}/healthz") == 200, timeout=90, interval=0.5)
        assert (tmp_path / "db.sqlite3.broker" / "queue").is_dir()
    finally:
        serve.send_signal(signal.SIGINT)
        output, _ = serve.communicate(timeout=60)
    assert serve.returncode == 0, output
    for name in ("web", "worker", "beat"):
        assert f"{name:<7}|" in output
    assert "Warm shutdown" in output
    assert _get(f"http://127.0.0.1:{port}/healthz") == 0
    leftovers = subprocess.run(["pgrep", "-f", f"worker-{port}@"], capture_output=True, text=True).stdout.strip()
    assert not leftovers
