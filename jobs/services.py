"""Every write of the jobs app: start a job, run it from its task, finish it, sweep lost ones.

See the module docstring of `jobs` for how an app adopts these.
"""

import contextlib
import importlib
import logging
import time
import uuid
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError, models, transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from jobs.models import Job, WorkerBeat
from jobs.registry import Followed, get_kind
from learnerpass.lib.actions import UserError

log = logging.getLogger(__name__)

# A following job of this many items is read at most once a second by polling pages; bigger ones less often.
FOLLOWED_ITEMS_PER_SECOND = 50_000
# Distinct reasons kept per count; more are added up under one line so a job of
# 100,000 different errors cannot bloat its row.
MAX_REASONS = 20


class JobsError(UserError):
    """A refused action on a job; the message is shown to the user."""


class JobLost(Exception):
    """This run no longer holds the job (the sweeper gave it to another run, or it finished)."""


def _ref_of(obj: models.Model | None) -> tuple[str, int | None]:
    if obj is None:
        return "", None
    return obj._meta.label_lower, obj.pk


def ref_filter(obj: models.Model) -> dict:
    ref_type, ref_id = _ref_of(obj)
    return {"ref_type": ref_type, "ref_id": ref_id}


@transaction.atomic
def job_start(
    *,
    kind: str,
    task,
    organisation=None,
    started_by=None,
    ref: models.Model | None = None,
    total: int = 0,
    task_kwargs: dict | None = None,
    return_url: str = "",
) -> Job:
    """Record a job and queue its task after the surrounding transaction commits.

    `task` is a Celery task taking `job_id` and the JSON-serialisable `task_kwargs`.
    """
    ref_type, ref_id = _ref_of(ref)
    now = timezone.now()
    job = Job.objects.create(
        kind=kind,
        organisation=organisation,
        started_by=started_by if getattr(started_by, "pk", None) else None,
        ref_type=ref_type,
        ref_id=ref_id,
        total=total,
        task_name=task.name,
        task_kwargs=task_kwargs or {},
        return_url=return_url[:300],
        language=translation.get_language() or settings.LANGUAGE_CODE,
        created_at=now,
        queued_at=now,
    )
    _enqueue_after_commit(job.pk)
    return job


def _task_for(name: str):
    module, _dot, attribute = name.rpartition(".")
    return getattr(importlib.import_module(module), attribute)


def _enqueue_after_commit(job_id: int) -> None:
    transaction.on_commit(lambda: enqueue(job_id))


def enqueue(job_id: int) -> bool:
    """Hand the job's task to the broker now; False when the broker refused (the sweeper tries again)."""
    job = Job.objects.filter(pk=job_id).values("task_name", "task_kwargs").first()
    if job is None:
        return False
    task = _task_for(job["task_name"])
    kwargs = {**job["task_kwargs"], "job_id": job_id}
    if task.app.conf.task_always_eager:
        # TASKS_EAGER: run here and now, and let a bug surface in the tests.
        task.apply_async(kwargs=kwargs)
        return True
    try:
        task.apply_async(kwargs=kwargs)
    except Exception:
        # The job is recorded: the sweeper queues it again once the broker answers.
        log.warning("could not queue job %s; the sweeper will queue it again", job_id, exc_info=True)
        return False
    return True


