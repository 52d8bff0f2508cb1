"""Real worker and beat processes for the recovery tests, with the sweeper's timings shortened.

Each process gets a session of its own, so a test can kill a worker with everything it forked
(`kill_hard`), as a crash or an OOM kill would.
"""

import contextlib
import os
import signal
import subprocess
import sys

from outbox.testing import ROOT

# Seconds instead of minutes: a lost job is queued again within a few seconds.
FAST_RECOVERY = {
    "JOBS_HEARTBEAT_TIMEOUT": "3",
    "JOBS_QUEUED_TIMEOUT": "3",
    "JOBS_SWEEP_SECONDS": "1",
    "JOBS_PROGRESS_SECONDS": "0.2",
    # An email claimed by a worker that died is sent again within seconds too.
    "OUTBOX_CLAIM_SECONDS": "4",
    "OUTBOX_SWEEP_SECONDS": "2",
}


def celery_env(*, database_url: str, redis_url: str, smtp_port: int = 25, extra_env: dict | None = None) -> dict:
    return {
        **{k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE", "TASKS_EAGER"}},
        "DJANGO_SETTINGS_MODULE": "learnerpass.settings",
        "DEBUG": "false",
        "SECRET_KEY": "worker-for-tests-and-benchmarks-only",
        "CREDENTIALS_KEY": "worker-credentials-key-for-tests-and-benchmarks-only",
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp_port),
        "EMAIL_USE_TLS": "false",
        "CONN_MAX_AGE": "60",
        **FAST_RECOVERY,
        **(extra_env or {}),
    }


def start_celery(args: list[str], env: dict) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "learnerpass", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )


def start_worker(env: dict, *, queues: str = "celery,pdf", concurrency: int = 2) -> subprocess.Popen:
    return start_celery(
        ["worker", "-Q", queues, "-c", str(concurrency), "--without-gossip", "--without-mingle", "-l", "warning"],
        env,
    )


def start_beat(env: dict, schedule_file: str) -> subprocess.Popen:
    return start_celery(["beat", "-l", "warning", "-s", schedule_file], env)


def kill_hard(process: subprocess.Popen) -> str:
    """SIGKILL the process and everything it forked: no warm shutdown, no acknowledgement. Returns its output."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    output, _ = process.communicate(timeout=10)
    return output or ""


def stop(process: subprocess.Popen) -> str:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
    try:
        output, _ = process.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        output, _ = process.communicate()
    return output or ""
