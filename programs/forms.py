from datetime import UTC, datetime

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from learnerpass.lib.filenames import CODE_HELP, validate_code
from programs import selectors
from programs.models import Invitation, Program, ProgramRun
from programs.services import DEFAULT_VALIDITY, ProgramsError
from programs.services.common import UTC_TIME_FORMAT, parse_utc_time


class _CodeFormMixin:
    """Program and run codes follow one pattern (learnerpass/lib/filenames.py), said next to the field."""

    code_unique_help = ""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["code"]
        field.validators.append(validate_code)
        field.help_text = f"{CODE_HELP} {self.code_unique_help}"


class ProgramForm(_CodeFormMixin, forms.ModelForm):
    code_unique_help = _("Unique within your organisation; used in CSV uploads (not case-sensitive).")

    class Meta:
        model = Program
        fields = ["name", "code", "kind", "description"]


class DateInput(forms.DateInput):
    input_type = "date"


class RunForm(_CodeFormMixin, forms.ModelForm):
    code_unique_help = _("Unique within the program; used in CSV uploads (not case-sensitive).")

    class Meta:
        model = ProgramRun
        fields = ["code", "name", "starts_on", "ends_on", "is_open"]
        widgets = {"starts_on": DateInput(), "ends_on": DateInput()}


class RunChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, run):
        return run.label


class UTCTimeField(forms.Field):
    """A UTC time typed as YYYY-MM-DD HH:MM[:SS].

    A plain text box, not the browser's datetime widget: that one shows the visitor's
    local format (12/30/2026, 04:37 AM) and leaves unclear which zone is meant.
    """

    def __init__(self, **kwargs):
        attrs = {"placeholder": "YYYY-MM-DD HH:MM:SS", "maxlength": 30, "autocomplete": "off", "spellcheck": "false"}
        kwargs.setdefault("widget", forms.TextInput(attrs=attrs))
        super().__init__(**kwargs)

    def to_python(self, value):
        text = (value or "").strip()
        if not text:
            return None
        try:
            return parse_utc_time(text, seconds_optional=True)
        except ProgramsError as exc:
            raise forms.ValidationError(str(exc)) from None

    def prepare_value(self, value):
        if isinstance(value, datetime):
            return value.astimezone(UTC).strftime(UTC_TIME_FORMAT)
        return value