class JobRun:
    """A task's handle on the job it runs: progress, heartbeat and outcome, written cheaply.

    Progress is kept in memory and written at most every JOBS_PROGRESS_SECONDS (one UPDATE,
    not one per row). Every write checks the lease: a run that lost its job raises JobLost.
    Write outside any long transaction, so the polling page sees it.
    """

    def __init__(self, job: Job, token: uuid.UUID):
        self.job = job
        self.pk = job.pk
        self.token = token
        self.total = job.total
        self.done = job.done
        self.counts: dict[str, int] = dict(job.counts or {})
        self.reasons: dict[str, dict[str, int]] = {key: dict(value) for key, value in (job.reasons or {}).items()}
        self._written = time.monotonic()
        self._dirty = False
        self.finished = False

    @property
    def kwargs(self) -> dict:
        return self.job.task_kwargs

    def set_total(self, total: int) -> None:
        self.total = total
        self.flush()

    def advance(self, n: int = 1) -> None:
        """n more items done; written when due."""
        self.done += n
        self._dirty = True
        self.beat()

    def set_done(self, done: int) -> None:
        self.done = done
        self._dirty = True
        self.beat()

    def count(self, key: str, n: int = 1, *, reason: str = "") -> None:
        """Add to a named count (sent, skipped, failed…), with the reason when there is one."""
        if n <= 0:
            return
        self.counts[key] = self.counts.get(key, 0) + n
        if reason:
            reasons = self.reasons.setdefault(key, {})
            if reason not in reasons and len(reasons) >= MAX_REASONS:
                reason = _("Other reasons")
            reasons[reason] = reasons.get(reason, 0) + n
        self._dirty = True

    def beat(self) -> None:
        """Tell the sweeper this run is alive; cheap to call often (written at most every second or so)."""
        if time.monotonic() - self._written >= settings.JOBS_PROGRESS_SECONDS:
            self.flush()

    def flush(self) -> None:
        self._write(state=Job.State.RUNNING)

    def _fields(self) -> dict:
        return {"total": self.total, "done": self.done, "counts": self.counts, "reasons": self.reasons}

    def _write(self, **extra) -> None:
        updated = Job.objects.filter(pk=self.pk, run_token=self.token, state=Job.State.RUNNING).update(
            heartbeat_at=timezone.now(), **self._fields(), **extra
        )
        self._written = time.monotonic()
        self._dirty = False
        if not updated:
            raise JobLost(f"job {self.pk} is no longer held by this run")

    def finish(self, message: str = "") -> None:
        self._write(state=Job.State.SUCCEEDED, finished_at=timezone.now(), message=message, run_token=None)
        self.finished = True

    def fail(self, message: str) -> None:
        self._write(state=Job.State.FAILED, finished_at=timezone.now(), message=message[:2000], run_token=None)
        self.finished = True
        _after_failure(self.pk)

    def follow(self) -> None:
        """The task's part is done; the kind's follower reads the rest (the sweeper and the page refresh it)."""
        self._write(follows=True, run_token=None)
        self.finished = True

    def save_result(self, name: str, content) -> None:
        """Store the result file (a ZIP…) under a random name; the download goes through the app's own view."""
        job = Job.objects.get(pk=self.pk)
        if job.run_token != self.token:
            raise JobLost(f"job {self.pk} is no longer held by this run")
        old = job.result_file.name
        job.result_file.save(name, content, save=False)
        Job.objects.filter(pk=self.pk, run_token=self.token).update(result_file=job.result_file.name)
        if old:
            job.result_file.storage.delete(old)


def _claim(job_id: int) -> JobRun | None:
    now = timezone.now()
    token = uuid.uuid4()
    stale = now - timedelta(seconds=settings.JOBS_HEARTBEAT_TIMEOUT)
    claimed = (
        Job.objects.filter(pk=job_id)
        .filter(
            Q(state=Job.State.QUEUED)
            # A run whose worker died: a redelivered message may take over; past the cap the sweeper fails it.
            | Q(
                state=Job.State.RUNNING,
                follows=False,
                heartbeat_at__lt=stale,
                attempts__lt=settings.JOBS_MAX_ATTEMPTS,
            )
        )
        .update(
            state=Job.State.RUNNING,
            run_token=token,
            heartbeat_at=now,
            started_at=now,
            attempts=F("attempts") + 1,
        )
    )
    if not claimed:
        return None
    return JobRun(Job.objects.get(pk=job_id), token)


def job_run(job_id: int, work: Callable[[JobRun], None]) -> bool:
    """Run `work(run)` for the job, once at a time: what a job's task calls. Idempotent.

    Returns False when there was nothing to do (finished, or another run holds it). When `work`
    returns without finishing, the job has succeeded. A UserError fails it with its message,
    any other error with a generic one (logged). Database errors leave the job to the sweeper.
    """
    run = _claim(job_id)
    if run is None:
        log.info("job %s is finished or held by another run; nothing to do", job_id)
        return False
    with translation.override(run.job.language):
        try:
            work(run)
            if not run.finished:
                run.finish()
        except JobLost:
            log.warning("job %s was taken over by another run; this one stops", job_id)
        except DatabaseError:
            # Most likely the database went away: nothing can be recorded now. The sweeper
            # queues the job again once its heartbeat is old.
            log.exception("job %s stopped on a database error; the sweeper will queue it again", job_id)
            raise
        except UserError as exc:
            log.info("job %s refused: %s", job_id, exc)
            _fail_quietly(run, str(exc))
        except Exception as exc:
            log.exception("job %s failed", job_id)
            _fail_quietly(run, _("An unexpected error stopped this job (%(error)s).") % {"error": type(exc).__name__})
    return True


def _fail_quietly(run: JobRun, message: str) -> None:
    with contextlib.suppress(JobLost):
        run.fail(message)


def _after_failure(job_id: int) -> None:
    job = Job.objects.filter(pk=job_id).first()
    hook = get_kind(job.kind).on_fail if job else None
    if hook is None:
        return
    try:
        hook(job)
    except Exception:
        log.exception("the failure hook of job %s failed", job_id)


def job_refresh(*, job: Job) -> Job:
    """Read a following job's progress from its follower and record it; finish it when the follower says so."""
    kind = get_kind(job.kind)
    if not job.follows or job.is_finished or kind.follow is None:
        return job
    followed: Followed = kind.follow(job)
    now = timezone.now()
    # The follower's counts replace the same names only: what the task counted itself stays.
    fields = {
        "done": followed.done,
        "counts": {**job.counts, **followed.counts},
        "reasons": {**job.reasons, **followed.reasons},
    }
    if followed.done != job.done:
        fields["heartbeat_at"] = now
    if followed.finished:
        fields.update(state=Job.State.SUCCEEDED, finished_at=now, message=followed.message)
    Job.objects.filter(pk=job.pk, state=Job.State.RUNNING, follows=True).update(**fields)
    for name, value in fields.items():
        setattr(job, name, value)
    return job


