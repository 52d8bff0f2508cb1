import secrets
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from learnerpass.lib.storage import RandomName, private_storage
from organisations.models import Organisation


def new_public_id() -> str:
    return secrets.token_urlsafe(16)


def result_upload_to(_job, filename: str) -> str:
    """Kept for migration 0001, which names it; files go through RandomName now."""
    return RandomName("jobs")(_job, filename)


class Job(models.Model):
    """One piece of background work a person started, with its progress and outcome (see jobs/__init__.py)."""

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Finished")
        FAILED = "failed", _("Failed")

    public_id = models.CharField(max_length=32, unique=True, default=new_public_id, editable=False)
    kind = models.CharField(max_length=60, db_index=True)
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, null=True, blank=True, related_name="jobs")
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # What the job is about, as "<app_label>.<model>" and its id: the jobs app knows no feature app.
    ref_type = models.CharField(max_length=60, blank=True)
    ref_id = models.BigIntegerField(null=True, blank=True)
    # The page to go back to from the job's own page.
    return_url = models.CharField(max_length=300, blank=True)
    language = models.CharField(max_length=10, default="en")

    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    # Named counts for the summary ({"sent": 9998, "skipped": 2}) and, per count, why
    # ({"skipped": {"A pending invitation exists.": 2}}).
    counts = models.JSONField(default=dict, blank=True)
    reasons = models.JSONField(default=dict, blank=True)
    message = models.TextField(blank=True)
    # A failure the person may try again (the work was lost, not refused).
    retryable = models.BooleanField(default=False)
    # The task's own work is done and the rest is followed through the kind's follower
    # (emails the outbox delivers): the sweeper refreshes it instead of re-queueing it.
    follows = models.BooleanField(default=False)
    # A result to download (a ZIP): private, under a random name; the app's own view serves it.
    result_file = models.FileField(upload_to=RandomName("jobs"), storage=private_storage, blank=True)

    # How to run it again: the task's dotted name; it is called with job_id=<pk> and these kwargs.
    task_name = models.CharField(max_length=200)
    task_kwargs = models.JSONField(default=dict, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    # The lease of the run that holds the job; a run that lost it stops at its next write.
    run_token = models.UUIDField(null=True, blank=True, editable=False)

    created_at = models.DateTimeField(default=timezone.now)
    queued_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["ref_type", "ref_id", "-created_at"], name="jobs_job_ref"),
            models.Index(fields=["organisation", "kind", "-created_at"], name="jobs_job_org_kind"),
            models.Index(fields=["state", "heartbeat_at"], name="jobs_job_state_heartbeat"),
        ]

    def __str__(self):
        return f"{self.kind} {self.public_id} ({self.state})"

    @property
    def is_finished(self) -> bool:
        return self.state in (self.State.SUCCEEDED, self.State.FAILED)

    @property
    def last_sign_of_life(self):
        if self.state == self.State.RUNNING and self.heartbeat_at:
            return self.heartbeat_at
        return self.queued_at

    @property
    def is_stuck(self) -> bool:
        """Unfinished and silent for longer than JOBS_STUCK_SECONDS: the sweeper has not brought it back."""
        if self.is_finished or self.follows:
            return False
        return self.last_sign_of_life < timezone.now() - timedelta(seconds=settings.JOBS_STUCK_SECONDS)

    @property
    def can_retry(self) -> bool:
        return self.is_stuck or (self.state == self.State.FAILED and self.retryable)

    @property
    def percent(self) -> int:
        if not self.total:
            return 0
        return min(100, int(100 * self.done / self.total))


class WorkerBeat(models.Model):
    """The last time a worker proved it runs tasks (/healthz reads it)."""

    name = models.CharField(max_length=100, primary_key=True)
    at = models.DateTimeField()

    def __str__(self):
        return f"{self.name} at {self.at:%Y-%m-%d %H:%M:%S}"
