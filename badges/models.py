"""Activities, playlists and their Open Badges 2.0 badge classes, tasks, evidence and assertions.

Everything reached from outside the organiser area has a random `public_id`, never
a database id, so badge classes and assertions can be published without revealing
how many there are.
"""

import calendar
import secrets
from datetime import UTC, date, datetime, time, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from learnerpass.lib.storage import RandomName, private_storage, public_storage
from learnerpass.models import LinkToken
from organisations.models import Organisation


def new_public_id() -> str:
    return secrets.token_urlsafe(12)


def new_link_code() -> str:
    return secrets.token_urlsafe(24)


class PublishStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    UNPUBLISHED = "unpublished", _("Unpublished")


class Activity(models.Model):
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="badge_activities")
    public_id = models.CharField(max_length=32, unique=True, default=new_public_id, editable=False)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    criteria = models.TextField(
        _("what a learner does to earn the badge"),
        blank=True,
        help_text=_("Copied into the badge's criteria when the activity is published."),
    )
    start_date = models.DateField(_("start date"), null=True, blank=True)
    end_date = models.DateField(_("end date"), null=True, blank=True)
    place = models.CharField(_("place"), max_length=200, blank=True)
    status = models.CharField(max_length=12, choices=PublishStatus.choices, default=PublishStatus.DRAFT)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        indexes = [models.Index(fields=["status", "start_date"], name="badges_activity_catalogue")]

    def __str__(self):
        return self.title

    def get_public_url(self):
        return reverse("badges:public_activity", kwargs={"public_id": self.public_id})


class Playlist(models.Model):
    class Rule(models.TextChoices):
        ALL = "all", _("All activities")
        AT_LEAST = "at_least", _("At least N activities")

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="badge_playlists")
    public_id = models.CharField(max_length=32, unique=True, default=new_public_id, editable=False)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    rule = models.CharField(_("completion rule"), max_length=10, choices=Rule.choices, default=Rule.ALL)
    min_count = models.PositiveSmallIntegerField(
        _("N (for “at least N”)"), default=1, help_text=_("Used only with the “at least N activities” rule.")
    )
    activities = models.ManyToManyField(Activity, through="PlaylistItem", related_name="playlists")
    status = models.CharField(max_length=12, choices=PublishStatus.choices, default=PublishStatus.DRAFT)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("playlist")
        verbose_name_plural = _("playlists")

    def __str__(self):
        return self.title

    def get_public_url(self):
        return reverse("badges:public_playlist", kwargs={"public_id": self.public_id})

    def required_count(self, total: int) -> int:
        if self.rule == self.Rule.AT_LEAST:
            return max(1, min(self.min_count, total))
        return total


class PlaylistItem(models.Model):
    playlist = models.ForeignKey(Playlist, on_delete=models.CASCADE, related_name="items")
    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="playlist_items")
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["playlist", "activity"], name="badges_playlist_activity_once")]

    def __str__(self):
        return f"{self.playlist} #{self.position}: {self.activity}"


def add_months(moment: datetime, months: int) -> datetime:
    """The same day and time `months` later; a day the month lacks becomes its last (31 Jan + 1 month = 28/29 Feb)."""
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    return moment.replace(year=year, month=month, day=min(moment.day, calendar.monthrange(year, month)[1]))


# The keys of an Open Badges 2.0 AlignmentObject; targetName and targetUrl are required.
ALIGNMENT_KEYS = ("targetName", "targetUrl", "targetDescription", "targetFramework", "targetCode")