def job_refresh_if_due(*, job: Job, seconds: float = 1.0) -> Job:
    """job_refresh for a polling page: at most once per `seconds` for one job, less often for a big one.

    A follower's count grows with the job (about 0.2 s for 100,000 emails on PostgreSQL here), so a
    job of 100,000 items is read every 3 s at most, whoever and however many watch it.
    """
    if not job.follows or job.is_finished:
        return job
    seconds = max(seconds, job.total / FOLLOWED_ITEMS_PER_SECOND)
    last = job.heartbeat_at or job.started_at
    if last and last > timezone.now() - timedelta(seconds=seconds):
        return job
    # Touch first so many watchers of one job share one refresh.
    Job.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now())
    return job_refresh(job=job)


@transaction.atomic
def job_retry(*, job: Job, retried_by=None) -> Job:
    """Queue a stuck job, or one that failed because its work was lost, again (the Retry button)."""
    job = Job.objects.select_for_update().get(pk=job.pk)
    if not job.can_retry:
        raise JobsError(_("This job is not stuck; there is nothing to retry."))
    job.state = Job.State.QUEUED
    job.queued_at = timezone.now()
    job.attempts = 0
    job.run_token = None
    job.retryable = False
    job.finished_at = None
    job.message = ""
    job.save(update_fields=["state", "queued_at", "attempts", "run_token", "retryable", "finished_at", "message"])
    log.info("job %s retried by user %s", job.pk, getattr(retried_by, "pk", None))
    _enqueue_after_commit(job.pk)
    return job


def jobs_sweep(*, now=None) -> dict[str, int]:
    """Periodic: bring back jobs whose task was lost, and refresh the ones that follow other work.

    Lost: running without a heartbeat for JOBS_HEARTBEAT_TIMEOUT, or queued and not started
    for JOBS_QUEUED_TIMEOUT. Each is queued again (a conditional UPDATE, so two sweepers
    never queue one job twice) until it has started JOBS_MAX_ATTEMPTS times; then it fails
    with the reason. Running it twice is harmless.
    """
    now = now or timezone.now()
    outcome = {"requeued": 0, "gave_up": 0, "refreshed": 0}
    lost = Job.objects.filter(
        state=Job.State.RUNNING,
        follows=False,
        heartbeat_at__lt=now - timedelta(seconds=settings.JOBS_HEARTBEAT_TIMEOUT),
    ).values_list("pk", "heartbeat_at", "attempts")
    for pk, heartbeat_at, attempts in lost[:1000]:
        same = Job.objects.filter(pk=pk, state=Job.State.RUNNING, heartbeat_at=heartbeat_at)
        if attempts >= settings.JOBS_MAX_ATTEMPTS:
            with translation.override(_language_of(pk)):
                message = _(
                    "Stopped after %(n)s attempts: the worker running it stopped each time. Try again, "
                    "or ask the administrator to look at the worker's log."
                ) % {"n": attempts}
            if same.update(state=Job.State.FAILED, finished_at=now, message=message, retryable=True, run_token=None):
                log.error("job %s gave up after %s attempts", pk, attempts)
                _after_failure(pk)
                outcome["gave_up"] += 1
            continue
        if same.update(state=Job.State.QUEUED, queued_at=now, run_token=None):
            log.warning("job %s lost its worker (last heartbeat %s); queued again", pk, heartbeat_at)
            enqueue(pk)
            outcome["requeued"] += 1
    waiting = Job.objects.filter(
        state=Job.State.QUEUED, queued_at__lt=now - timedelta(seconds=settings.JOBS_QUEUED_TIMEOUT)
    ).values_list("pk", "queued_at")
    for pk, queued_at in waiting[:1000]:
        # Harmless when the first message was only slow: whichever arrives first claims the job.
        if Job.objects.filter(pk=pk, state=Job.State.QUEUED, queued_at=queued_at).update(queued_at=now):
            log.warning("job %s was queued at %s and never started; queued again", pk, queued_at)
            enqueue(pk)
            outcome["requeued"] += 1
    for job in Job.objects.filter(state=Job.State.RUNNING, follows=True)[:500]:
        try:
            job_refresh(job=job)
        except DatabaseError:
            raise
        except Exception:
            log.exception("following job %s failed", job.pk)
        outcome["refreshed"] += 1
    return outcome


def _language_of(pk: int) -> str:
    return Job.objects.filter(pk=pk).values_list("language", flat=True).first() or settings.LANGUAGE_CODE


def worker_beat(*, name: str = "worker") -> None:
    """Record that a worker runs tasks now (/healthz reads it)."""
    WorkerBeat.objects.update_or_create(name=name, defaults={"at": timezone.now()})
