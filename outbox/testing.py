"""Real processes for the integration test and the outbox benchmark: an SMTP sink and a Celery worker."""

import asyncio
import logging
import os
import re
import socket
import subprocess
import sys
import threading
import time
from email import message_from_bytes
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EMAIL_ID = re.compile(rb"^X-LearnerPass-Email-Id: *(\d+)", re.MULTILINE | re.IGNORECASE)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SmtpSink:
    """An SMTP server on 127.0.0.1 that keeps what it receives (headers only, bodies optional)."""

    def __init__(self, keep_bodies: bool = True):
        self.port = free_port()
        self.messages: list = []
        self.ids: list[str] = []
        self.keep_bodies = keep_bodies
        # While true, every message is answered "451 try again later" (a mail server in trouble).
        self.refusing = False
        self.refused = 0
        # Seconds each message takes to be accepted (a slow mail server), so a test can stop a sender mid-batch.
        self.delay = 0.0
        self._lock = threading.Lock()
        self._controller = None

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd handler hook
        if self.refusing:
            self.refused += 1
            return "451 4.3.0 Try again later"
        if self.delay:
            await asyncio.sleep(self.delay)
        if not self.keep_bodies:
            # Only the id is kept: finding one header is much cheaper than parsing the message,
            # and the benchmark wants the sink to cost as little as a remote mail server would.
            found = EMAIL_ID.search(envelope.content.split(b"\r\n\r\n", 1)[0])
            with self._lock:
                self.ids.append(found.group(1).decode() if found else "")
            return "250 Message accepted"
        message = message_from_bytes(envelope.content)
        with self._lock:
            self.ids.append(message.get("X-LearnerPass-Email-Id", ""))
            self.messages.append(message)
        return "250 Message accepted"

    def __enter__(self):
        from aiosmtpd.controller import Controller

        # aiosmtpd logs every SMTP command at INFO; that alone halves its throughput.
        logging.getLogger("mail.log").setLevel(logging.WARNING)
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self._controller.start()
        return self

    def __exit__(self, *exc):
        self._controller.stop()


class _LeanSession(asyncio.Protocol):
    """One connection to LeanSmtpSink: EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP and QUIT, nothing more."""

    def __init__(self, sink: "LeanSmtpSink"):
        self.sink = sink
        self.buffer = b""
        self.in_data = False
        self.transport = None

    def connection_made(self, transport):
        self.transport = transport
        transport.write(b"220 sink ESMTP\r\n")

    def data_received(self, data):
        self.buffer += data
        while True:
            if self.in_data:
                end = self.buffer.find(b"\r\n.\r\n")
                if end < 0:
                    return
                message, self.buffer = self.buffer[:end], self.buffer[end + 5 :]
                self.in_data = False
                self.transport.write(self.sink.take(message))
                continue
            end = self.buffer.find(b"\r\n")
            if end < 0:
                return
            line, self.buffer = self.buffer[:end], self.buffer[end + 2 :]
            verb = line[:4].upper()
            if verb == b"EHLO":
                self.transport.write(b"250-sink\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n")
            elif verb == b"DATA":
                # The CRLF before the command's end belongs to the terminator of an empty message.
                self.in_data = True
                self.buffer = b"\r\n" + self.buffer
                self.transport.write(b"354 End data with <CR><LF>.<CR><LF>\r\n")
            elif verb == b"QUIT":
                self.transport.write(b"221 Bye\r\n")
                self.transport.close()
                return
            else:
                self.transport.write(b"250 OK\r\n")


class LeanSmtpSink:
    """An SMTP sink for the benchmark that costs what a remote mail server costs this machine: almost nothing.

    aiosmtpd (SmtpSink) takes about 0.5 ms of CPU per message here, the sender's own cost, and
    alone tops out near 1,000 messages/s; this one speaks just the commands smtplib sends and
    keeps each message's X-LearnerPass-Email-Id, at about 0.12 ms. Tests use SmtpSink.
    """

    def __init__(self):
        self.port = free_port()
        self.ids: list[str] = []
        self.refusing = False
        self.refused = 0
        self._loop = None
        self._thread = None

    def take(self, message: bytes) -> bytes:
        if self.refusing:
            self.refused += 1
            return b"451 4.3.0 Try again later\r\n"
        found = EMAIL_ID.search(message.split(b"\r\n\r\n", 1)[0])
        self.ids.append(found.group(1).decode() if found else "")
        return b"250 OK\r\n"

    def __enter__(self):
        self._loop = asyncio.new_event_loop()
        ready = threading.Event()

        def serve():
            asyncio.set_event_loop(self._loop)
            self._loop.run_until_complete(self._loop.create_server(lambda: _LeanSession(self), "127.0.0.1", self.port))
            ready.set()
            self._loop.run_forever()

        self._thread = threading.Thread(target=serve, daemon=True)
        self._thread.start()
        ready.wait(10)
        return self

    def __exit__(self, *exc):
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)


def start_worker(
    *,
    database_url: str,
    redis_url: str,
    smtp_port: int = 25,
    concurrency: int = 1,
    queues: str = "celery",
    extra_env: dict | None = None,
) -> subprocess.Popen:
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"},
        "DJANGO_SETTINGS_MODULE": "learnerpass.settings",
        # Production-like: DEBUG off (no query log kept in memory).
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
        **(extra_env or {}),
    }
    command = [
        sys.executable, "-m", "celery", "-A", "learnerpass", "worker",
        "-c", str(concurrency), "-Q", queues, "--max-tasks-per-child", "200", "--without-gossip", "--without-mingle",
        "--without-heartbeat", "-l", "warning",
    ]  # fmt: skip
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def stop_worker(worker: subprocess.Popen) -> str:
    worker.terminate()
    try:
        output, _ = worker.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        worker.kill()
        output, _ = worker.communicate()
    return output or ""


def wait_for(predicate, *, timeout: float, interval: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()


def database_url_from(settings_dict: dict) -> str | None:
    """A DATABASE_URL for the connection the tests use (PostgreSQL only: an in-memory SQLite cannot be shared)."""
    if not settings_dict["ENGINE"].endswith("postgresql"):
        return None
    user = settings_dict.get("USER") or ""
    password = settings_dict.get("PASSWORD") or ""
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or "5432"
    return f"postgres://{auth}{host}:{port}/{settings_dict['NAME']}"