class BadgeClass(models.Model):
    class ExpiryUnit(models.TextChoices):
        DAYS = "days", _("days")
        MONTHS = "months", _("months")

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="badge_classes")
    public_id = models.CharField(max_length=32, unique=True, default=new_public_id, editable=False)
    activity = models.OneToOneField(Activity, on_delete=models.CASCADE, null=True, blank=True, related_name="badge")
    playlist = models.OneToOneField(Playlist, on_delete=models.CASCADE, null=True, blank=True, related_name="badge")
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"))
    criteria = models.TextField(_("criteria"), blank=True)
    # Sanitised PNG or SVG bytes as uploaded; empty means the generated default image.
    image = models.FileField(_("image"), upload_to=RandomName("badges"), storage=public_storage, blank=True)
    colour = models.CharField(max_length=7, default="#1f4e79")
    # Expiry of every assertion issued from now on, whatever the path (email, link, QR, quest, playlist):
    # N days or months after issue, or the end of a fixed day (UTC); neither means it never expires.
    expires_after = models.PositiveIntegerField(_("expires after"), null=True, blank=True)
    expires_after_unit = models.CharField(
        _("unit"), max_length=6, choices=ExpiryUnit.choices, default=ExpiryUnit.MONTHS
    )
    expires_on = models.DateField(_("expires on (fixed date)"), null=True, blank=True)
    # Open Badges 2.0 alignment: a list of {targetName, targetUrl, targetDescription, targetFramework,
    # targetCode} (ALIGNMENT_KEYS; the last three may be absent), in the organiser's order.
    alignment = models.JSONField(_("alignment"), default=list, blank=True)
    tags = models.JSONField(_("tags"), default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("badge class")
        verbose_name_plural = _("badge classes")
        constraints = [
            models.CheckConstraint(
                condition=Q(activity__isnull=True) | Q(playlist__isnull=True), name="badges_badge_one_source"
            ),
            models.CheckConstraint(
                condition=Q(expires_after__isnull=True) | Q(expires_on__isnull=True), name="badges_badge_one_expiry"
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def image_kind(self) -> str:
        return "png" if self.image and self.image.name.lower().endswith(".png") else "svg"

    @property
    def source(self):
        return self.activity or self.playlist

    def expiry_for(self, issued_on: datetime) -> datetime | None:
        """When an assertion issued at `issued_on` expires under this badge's rule (None: never)."""
        if self.expires_on is not None:
            return expiry_of_day(self.expires_on)
        if self.expires_after:
            if self.expires_after_unit == self.ExpiryUnit.DAYS:
                return issued_on + timedelta(days=self.expires_after)
            return add_months(issued_on, self.expires_after)
        return None

    @property
    def has_expiry(self) -> bool:
        return self.expires_on is not None or bool(self.expires_after)

    @property
    def expiry_description(self) -> str:
        """The expiry rule in words, for pages."""
        if self.expires_on is not None:
            return gettext("Expires on %(date)s (end of the day, UTC).") % {"date": self.expires_on.isoformat()}
        if self.expires_after:
            if self.expires_after_unit == self.ExpiryUnit.DAYS:
                text = ngettext(
                    "Expires %(n)s day after it is issued.",
                    "Expires %(n)s days after it is issued.",
                    self.expires_after,
                )
            else:
                text = ngettext(
                    "Expires %(n)s month after it is issued.",
                    "Expires %(n)s months after it is issued.",
                    self.expires_after,
                )
            return text % {"n": self.expires_after}
        return gettext("Does not expire.")


def expiry_of_day(day: date) -> datetime:
    """A badge that expires "on" a day is valid through that whole day, UTC."""
    return datetime.combine(day, time(23, 59, 59), tzinfo=UTC)


class Task(models.Model):
    class Evidence(models.TextChoices):
        NONE = "none", _("No evidence")
        TEXT = "text", _("Text")
        LINK = "link", _("Link")
        FILE = "file", _("File")

    class Approval(models.TextChoices):
        SELF = "self", _("Self-approval")
        PEER = "peer", _("Peer review")
        ORGANISER = "organiser", _("Organiser review")

    badge = models.ForeignKey(BadgeClass, on_delete=models.CASCADE, related_name="tasks")
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    evidence_kind = models.CharField(_("evidence"), max_length=10, choices=Evidence.choices, default=Evidence.TEXT)
    approval = models.CharField(_("approval"), max_length=10, choices=Approval.choices, default=Approval.ORGANISER)
    peer_review_days = models.PositiveSmallIntegerField(_("days before a peer review falls to organisers"), default=7)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self):
        return self.title

    @property
    def requires_evidence(self) -> bool:
        return self.evidence_kind != self.Evidence.NONE


class Quest(models.Model):
    """A learner working towards a badge whose tasks need evidence."""

    class Status(models.TextChoices):
        IN_PROGRESS = "in_progress", _("In progress")
        COMPLETED = "completed", _("Completed")

    badge = models.ForeignKey(BadgeClass, on_delete=models.CASCADE, related_name="quests")
    learner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="badge_quests")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.IN_PROGRESS)
    started_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at"]
        constraints = [models.UniqueConstraint(fields=["badge", "learner"], name="badges_one_quest_per_learner")]

    def __str__(self):
        return f"{self.learner} → {self.badge}"


