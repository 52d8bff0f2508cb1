"""`manage.py serve`: the web server, a Celery worker and beat as one command (what `make run` runs).

Each line of output is prefixed with the process it came from. Ctrl-C stops all three; when one
of them stops on its own, the others are stopped too, so nothing is left half running.
"""

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time

from django.conf import settings
from django.core.management.base import BaseCommand

STOP_GRACE_SECONDS = 10


def _die_with_parent() -> None:
    """In the child, before exec: on Linux, get SIGTERM if the supervisor itself is killed outright."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _interrupt(_signum, _frame):
    raise KeyboardInterrupt


def process_commands(*, port: int, host: str) -> dict[str, list[str]]:
    python = sys.executable
    celery = [python, "-m", "celery", "-A", "learnerpass"]
    return {
        "web": [python, "manage.py", "runserver", f"{host}:{port}"],
        # Both queues in one worker (PDFs and the rest); recycled because WeasyPrint's memory grows a little.
        "worker": [
            *celery,
            "worker",
            "-Q",
            "celery,pdf",
            "-c",
            "2",
            "--max-tasks-per-child",
            "200",
            "-n",
            f"worker-{port}@%h",
            "--without-gossip",
            "--without-mingle",
            "-l",
            "info",
        ],  # fmt: skip
        "beat": [*celery, "beat", "-l", "info", "-s", str(settings.BROKER_DIR / "beat-schedule")],
    }


class Command(BaseCommand):
    help = "Run the web server, a Celery worker and beat together (Ctrl-C stops all)."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=settings.PORT, help="default: PORT or 8000")
        parser.add_argument("--host", default="127.0.0.1")

    def handle(self, *args, port, host, **options):
        if settings.TASKS_EAGER:
            self.stderr.write("TASKS_EAGER is on: tasks would run inside requests. Unset it to run a worker.")
            sys.exit(2)
        settings.BROKER_DIR.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, "PYTHONUNBUFFERED": "1", "PORT": str(port)}
        # A SIGTERM (from a process manager or `timeout`) stops everything as Ctrl-C does.
        signal.signal(signal.SIGTERM, _interrupt)
        width = 7
        processes: dict[str, subprocess.Popen] = {}
        lock = threading.Lock()

        def pump(name: str, stream) -> None:
            for line in stream:
                with lock:
                    sys.stdout.write(f"{name:<{width}}| {line}")
                    sys.stdout.flush()

        for name, command in process_commands(port=port, host=host).items():
            process = subprocess.Popen(
                command,
                cwd=settings.BASE_DIR,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                # Its own process group: Ctrl-C reaches this supervisor, which stops each in order.
                start_new_session=True,
                preexec_fn=_die_with_parent,
            )
            processes[name] = process
            threading.Thread(target=pump, args=(name, process.stdout), daemon=True).start()
        self.stdout.write(
            f"serving http://{host}:{port}/ with a worker and beat (broker: {settings.CELERY_BROKER_URL})"
        )
        code = 0
        try:
            while True:
                ended = {name: p.returncode for name, p in processes.items() if p.poll() is not None}
                if ended:
                    name, returncode = next(iter(ended.items()))
                    self.stderr.write(f"{name} stopped (exit {returncode}); stopping the others.")
                    code = returncode or 1
                    break
                time.sleep(0.5)
        except KeyboardInterrupt:
            self.stdout.write("stopping…")
        finally:
            stop_all(processes)
        sys.exit(code)


def stop_all(processes: dict[str, subprocess.Popen]) -> None:
    for name, process in processes.items():
        if process.poll() is None:
            # SIGTERM to the worker's main process: it lets the tasks at hand finish (a warm shutdown).
            # runserver's reloader runs the server in a child: the whole group.
            if name == "web":
                os.killpg(process.pid, signal.SIGTERM)
            else:
                process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + STOP_GRACE_SECONDS
    for process in processes.values():
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        # Whatever the leader left behind in its group (pool processes) goes with it.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
