from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Email(models.Model):
    """One outbound email. Written in the transaction that causes it; sent by a task after commit."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    to = models.EmailField(_("recipient"))
    # templates/emails/<template>_subject.txt, _message.txt and _message.html; empty
    # when the row was rendered by its sender (the account emails).
    template = models.CharField(max_length=100, blank=True)
    context = models.JSONField(default=dict, blank=True)
    language = models.CharField(max_length=10, default="en")
    kind = models.CharField(max_length=50, db_index=True)
    # What the email is about, as "<app_label>.<model>" and its id: a generic
    # reference so the outbox knows no feature app.
    ref_type = models.CharField(max_length=60, blank=True)
    ref_id = models.BigIntegerField(null=True, blank=True)

    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    # A sender claims a row before sending it; another sender skips claimed rows
    # until the claim runs out (a worker that died mid-send).
    claimed_until = models.DateTimeField(null=True, blank=True)
    claim = models.UUIDField(null=True, blank=True, editable=False)
    # After a transient failure: when the email may be tried again, and since when it has been failing
    # (it is failed for good after OUTBOX_RETRY_FOR_SECONDS of that).
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    failing_since = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    subject = models.CharField(max_length=300, blank=True)
    body_text = models.TextField(blank=True)
    body_html = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["ref_type", "ref_id"], name="outbox_email_ref"),
            # The sweeper looks only at waiting rows, a few among millions sent.
            models.Index(fields=["created_at"], condition=Q(status="queued"), name="outbox_email_waiting"),
        ]

    def __str__(self):
        return f"{self.kind} → {self.to} ({self.status})"
