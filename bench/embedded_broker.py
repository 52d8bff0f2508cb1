"""The embedded default's broker: kombu's filesystem transport against its SQLAlchemy transport on SQLite.

    .venv/bin/python bench/embedded_broker.py [--n 2000] [--latency 30]

For each transport it starts a real Celery worker (-c 2, the broker polled every 0.1 s as in
learnerpass/settings.py), queues N trivial tasks and times them until the last has run
(throughput), then queues one task at a time and times each until it ran (latency). The
SQLAlchemy transport needs the `sqlalchemy` package; without it that line says so.
Last line: embedded_broker filesystem_per_s=… filesystem_latency_ms=… sqlalchemy_per_s=… sqlalchemy_latency_ms=…
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from celery import Celery

ROOT = Path(__file__).resolve().parent.parent
DONE_FILE = os.environ.get("EMBEDDED_BROKER_DONE", "")


def _options(directory: str) -> dict:
    """Transport options: the filesystem transport's folders and 0.1 s poll (SQLAlchemy's go to create_engine)."""
    if not directory:
        return {}
    return {
        "polling_interval": 0.1,
        "data_folder_in": directory,
        "data_folder_out": directory,
        "control_folder": directory + "-control",
    }


app = Celery("embedded_broker")
app.conf.update(
    broker_url=os.environ.get("EMBEDDED_BROKER_URL", "memory://"),
    broker_transport=os.environ.get("EMBEDDED_BROKER_TRANSPORT") or None,
    broker_transport_options=_options(os.environ.get("EMBEDDED_BROKER_DIR", "")),
    task_acks_late=True,
    task_ignore_result=True,
    worker_prefetch_multiplier=4,
    broker_connection_retry_on_startup=True,
)

try:
    from kombu.transport import sqlalchemy as kombu_sqlalchemy

    class SqlaTransport(kombu_sqlalchemy.Transport):
        # The same 0.1 s poll as the filesystem transport (its options go to create_engine).
        polling_interval = 0.1

except ImportError:  # sqlalchemy is not installed
    SqlaTransport = None


@app.task(name="embedded_broker.touch")
def touch(n: int) -> None:
    # O_APPEND writes of one short line are atomic: the parent counts lines.
    with open(DONE_FILE, "a") as handle:
        handle.write(f"{n}\n")


def _done(path: Path) -> int:
    try:
        return len(path.read_text().splitlines())
    except FileNotFoundError:
        return 0


def _wait(path: Path, count: int, timeout: float = 600) -> None:
    deadline = time.monotonic() + timeout
    while _done(path) < count:
        if time.monotonic() > deadline:
            raise TimeoutError(f"{_done(path)} of {count} tasks ran")
        time.sleep(0.002)


def measure(name: str, env: dict, n: int, latency_runs: int) -> tuple[float, float]:
    done = Path(env["EMBEDDED_BROKER_DONE"])
    os.environ.update(env)
    app.conf.broker_url = env["EMBEDDED_BROKER_URL"]
    app.conf.broker_transport = env.get("EMBEDDED_BROKER_TRANSPORT") or None
    app.conf.broker_transport_options = _options(env.get("EMBEDDED_BROKER_DIR", ""))
    app._pool = None
    app.amqp._producer_pool = None
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "bench.embedded_broker", "worker", "-c", "2", "-l", "warning",
         "--without-gossip", "--without-mingle", "--without-heartbeat"],
        cwd=ROOT,
        env={**os.environ, **env, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    try:
        touch.delay(-1)
        _wait(done, 1, timeout=60)  # the worker is up
        start = time.monotonic()
        for i in range(n):
            touch.delay(i)
        _wait(done, n + 1)
        per_s = n / (time.monotonic() - start)
        latencies = []
        for i in range(latency_runs):
            before = _done(done)
            start = time.monotonic()
            touch.delay(10_000_000 + i)
            _wait(done, before + 1)
            latencies.append((time.monotonic() - start) * 1000)
        latency = statistics.median(latencies)
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    print(f"{name}: {n} tasks at {per_s:.0f}/s, one task waits {latency:.0f} ms (median of {latency_runs})")
    return per_s, latency


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--latency", type=int, default=30)
    args = parser.parse_args()
    figures = {}
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        (scratch / "fs").mkdir()
        (scratch / "fs-control").mkdir()
        figures["filesystem"] = measure(
            "filesystem",
            {
                "EMBEDDED_BROKER_URL": "filesystem://",
                # kombu's filesystem transport with an atomic write (kombu's own loses races under load)
                "EMBEDDED_BROKER_TRANSPORT": "learnerpass.broker:Transport",
                "EMBEDDED_BROKER_DIR": str(scratch / "fs"),
                "EMBEDDED_BROKER_DONE": str(scratch / "fs.done"),
            },
            args.n,
            args.latency,
        )
        try:
            import sqlalchemy  # noqa: F401
        except ImportError:
            print("sqlalchemy: not installed (pip install sqlalchemy to measure it)")
        else:
            os.environ["EMBEDDED_BROKER_DIR"] = ""
            figures["sqlalchemy"] = measure(
                "sqlalchemy",
                {
                    "EMBEDDED_BROKER_URL": f"sqlite:///{scratch / 'broker.sqlite3'}",
                    "EMBEDDED_BROKER_TRANSPORT": "bench.embedded_broker:SqlaTransport",
                    "EMBEDDED_BROKER_DIR": "",
                    "EMBEDDED_BROKER_DONE": str(scratch / "sqla.done"),
                },
                args.n,
                args.latency,
            )
    parts = []
    for name in ("filesystem", "sqlalchemy"):
        per_s, latency = figures.get(name, (float("nan"), float("nan")))
        parts.append(f"{name}_per_s={per_s:.0f} {name}_latency_ms={latency:.0f}")
    print("embedded_broker " + " ".join(parts))


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
