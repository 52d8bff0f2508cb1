"""/healthz: is this instance ready to serve, with a broker and a worker behind it?

No sign-in, no session, one cheap check each; 200 when all pass, 503 naming the part that
failed. Load balancers and the production recipe wait on it.
"""

import os
import time
from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache


def _database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return "ok"


def _broker() -> str:
    if settings.TASKS_EAGER:
        return "ok (tasks run in-process)"
    from learnerpass.celery import app

    if app.conf.broker_url.startswith("lpfs:"):
        queue = app.conf.broker_transport_options["data_folder_in"]
        os.makedirs(queue, exist_ok=True)
        if not os.access(queue, os.W_OK):
            raise OSError(f"cannot write to {queue}")
        return "ok"
    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=settings.HEALTHZ_TIMEOUT)
        client = getattr(conn.default_channel, "client", None)
        if client is not None and hasattr(client, "ping"):
            client.ping()
    return "ok"


def _worker() -> str:
    if settings.TASKS_EAGER:
        return "ok (tasks run in-process)"
    from jobs.models import WorkerBeat

    last = WorkerBeat.objects.order_by("-at").values_list("at", flat=True).first()
    if last is None:
        raise RuntimeError("no worker has reported yet")
    age = timezone.now() - last
    if age > timedelta(seconds=settings.HEALTHZ_WORKER_MAX_AGE):
        raise RuntimeError(f"last worker heartbeat {int(age.total_seconds())} s ago")
    return f"ok ({int(age.total_seconds())} s ago)"


CHECKS = {"database": _database, "broker": _broker, "worker": _worker}


@never_cache
def healthz(request):
    results, failed = {}, []
    for name, check in CHECKS.items():
        started = time.monotonic()
        try:
            results[name] = check()
        except Exception as exc:
            results[name] = f"failed: {type(exc).__name__}: {str(exc)[:200]}"
            failed.append(name)
        results[f"{name}_ms"] = round((time.monotonic() - started) * 1000, 1)
        if name == "database" and failed:
            # Without the database the worker's heartbeat cannot be read either.
            results["worker"] = "not checked: the database failed"
            failed.append("worker")
            break
    body = {"status": "failed: " + ", ".join(failed) if failed else "ok", "checks": results}
    return JsonResponse(body, status=503 if failed else 200)
