from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from learnerpass.lib.storage import RandomName, private_storage
from learnerpass.models import LinkToken
from organisations.models import Organisation


def normalise_code(code: str) -> str:
    """Codes are compared trimmed and case-insensitively, as organisers type them in spreadsheets."""
    return (code or "").strip().lower()


class Program(models.Model):
    class Kind(models.TextChoices):
        MICROCREDENTIAL = "microcredential", _("Microcredential")
        DEGREE = "degree", _("Degree")

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="programs")
    name = models.CharField(_("name"), max_length=200)
    code = models.CharField(_("code"), max_length=50)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.MICROCREDENTIAL)
    description = models.TextField(_("description"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint("organisation", Lower("code"), name="program_code_unique_in_org"),
        ]

    def __str__(self):
        return f"{self.name} ({self.code})"


class ProgramRun(models.Model):
    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="runs")
    code = models.CharField(_("code"), max_length=50)
    name = models.CharField(_("name"), max_length=200, blank=True)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    is_open = models.BooleanField(_("open for enrolment"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["starts_on", "code"]
        constraints = [
            models.UniqueConstraint("program", Lower("code"), name="run_code_unique_in_program"),
        ]

    def __str__(self):
        return f"{self.program.code} / {self.code}"

    @property
    def label(self) -> str:
        return f"{self.code} · {self.name}" if self.name else self.code


class ProgramLearnerAdmin(models.Model):
    """A per-program role: this member manages invitations and enrolments of one program only."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="learner_admins")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="program_admin_roles")
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["user__email"]
        constraints = [models.UniqueConstraint(fields=["program", "user"], name="one_learner_admin_role_per_program")]

    def __str__(self):
        return f"{self.user} manages {self.program}"


class LearnerLink(models.Model):
    """Ties an organisation's own learner ID (student or employee number) to one account."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="learner_links")
    external_learner_id = models.CharField(_("learner ID"), max_length=100)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="learner_links")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "external_learner_id"], name="one_link_per_learner_id"),
            models.UniqueConstraint(fields=["organisation", "user"], name="one_learner_id_per_user"),
        ]

    def __str__(self):
        return f"{self.external_learner_id} → {self.user} ({self.organisation})"


class ImportBatch(models.Model):
    """One uploaded invitation file: validated as a whole, then sent as a whole, at most once."""

    class Status(models.TextChoices):
        VALIDATING = "validating", _("Validating")
        INVALID = "invalid", _("Has errors")
        VALID = "valid", _("Ready to send")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="invitation_batches")
    # The program page the upload was started from: kept through reuploads for the way back.
    program = models.ForeignKey(
        "Program", on_delete=models.SET_NULL, null=True, blank=True, related_name="invitation_batches"
    )
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    file_name = models.CharField(max_length=255)
    # How a CSV was read (UTF-8, Windows-1252, Latin-1), shown on the preview; empty for XLSX.
    encoding = models.CharField(max_length=20, blank=True)
    # Kept only while a background task validates it; deleted afterwards.
    upload = models.FileField(upload_to=RandomName("imports"), storage=private_storage, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.VALIDATING)
    row_count = models.PositiveIntegerField(default=0)
    rows_checked = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    # [[row, column, value, reason], ...] for errors; notices are rows skipped on purpose.
    errors = models.JSONField(default=list, blank=True)
    notices = models.JSONField(default=list, blank=True)
    # [{"program": "...", "run": "...", "count": n}, ...]
    totals = models.JSONField(default=list, blank=True)
    # Valid rows to send, and the invitations (one per learner, program and expiry) they make.
    invitation_count = models.PositiveIntegerField(default=0)
    planned_count = models.PositiveIntegerField(default=0)
    sent_count = models.PositiveIntegerField(default=0)
    # Valid rows left out at send time because something changed since validation (reasons in notices).
    send_skipped_count = models.PositiveIntegerField(default=0)
    message = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    validated_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    # A corrected file uploaded in place of this one: this batch can no longer be sent.
    superseded_by = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="supersedes"
    )
    superseded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "import batches"

    def __str__(self):
        return f"{self.file_name} ({self.status})"

    @property
    def is_working(self) -> bool:
        return self.status in (self.Status.VALIDATING, self.Status.SENDING)

    @property
    def is_superseded(self) -> bool:
        return self.superseded_at is not None

    @property
    def can_be_replaced(self) -> bool:
        return not self.is_superseded and self.status in (self.Status.INVALID, self.Status.VALID, self.Status.FAILED)

    @property
    def status_label(self) -> str:
        return _("Replaced by a newer upload") if self.is_superseded else self.get_status_display()


class ImportBatchRows(models.Model):
    """The validated rows of a batch, stored compactly so Send never parses the file again.

    One JSON document instead of a row per line: writing 100,000 table rows would cost
    more than the whole validation.
    """

    batch = models.OneToOneField(ImportBatch, on_delete=models.CASCADE, related_name="valid_rows")
    # [[row_number, external_learner_id, email, run_id, "YYYY-MM-DDTHH:MM:SS"], ...]
    rows = models.JSONField(default=list)
    # Rows with errors or skipped, as written: [[row_number, id, email, program, run, expiry], ...] (capped).
    other_rows = models.JSONField(default=list, blank=True)

    def __str__(self):
        return f"rows of batch {self.batch_id}"