class EvidenceSubmission(models.Model):
    """The learner's current evidence for one task; a resubmission replaces a rejected one."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Waiting for review")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    public_id = models.CharField(max_length=32, unique=True, default=new_public_id, editable=False)
    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="submissions")
    learner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="badge_evidence")
    text = models.TextField(_("text"), blank=True)
    url = models.URLField(_("link"), max_length=1000, blank=True)
    file = models.FileField(_("file"), upload_to=RandomName("evidence"), storage=private_storage, blank=True)
    # The name the learner's file had, for the download (the stored name is random).
    file_name = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SUBMITTED)
    submitted_at = models.DateTimeField()
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    review_comment = models.TextField(_("comment"), blank=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    # A peer review nobody did in time falls to the organisers' queue.
    escalated = models.BooleanField(default=False)
    escalated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["submitted_at", "id"]
        constraints = [models.UniqueConstraint(fields=["task", "learner"], name="badges_one_submission_per_task")]
        indexes = [
            models.Index(fields=["status", "escalated"], name="badges_evidence_queue"),
            # The review queue walks waiting evidence oldest first, a keyset page at a time.
            models.Index(
                fields=["submitted_at", "id"], condition=Q(status="submitted"), name="badges_evidence_waiting"
            ),
            # A badge's page shows its tasks' waiting evidence, oldest first.
            models.Index(
                fields=["task", "submitted_at", "id"],
                condition=Q(status="submitted"),
                name="badges_evidence_task_waiting",
            ),
        ]

    def __str__(self):
        return f"{self.learner} – {self.task} ({self.status})"


class Assertion(models.Model):
    class Source(models.TextChoices):
        EMAIL = "email", _("Issued by email")
        LINK = "link", _("Claimed through the link")
        QUEST = "quest", _("Earned by completing tasks")
        PLAYLIST = "playlist", _("Completed the playlist")

    badge = models.ForeignKey(BadgeClass, on_delete=models.PROTECT, related_name="assertions")
    public_id = models.CharField(max_length=32, unique=True, default=new_public_id, editable=False)
    # The email is kept to find the holder and skip duplicates; only its salted hash is published.
    recipient_email = models.EmailField()
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="badge_assertions"
    )
    salt = models.CharField(max_length=32)
    identity = models.CharField(max_length=80)
    issued_on = models.DateTimeField()
    expires = models.DateTimeField(null=True, blank=True)
    source = models.CharField(max_length=10, choices=Source.choices)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The approved evidence at the time of issue, so the public document needs no further query.
    evidence = models.JSONField(default=list, blank=True)
    show_evidence = models.BooleanField(_("show my evidence on the public page"), default=True)
    # The holder's choice: their name on the share page (never in the Open Badges document, whose recipient is hashed).
    show_name = models.BooleanField(_("show my name on the share page"), default=False)
    holder_name = models.CharField(_("name shown"), max_length=200, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revocation_reason = models.CharField(_("reason"), max_length=500, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Derived: the badge image with this assertion baked in, made on first request.
    baked_image = models.FileField(upload_to=RandomName("baked"), storage=public_storage, blank=True)
    # Open Badges 3.0: the revocation entry, given out at issue; the signed credential is made on
    # its first request and kept (signing costs milliseconds, too much for a 10,000-badge issue).
    status_list = models.ForeignKey(
        "credentials.StatusList", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    status_index = models.PositiveIntegerField(null=True, blank=True)
    credential = models.TextField(blank=True, editable=False)

    class Meta:
        ordering = ["-issued_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["badge", "recipient_email"],
                condition=Q(revoked_at__isnull=True),
                name="badges_one_live_assertion_per_email",
            )
        ]
        indexes = [
            models.Index(fields=["recipient", "revoked_at"], name="badges_assertion_holder"),
            # A badge's holders, newest first, a keyset page at a time.
            models.Index(fields=["badge", "issued_on", "id"], name="badges_assertion_badge_issued"),
        ]

    def __str__(self):
        return f"{self.badge} → {self.recipient_email}"

    def get_absolute_url(self):
        return reverse("badges:assertion", kwargs={"public_id": self.public_id})

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def is_expired(self) -> bool:
        return self.expires is not None and self.expires <= timezone.now()

    @property
    def shown_name(self) -> str:
        return self.holder_name if self.show_name else ""


class AssertionClaim(LinkToken):
    """The emailed link that attaches an assertion issued to an address to the account that follows it."""

    assertion = models.OneToOneField(Assertion, on_delete=models.CASCADE, related_name="claim")
    used_at = models.DateTimeField(null=True, blank=True)
    used_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)

    def __str__(self):
        return f"claim of {self.assertion_id}"


class BadgeLink(models.Model):
    """The badge's shareable claim link (and QR code).

    Unlike an emailed personal link, this one is meant to be shown again and printed on
    posters, so its code is stored as is; "new link" replaces it when it has leaked.
    """

    badge = models.OneToOneField(BadgeClass, on_delete=models.CASCADE, related_name="link")
    code = models.CharField(max_length=64, unique=True, default=new_link_code)
    # On from the start: a badge without evidence can be handed out by QR code or link at once.
    enabled = models.BooleanField(_("link is on"), default=True)
    expires_at = models.DateTimeField(_("expires (UTC)"), null=True, blank=True)
    max_claims = models.PositiveIntegerField(_("maximum number of claims"), null=True, blank=True)
    claims_count = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"link for {self.badge}"


class BadgeEvent(models.Model):
    """Audit trail: who did what to which badge, when."""

    class Action(models.TextChoices):
        PUBLISHED = "published", _("Published")
        UNPUBLISHED = "unpublished", _("Unpublished")
        EDITED = "edited", _("Edited")
        ISSUED = "issued", _("Issued")
        CLAIMED = "claimed", _("Claimed")
        REVOKED = "revoked", _("Revoked")
        LINK_CHANGED = "link_changed", _("Link changed")
        EVIDENCE_SUBMITTED = "evidence_submitted", _("Evidence submitted")
        EVIDENCE_APPROVED = "evidence_approved", _("Evidence approved")
        EVIDENCE_REJECTED = "evidence_rejected", _("Evidence rejected")
        ESCALATED = "escalated", _("Peer review escalated")
        INVITED = "invited", _("Invited to a playlist")
        TASK_ADDED = "task_added", _("Task added")
        TASK_EDITED = "task_edited", _("Task edited")
        TASK_MOVED = "task_moved", _("Tasks reordered")
        TASK_DELETED = "task_deleted", _("Task deleted")

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="badge_events")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    action = models.CharField(max_length=20, choices=Action.choices)
    badge = models.ForeignKey(BadgeClass, on_delete=models.SET_NULL, null=True, blank=True, related_name="events")
    detail = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # A badge's page shows its latest 20 events; a badge claimed 10,000 times has as many.
            models.Index(fields=["badge", "created_at", "id"], name="badges_event_badge_latest"),
        ]

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action} {self.detail}"


class PendingLinkClaim(models.Model):
    """A badge link someone opened before having a confirmed account.

    Recorded when their confirmation email is sent, so the claim survives confirming in another
    browser (the phone that scanned the QR code, the laptop that opens the email): /me/ offers to
    continue it until it is claimed.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="pending_badge_claims")
    link = models.ForeignKey(BadgeLink, on_delete=models.CASCADE, related_name="pending_claims")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["user", "link"], name="badges_one_pending_claim_per_link")]

    def __str__(self):
        return f"{self.user} → {self.link}"
