"""Structured logs: every line carries the id of the request or task it was written for.

- `RequestIdMiddleware` takes the request's `X-Request-ID` (when it looks like one, as a proxy
  sets it) or makes one, keeps it for the request's log lines and answers it in the same header.
- Celery signals (connected in learnerpass/celery.py) carry the request id into the tasks that
  request queued (a message header) and set the task id while a task runs.
- `ContextFilter` puts both on every record; `TextFormatter` writes `key=value` lines and
  `JsonFormatter` one JSON object per line (LOG_FORMAT=json, for log collectors).
"""

import contextvars
import json
import logging
import re
import uuid

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")
task_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("task_id", default="")

HEADER = "X-Request-ID"
# What a request id may look like when it comes from outside: no spaces, quotes or control characters.
_VALID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
_TASK_HEADER = "lp_request_id"


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        given = request.headers.get(HEADER, "")
        request_id = given if _VALID.match(given) else uuid.uuid4().hex
        request.request_id = request_id
        token = request_id_var.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            request_id_var.reset(token)
        response[HEADER] = request_id
        return response


class ContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        record.task_id = task_id_var.get()
        return True


class TextFormatter(logging.Formatter):
    """`2026-12-02 08:40:56,311 INFO jobs.services request=… task=… message`, ids only when set."""

    def format(self, record: logging.LogRecord) -> str:
        ids = "".join(
            f" {name}={value}"
            for name, value in (
                ("request", getattr(record, "request_id", "")),
                ("task", getattr(record, "task_id", "")),
            )
            if value
        )
        line = f"{self.formatTime(record)} {record.levelname} {record.name}{ids} {record.getMessage()}"
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", ""),
            "task_id": getattr(record, "task_id", ""),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


# Celery signal handlers -------------------------------------------------------------------------------

_tokens: dict[str, tuple] = {}


def add_request_id_header(headers=None, **_kwargs) -> None:
    """before_task_publish: the task will log with the id of the request that queued it."""
    request_id = request_id_var.get()
    if headers is not None and request_id:
        headers[_TASK_HEADER] = request_id


def enter_task(task_id=None, task=None, **_kwargs) -> None:
    """task_prerun: this task's lines carry its id (and its request's)."""
    # Run in a worker: the id the queueing request sent along; run eagerly: the request's own.
    request_id = (getattr(task.request, _TASK_HEADER, None) if task else None) or request_id_var.get()
    _tokens[task_id] = (task_id_var.set(task_id or ""), request_id_var.set(request_id or ""))


def leave_task(task_id=None, **_kwargs) -> None:
    """task_postrun: back to what the process logged with before (eager tasks run inside a request)."""
    tokens = _tokens.pop(task_id, None)
    if tokens:
        task_token, request_token = tokens
        request_id_var.reset(request_token)
        task_id_var.reset(task_token)