class Invitation(LinkToken):
    """An invitation of one learner to one or more runs of one program.

    `expires_at` is the link's expiry: min(valid_until, issue time + 4 weeks).
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        ACCEPTED = "accepted", _("Accepted")
        CANCELED = "canceled", _("Canceled")
        EXPIRED = "expired", _("Expired")

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="program_invitations")
    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="invitations")
    runs = models.ManyToManyField(ProgramRun, through="InvitationRun", related_name="invitations")
    external_learner_id = models.CharField(_("learner ID"), max_length=100)
    email = models.EmailField(_("email"))
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    valid_until = models.DateTimeField(_("invitation expiry"))
    batch = models.ForeignKey(ImportBatch, on_delete=models.SET_NULL, null=True, blank=True, related_name="invitations")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    resent_at = models.DateTimeField(null=True, blank=True)
    resent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    canceled_at = models.DateTimeField(null=True, blank=True)
    canceled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["organisation", "status"], name="prog_inv_org_status"),
            models.Index(fields=["organisation", "external_learner_id"], name="prog_inv_org_learner"),
            # Checking an upload looks up pending invitations by the file's addresses.
            models.Index(fields=["organisation", "email"], name="prog_inv_org_email"),
        ]

    def __str__(self):
        return f"{self.external_learner_id} <{self.email}> → {self.program.code}"

    @property
    def effective_status(self) -> str:
        """Expired as soon as the time has passed, whether or not the periodic task has run."""
        if self.status == self.Status.PENDING and self.valid_until <= timezone.now():
            return self.Status.EXPIRED
        return self.status

    @property
    def effective_status_label(self) -> str:
        return self.Status(self.effective_status).label

    @property
    def link_expired(self) -> bool:
        return self.status == self.Status.PENDING and self.is_expired


class InvitationRun(models.Model):
    # No index of their own: the unique constraint leads with the invitation, the index below with the run.
    invitation = models.ForeignKey(Invitation, on_delete=models.CASCADE, related_name="invitation_runs", db_index=False)
    run = models.ForeignKey(ProgramRun, on_delete=models.CASCADE, related_name="invitation_runs", db_index=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["invitation", "run"], name="one_row_per_invited_run")]
        # A run's Invitations tab walks this index newest first, a page at a time.
        indexes = [models.Index(fields=["run", "invitation"], name="prog_invrun_run_invitation")]

    def __str__(self):
        return f"{self.invitation_id} → {self.run_id}"


# The calendar month an enrolment is billed in (UTC, TIME_ZONE): the billing report groups by this very expression.
BILLING_MONTH = TruncMonth("created_at")


class EnrolmentQuerySet(models.QuerySet):
    def active(self):
        """Enrolments not ended by an unenrolment: who is on the run now."""
        return self.filter(unenrolled_at__isnull=True)


class Enrolment(models.Model):
    """A learner on a run. Unenrolling keeps the row (who, when, why) and ends it; billing counts every row."""

    class Source(models.TextChoices):
        INVITATION = "invitation", _("Invitation")
        DIRECT = "direct", _("Enrolled directly")

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="enrolments")
    run = models.ForeignKey(ProgramRun, on_delete=models.CASCADE, related_name="enrolments")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="enrolments")
    # Copied from the learner's link so the enrolled list needs no second lookup.
    external_learner_id = models.CharField(_("learner ID"), max_length=100)
    source = models.CharField(max_length=12, choices=Source.choices)
    invitation = models.ForeignKey(
        Invitation, on_delete=models.SET_NULL, null=True, blank=True, related_name="enrolments"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    unenrolled_at = models.DateTimeField(null=True, blank=True)
    unenrolled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    unenrol_reason = models.TextField(_("reason for unenrolling"), blank=True)

    objects = EnrolmentQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # One current enrolment per learner and run; an unenrolled learner may be enrolled again.
            models.UniqueConstraint(
                fields=["run", "user"], condition=Q(unenrolled_at__isnull=True), name="one_active_enrolment_per_run"
            ),
        ]
        indexes = [
            models.Index(fields=["organisation", "source", "created_at"], name="prog_enrol_billing"),
            # Sending an upload looks up the enrolments of the file's learners.
            models.Index(fields=["organisation", "external_learner_id"], name="prog_enrol_org_learner"),
            # A run's Enrolled learners tab walks this index by learner ID, a page at a time.
            models.Index(fields=["run", "external_learner_id", "id"], name="prog_enrol_run_learner"),
            # The billing report reads this index alone, already grouped by month and learner (no sort).
            models.Index(
                F("organisation"),
                BILLING_MONTH.desc(),
                F("user"),
                include=["source", "created_at"],
                name="prog_enrol_billing_month",
            ),
        ]

    def __str__(self):
        return f"{self.user} on {self.run}"