class _RunsForm(forms.Form):
    def __init__(self, *args, program: Program, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["runs"] = RunChoiceField(
            label=_("Runs"),
            queryset=program.runs.filter(is_open=True).order_by("starts_on", "code"),
            widget=forms.CheckboxSelectMultiple,
            help_text=_("Only open runs are listed."),
        )


class InviteForm(_RunsForm):
    external_learner_id = forms.CharField(label=_("Learner ID"), max_length=100, help_text=_("Student or employee ID."))
    # The database's limit (Django's form field alone would take 320 characters).
    email = forms.EmailField(label=_("Email"), max_length=Invitation._meta.get_field("email").max_length)
    valid_until = UTCTimeField(label=_("Invitation expiry (UTC)"))

    def __init__(self, *args, program: Program, **kwargs):
        super().__init__(*args, program=program, **kwargs)
        now = timezone.now()
        field = self.fields["valid_until"]
        field.initial = (now + DEFAULT_VALIDITY).replace(microsecond=0)
        field.help_text = _(
            "In UTC, as YYYY-MM-DD HH:MM:SS (it is now %(now)s UTC). The emailed link works until this time "
            "or for four weeks, whichever comes first."
        ) % {"now": now.astimezone(UTC).strftime("%Y-%m-%d %H:%M")}
        self.order_fields(["external_learner_id", "email", "runs", "valid_until"])

    def clean_valid_until(self):
        value = self.cleaned_data["valid_until"]
        if value <= timezone.now():
            raise forms.ValidationError(_("The expiry must be in the future."))
        return value


class EnrolForm(_RunsForm):
    external_learner_id = forms.CharField(
        label=_("Learner ID"),
        max_length=100,
        help_text=_("The learner must have accepted an invitation of your organisation before."),
    )

    def __init__(self, *args, program: Program, **kwargs):
        super().__init__(*args, program=program, **kwargs)
        self.order_fields(["external_learner_id", "runs"])


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("XLSX or CSV file"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv,text/csv"}),
        error_messages={"required": _("Choose a file to upload.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The limit is a setting (MAX_UPLOAD_BYTES): say the one in force, not the default.
        self.fields["file"].help_text = _(
            "Up to %(limit)s MB. Columns: external_learner_id, email, program_code, program_run_code, expiry_time."
        ) % {"limit": settings.MAX_UPLOAD_BYTES // 1_048_576}


class GrantForm(forms.Form):
    user = forms.ModelChoiceField(label=_("Member"), queryset=get_user_model().objects.none())

    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["user"]
        field.queryset = selectors.grant_candidates(organisation)
        field.label_from_instance = lambda user: user.email


class StartForm(forms.Form):
    """The entry point: which of the two options, then how; leads to that option's form (a GET, changes nothing)."""

    INVITE, ENROL = "invite", "enrol"
    ONE, FILE = "one", "file"

    action = forms.ChoiceField(
        label=_("What would you like to do?"),
        choices=[
            (INVITE, _("Invite learners to microcredentials and degree programs")),
            (ENROL, _("Enrol a single learner on a degree")),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose what you would like to do.")},
    )
    how = forms.ChoiceField(
        label=_("How many learners?"),
        choices=[(ONE, _("One learner")), (FILE, _("Several learners, from an Excel or CSV file"))],
        widget=forms.RadioSelect,
        required=False,
    )
    program = forms.TypedChoiceField(label=_("Program"), coerce=int, required=False, empty_value=None)

    def __init__(self, *args, programs: list[Program], fixed: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.programs = {program.pk: program for program in programs}
        self.fixed = fixed
        if fixed:
            # On a program's page the program is that one; a microcredential offers no direct enrolment.
            self.fields["program"].widget = forms.HiddenInput()
            self.fields["program"].initial = programs[0].pk
            if programs[0].kind != Program.Kind.DEGREE:
                self.fields["action"].choices = self.fields["action"].choices[:1]
                self.fields["action"].initial = self.INVITE
        self.fields["program"].choices = [("", _("Choose a program"))] + [
            (program.pk, f"{program.name} ({program.code}) · {program.get_kind_display()}") for program in programs
        ]
        self.fields["program"].help_text = _("Needed for one learner and for direct enrolment; a file may name any.")

    def clean(self):
        data = super().clean()
        action, how = data.get("action"), data.get("how")
        program = self.programs.get(data.get("program")) if data.get("program") else None
        if action == self.INVITE and not how:
            self.add_error("how", _("Choose one learner or a file."))
        if action == self.INVITE and how == self.ONE and program is None:
            self.add_error("program", _("Choose the program to invite to."))
        if action == self.ENROL:
            if program is None:
                self.add_error("program", _("Choose the degree to enrol on."))
            elif program.kind != Program.Kind.DEGREE:
                self.add_error(
                    "program", _("Direct enrolment is for degree programs; invite learners to a microcredential.")
                )
        data["program"] = program
        return data

    def destination(self, organisation) -> str:
        data = self.cleaned_data
        program = data["program"]
        if data["action"] == self.ENROL:
            return reverse("programs:enrol", kwargs={"org_slug": organisation.slug, "program_id": program.pk})
        if data["how"] == self.ONE:
            return reverse("programs:invite", kwargs={"org_slug": organisation.slug, "program_id": program.pk})
        url = reverse("programs:import_upload", kwargs={"org_slug": organisation.slug})
        return f"{url}?program={program.pk}" if program else url


class UnenrolForm(forms.Form):
    reason = forms.CharField(
        label=_("Why is this learner unenrolled?"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text=_(
            "Recorded with the unenrolment, with your name and the time; other managers of this program see it."
        ),
        error_messages={"required": _("Say why the learner is unenrolled: the reason is recorded.")},
    )
