import hashlib
import secrets
import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from learnerpass.lib.storage import RandomName, private_storage
from learnerpass.lib.urls import absolute_url
from learnerpass.models import LinkToken
from organisations.models import Organisation


class ActivityType(models.TextChoices):
    YOUTH_EXCHANGE = "youth_exchange", _("Youth exchange")
    TRAINING_COURSE = "training_course", _("Training course / youth workers' mobility")
    VOLUNTEERING = "volunteering", _("Volunteering")
    SOLIDARITY_PROJECT = "solidarity_project", _("Solidarity project")
    YOUTH_PARTICIPATION = "youth_participation", _("Youth participation activity")
    OTHER = "other", _("Other")


# Which part a participant describes, by activity type (team members always describe tasks):
# a training course is a programme of training activities; volunteers and solidarity projects
# are about the tasks people took on; an exchange is a programme of activities the participants
# took part in; in a youth participation activity young people run the activity themselves, so
# they describe tasks; for anything else the learner may describe both.
PARTICIPANT_PARTS = {
    ActivityType.YOUTH_EXCHANGE: ("training_activities",),
    ActivityType.TRAINING_COURSE: ("training_activities",),
    ActivityType.VOLUNTEERING: ("tasks",),
    ActivityType.SOLIDARITY_PROJECT: ("tasks",),
    ActivityType.YOUTH_PARTICIPATION: ("tasks",),
    ActivityType.OTHER: ("tasks", "training_activities"),
}


class Programme(models.TextChoices):
    ERASMUS_YOUTH = "erasmus_youth", _("Erasmus+ Youth")
    SOLIDARITY_CORPS = "solidarity_corps", _("European Solidarity Corps")
    OTHER = "other", _("Another programme")


