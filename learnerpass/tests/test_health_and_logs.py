"""/healthz and log lines that carry the request or task id."""

import io
import json
import logging
from datetime import timedelta
from unittest import mock

import pytest
from celery import shared_task
from django.db import OperationalError
from django.utils import timezone

from jobs.models import WorkerBeat
from learnerpass import logs
from learnerpass.celery import app


@pytest.fixture
def with_a_broker(settings, tmp_path):
    """As in production or `make run`: tasks go to a broker (here the embedded folder), not in-process."""
    settings.TASKS_EAGER = False
    saved = (app.conf.broker_url, app.conf.broker_transport_options)
    app.conf.broker_url = "lpfs://localhost/"
    app.conf.broker_transport_options = {
        "data_folder_in": str(tmp_path / "q"),
        "data_folder_out": str(tmp_path / "q"),
        "control_folder": str(tmp_path / "control"),
    }
    yield
    app.conf.broker_url, app.conf.broker_transport_options = saved


def test_healthz_answers_ok_to_anyone_without_signing_in(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"] == "ok"
    assert response["Cache-Control"].startswith("max-age=0")


def test_healthz_is_not_redirected_to_https(client, db, settings):
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/healthz").status_code == 200
    assert client.get("/").status_code == 301


def test_healthz_wants_a_recent_worker_heartbeat(client, db, with_a_broker, settings):
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["status"] == "failed: worker"
    assert "no worker has reported yet" in response.json()["checks"]["worker"]
    WorkerBeat.objects.create(name="worker", at=timezone.now() - timedelta(seconds=settings.HEALTHZ_WORKER_MAX_AGE + 5))
    assert "heartbeat" in client.get("/healthz").json()["checks"]["worker"]
    WorkerBeat.objects.filter(name="worker").update(at=timezone.now())
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json()["checks"]["broker"] == "ok"


def test_healthz_names_a_broker_that_does_not_answer(client, db, with_a_broker, settings):
    settings.HEALTHZ_TIMEOUT = 0.5
    WorkerBeat.objects.create(name="worker", at=timezone.now())
    app.conf.broker_url = "redis://127.0.0.1:1/0"
    app._pool = None
    try:
        response = client.get("/healthz")
    finally:
        app._pool = None
    assert response.status_code == 503
    assert response.json()["status"] == "failed: broker"
    assert response.json()["checks"]["broker"].startswith("failed:")


def test_healthz_names_the_database_when_it_is_down(client, db):
    with mock.patch("learnerpass.health.connection.cursor", side_effect=OperationalError("connection refused")):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["status"] == "failed: database, worker"
    assert "connection refused" in response.json()["checks"]["database"]


def test_a_response_carries_its_request_id_and_keeps_a_sane_one_from_the_proxy(client, db):
    made = client.get("/healthz")["X-Request-ID"]
    assert len(made) == 32
    assert client.get("/healthz", headers={"X-Request-ID": "lb-1234.abc"})["X-Request-ID"] == "lb-1234.abc"
    replaced = client.get("/healthz", headers={"X-Request-ID": 'x" onload="evil'})["X-Request-ID"]
    assert replaced != 'x" onload="evil' and len(replaced) == 32


def _capture(formatter) -> tuple[logging.Logger, io.StringIO]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(logs.ContextFilter())
    handler.setFormatter(formatter)
    logger = logging.getLogger("learnerpass.tests.capture")
    logger.handlers = [handler]
    logger.propagate = False
    logger.setLevel(logging.INFO)
    return logger, stream


def test_every_line_written_during_a_request_carries_its_id(client, db, monkeypatch):
    from learnerpass import health

    logger, stream = _capture(logs.TextFormatter())

    def database():
        logger.info("checking the database")
        return health._database()

    monkeypatch.setitem(health.CHECKS, "database", database)
    client.get("/healthz", headers={"X-Request-ID": "req-42"})
    line = stream.getvalue().strip()
    assert line.endswith("learnerpass.tests.capture request=req-42 checking the database")
    logger.info("outside any request")
    assert stream.getvalue().strip().splitlines()[-1].endswith("learnerpass.tests.capture outside any request")


@shared_task
def _log_something() -> None:
    logging.getLogger("learnerpass.tests.capture").info("inside the task")


def test_a_task_logs_with_its_own_id_and_the_id_of_the_request_that_queued_it(db):
    logger, stream = _capture(logs.JsonFormatter())
    token = logs.request_id_var.set("req-7")
    try:
        result = _log_something.apply_async()
    finally:
        logs.request_id_var.reset(token)
    entry = json.loads(stream.getvalue().strip())
    assert entry["message"] == "inside the task"
    assert entry["request_id"] == "req-7"
    assert entry["task_id"] == result.id
    # After the task, the process logs with what it had before.
    assert logs.task_id_var.get() == ""


def test_a_queued_task_message_carries_the_request_id_in_a_header():
    headers = {}
    token = logs.request_id_var.set("req-9")
    try:
        logs.add_request_id_header(headers=headers)
    finally:
        logs.request_id_var.reset(token)
    assert headers == {"lp_request_id": "req-9"}


def test_log_format_must_be_text_or_json(monkeypatch):
    import importlib

    from django.core.exceptions import ImproperlyConfigured

    import learnerpass.settings as project_settings

    monkeypatch.setenv("LOG_FORMAT", "xml")
    with pytest.raises(ImproperlyConfigured, match="LOG_FORMAT"):
        importlib.reload(project_settings)
    monkeypatch.delenv("LOG_FORMAT")
    importlib.reload(project_settings)