class Project(models.Model):
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="certificate_projects")
    title = models.CharField(_("title"), max_length=200)
    programme = models.CharField(_("programme"), max_length=30, choices=Programme.choices, blank=True)
    # The name of "another programme" (Nordplus, a national fund…); empty for the two EU programmes.
    programme_name = models.CharField(_("name of the programme"), max_length=200, blank=True)
    grant_number = models.CharField(_("project or grant number"), max_length=100, blank=True)
    activity_type = models.CharField(_("activity type"), max_length=30, choices=ActivityType.choices)
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    venue = models.CharField(_("venue"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    language = models.CharField(
        _("certificate language"), max_length=10, choices=settings.CERTIFICATE_LANGUAGES, default=settings.LANGUAGE_CODE
    )
    representative_name = models.CharField(_("representative's name"), max_length=200)
    representative_role = models.CharField(_("representative's role"), max_length=200)
    mentor_name = models.CharField(_("mentor or facilitator's name"), max_length=200, blank=True)
    mentor_role = models.CharField(_("mentor or facilitator's role"), max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-start_date", "title"]
        verbose_name = _("project")
        verbose_name_plural = _("projects")

    def __str__(self):
        return self.title

    def parts_for(self, role: str) -> tuple[str, ...]:
        if role == Individual.Role.TEAM_MEMBER:
            return ("tasks",)
        return PARTICIPANT_PARTS.get(self.activity_type, ("tasks", "training_activities"))

    @property
    def programme_label(self) -> str:
        """The programme as the certificate names it (in the active language for the two EU programmes)."""
        if self.programme == Programme.OTHER:
            return self.programme_name
        return str(self.get_programme_display()) if self.programme else ""


class ProjectPartner(models.Model):
    """A partner organisation of a project, printed on its certificates with its country."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="partners")
    name = models.CharField(_("partner organisation"), max_length=200)
    country = CountryField(_("country"))
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("partner organisation")
        verbose_name_plural = _("partner organisations")

    def __str__(self):
        return f"{self.name} ({self.country.code})"


def _public_id() -> str:
    return uuid.uuid4().hex


class Individual(models.Model):
    class Role(models.TextChoices):
        PARTICIPANT = "participant", _("Participant")
        TEAM_MEMBER = "team_member", _("Team member")

    class Status(models.TextChoices):
        # "Not invited" read as a contradiction beside a connect link that was sent: the status is about writing.
        NOT_INVITED = "not_invited", _("Not writing yet")
        EDITING = "editing", _("Editing")
        SUBMITTED = "submitted", _("Submitted")
        CHANGES_REQUESTED = "changes_requested", _("Changes requested")
        ACCEPTED = "accepted", _("Accepted")

    # While the learner holds the data the organiser may not change it.
    HELD_BY_LEARNER = (Status.EDITING, Status.CHANGES_REQUESTED)

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="individuals")
    # The learner's address in links, so no database id appears in them.
    public_id = models.CharField(max_length=32, unique=True, default=_public_id, editable=False)
    # One name per person: these two always equal the accepted data's first_name and surname (the services
    # write both at once), so lists, emails and the certificate agree. Who changes it: the learner, in their
    # personal data while they hold the data (it becomes the name when the organiser accepts); the organiser
    # otherwise.
    first_name = models.CharField(_("first name"), max_length=100)
    surname = models.CharField(_("surname"), max_length=100)
    email = models.EmailField(_("email"))
    country = CountryField(_("country of residence"))
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.PARTICIPANT)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="certificate_individuals",
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.NOT_INVITED, db_index=True)
    # Three snapshots: the organiser reads only submitted and accepted data, never the draft.
    draft_data = models.JSONField(default=dict, blank=True)
    submitted_data = models.JSONField(default=dict, blank=True)
    accepted_data = models.JSONField(default=dict, blank=True)
    # The submission before the last request for changes, so the review can show what changed in answer.
    previous_submitted_data = models.JSONField(default=dict, blank=True)
    # {"general": "...", "fields": {"<key>": "..."}} from the last request for changes.
    review_comments = models.JSONField(default=dict, blank=True)
    edit_message = models.TextField(_("message to the learner"), blank=True)
    # The date the learner is asked to submit by (optional, set with the invitation to edit); a reminder is
    # emailed CERTIFICATES_REMINDER_DAYS before it, once per deadline (deadline_reminded_for).
    edit_deadline = models.DateField(_("deadline"), null=True, blank=True)
    deadline_reminded_for = models.DateField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    connect_sent_at = models.DateTimeField(null=True, blank=True)
    connected_at = models.DateTimeField(null=True, blank=True)
    edit_invited_at = models.DateTimeField(null=True, blank=True)
    draft_saved_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["surname", "first_name", "id"]
        verbose_name = _("individual")
        verbose_name_plural = _("individuals")
        constraints = [
            models.UniqueConstraint(fields=["project", "email"], name="certificates_one_individual_per_email"),
            models.UniqueConstraint(
                fields=["project", "user"],
                condition=models.Q(user__isnull=False),
                name="certificates_one_individual_per_user",
            ),
        ]
        # A project's individuals by name, a keyset page at a time.
        indexes = [
            models.Index(fields=["project", "surname", "first_name", "id"], name="cert_individual_by_name"),
            # The projects list's figures and the project page's status filter.
            models.Index(fields=["project", "status"], name="cert_individual_by_status"),
        ]

    def __str__(self):
        return f"{self.first_name} {self.surname}"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.surname}"

    @property
    def held_by_learner(self) -> bool:
        return self.status in self.HELD_BY_LEARNER

    @property
    def overdue(self) -> bool:
        """Still writing after the deadline's day."""
        return bool(self.edit_deadline) and self.held_by_learner and self.edit_deadline < timezone.now().date()

    @property
    def parts(self) -> tuple[str, ...]:
        return self.project.parts_for(self.role)

    @property
    def learner_status_label(self) -> str:
        """The status in the learner's words: "Not invited" means nothing to someone already connected."""
        return str(LEARNER_STATUS_LABELS.get(self.status, self.get_status_display()))


LEARNER_STATUS_LABELS = {
    Individual.Status.NOT_INVITED: _("Not open for writing yet"),
    Individual.Status.EDITING: _("Writing"),
    Individual.Status.SUBMITTED: _("Submitted, waiting for review"),
    Individual.Status.CHANGES_REQUESTED: _("Changes requested"),
    Individual.Status.ACCEPTED: _("Accepted"),
}


class IndividualInvitation(LinkToken):
    """An emailed link: connect the account, or connect (if needed) and edit."""

    class Kind(models.TextChoices):
        CONNECT = "connect", _("Connect")
        EDIT = "edit", _("Edit")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        USED = "used", _("Used")
        CANCELED = "canceled", _("Canceled")

    individual = models.ForeignKey(Individual, on_delete=models.CASCADE, related_name="invitations")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    message = models.TextField(blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    used_at = models.DateTimeField(null=True, blank=True)
    used_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.get_kind_display()} → {self.individual}"


class AuditEntry(models.Model):
    class Action(models.TextChoices):
        CREATED = "created", _("Added")
        UPDATED = "updated", _("Edited by the organiser")
        CONNECT_SENT = "connect_sent", _("Connect invitation sent")
        CONNECTED = "connected", _("Account connected")
        DISCONNECTED = "disconnected", _("Account disconnected")
        EDIT_INVITED = "edit_invited", _("Invited to edit")
        REMINDED = "reminded", _("Reminded")
        EDITING = "editing", _("Started editing")
        SUBMITTED = "submitted", _("Submitted")
        CHANGES_REQUESTED = "changes_requested", _("Changes requested")
        ACCEPTED = "accepted", _("Accepted")
        CERTIFICATE_GENERATED = "certificate_generated", _("Certificate generated")
        CERTIFICATE_REVOKED = "certificate_revoked", _("Certificate revoked")

    individual = models.ForeignKey(Individual, on_delete=models.CASCADE, related_name="audit_entries")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    action = models.CharField(max_length=30, choices=Action.choices)
    detail = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = _("audit entries")

    def __str__(self):
        return f"{self.individual}: {self.action}"


# No 0/O, 1/I/L: codes are read off paper and typed in.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 16


def new_certificate_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, CODE_LENGTH, 4))


def normalise_code(code: str) -> str:
    raw = "".join(ch for ch in (code or "").upper() if ch.isalnum())
    return "-".join(raw[i : i + 4] for i in range(0, len(raw), 4))


def new_salt() -> str:
    return secrets.token_hex(16)


class Certificate(models.Model):
    class Status(models.TextChoices):
        VALID = "valid", _("Valid")
        SUPERSEDED = "superseded", _("Superseded")
        REVOKED = "revoked", _("Revoked")

    individual = models.ForeignKey(Individual, on_delete=models.CASCADE, related_name="certificates")
    code = models.CharField(max_length=24, unique=True, default=new_certificate_code, editable=False)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.VALID, db_index=True)
    # What the certificate says, frozen when it was generated: the PDF and the verification page
    # show this, whatever happens to the individual's data later.
    data = models.JSONField(default=dict, blank=True)
    pdf = models.FileField(upload_to=RandomName("certificates"), storage=private_storage, blank=True)
    render_error = models.TextField(blank=True)
    issued_at = models.DateTimeField(auto_now_add=True)
    rendered_at = models.DateTimeField(null=True, blank=True)
    generated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    revoked_reason = models.TextField(_("reason"), blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Open Badges 3.0: the revocation entry (given out at generation), the salt of the hashed email in
    # the credential, and the signed credential (made with the PDF, or on its first request) as served.
    status_list = models.ForeignKey(
        "credentials.StatusList", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    status_index = models.PositiveIntegerField(null=True, blank=True)
    salt = models.CharField(max_length=32, default=new_salt, editable=False)
    credential = models.TextField(blank=True, editable=False)

    class Meta:
        ordering = ["-issued_at", "-id"]
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")

    def __str__(self):
        return self.code

    @property
    def verify_url(self) -> str:
        """The public verification page: the QR code's target, printed on the PDF and shown to the learner."""
        return absolute_url("certificates:verify", code=self.code)

    @property
    def recipient_identity(self) -> str:
        """The holder's email as OB 3.0 publishes it: sha256 of the lower-cased address and the salt."""
        email = self.individual.email.strip().lower()
        return "sha256$" + hashlib.sha256((email + self.salt).encode("utf-8")).hexdigest()

    @property
    def filename(self) -> str:
        name = "".join(ch if ch.isalnum() else "-" for ch in self.data.get("holder", "certificate"))
        return f"{name}-{self.code}.pdf"


class CertificateCopy(models.Model):
    """The same certificate (same code, same data) in another certificate language, made when its holder asks.

    It verifies as its certificate does: the code is the certificate's, so revoking or superseding the
    certificate is revoking or superseding every copy.
    """

    certificate = models.ForeignKey(Certificate, on_delete=models.CASCADE, related_name="copies")
    language = models.CharField(_("language"), max_length=10, choices=settings.CERTIFICATE_LANGUAGES)
    pdf = models.FileField(upload_to=RandomName("certificates"), storage=private_storage, blank=True)
    render_error = models.TextField(blank=True)
    requested_at = models.DateTimeField(auto_now_add=True)
    rendered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["language"]
        verbose_name = _("certificate in another language")
        verbose_name_plural = _("certificates in other languages")
        constraints = [
            models.UniqueConstraint(fields=["certificate", "language"], name="certificates_one_copy_per_language")
        ]

    def __str__(self):
        return f"{self.certificate.code} ({self.language})"

    @property
    def filename(self) -> str:
        return self.certificate.filename.removesuffix(".pdf") + f"-{self.language}.pdf"
