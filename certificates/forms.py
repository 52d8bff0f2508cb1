import re

from django import forms
from django.conf import settings
from django.core.validators import validate_email
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django_countries import countries
from django_countries.fields import LazyTypedChoiceField

from certificates import content
from certificates.models import Individual, Programme, Project
from certificates.services.bulk import ACTIONS as BULK_ACTIONS
from learnerpass.lib.filenames import validate_no_control_characters

# Names reach file names (the PDF is named after its holder, the ZIP after the project): no control characters.
NAME_VALIDATORS = [validate_no_control_characters]


def country_choices():
    return [("", "---------"), *countries]


class DateInput(forms.DateInput):
    input_type = "date"


class ProjectForm(forms.ModelForm):
    class Meta:
        model = Project
        fields = [
            "title",
            "programme",
            "programme_name",
            "grant_number",
            "activity_type",
            "start_date",
            "end_date",
            "venue",
            "description",
            "language",
            "representative_name",
            "representative_role",
            "mentor_name",
            "mentor_role",
        ]
        widgets = {
            "start_date": DateInput(),
            "end_date": DateInput(),
            "description": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {
            "activity_type": _(
                "The activity type decides what learners describe: training activities for training courses and "
                "youth exchanges; tasks for volunteering, solidarity projects and youth participation activities; "
                "both for other activities. Team members always describe their tasks."
            ),
            "language": _(
                "The language of the certificate, its verification page, the guidance in the learner's form and "
                "the emails to learners. A learner may also download their certificate in another language."
            ),
            "programme": _("Printed on the certificate, with the project or grant number."),
            "programme_name": _("Only for another programme: its name as the certificate should print it."),
            "grant_number": _("As in the grant agreement, e.g. 2026-1-PT02-KA152-YOU-000123."),
            "representative_name": _("Signs the certificate for the organisation."),
            "mentor_name": _("Optional: signs the certificate beside the representative."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["title"].validators.extend(NAME_VALIDATORS)

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start_date"), cleaned.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", _("The project cannot end before it starts."))
        if cleaned.get("programme") == Programme.OTHER and not (cleaned.get("programme_name") or "").strip():
            self.add_error("programme_name", _("Name the programme, as the certificate should print it."))
        elif cleaned.get("programme") != Programme.OTHER:
            cleaned["programme_name"] = ""
        # A role without a name would silently vanish from the certificate.
        if (cleaned.get("mentor_role") or "").strip() and not (cleaned.get("mentor_name") or "").strip():
            self.add_error("mentor_name", _("Give the mentor's name too, or leave the role empty."))
        return cleaned


class PartnerForm(forms.Form):
    """One partner organisation of a project: both a name and a country, or neither (the row is left out)."""

    name = forms.CharField(label=_("Partner organisation"), max_length=200, required=False)
    country = LazyTypedChoiceField(label=_("Country"), choices=country_choices, required=False)

    def clean(self):
        cleaned = super().clean()
        name, country = (cleaned.get("name") or "").strip(), cleaned.get("country")
        if name and not country:
            self.add_error("country", _("Choose the partner's country."))
        elif country and not name:
            self.add_error("name", _("Name the partner organisation."))
        cleaned["name"] = name
        return cleaned


class BasePartnerFormSet(forms.BaseFormSet):
    def _construct_form(self, i, **kwargs):
        form = super()._construct_form(i, **kwargs)
        # Numbered labels, so each row's fields can be told apart (also by screen readers).
        form.fields["name"].label = format_lazy(_("Partner organisation {n}"), n=i + 1)
        form.fields["country"].label = format_lazy(_("Country of partner {n}"), n=i + 1)
        return form

    def partners(self) -> list[dict]:
        """The filled rows, in order, as the service takes them."""
        return [
            {"name": form.cleaned_data["name"], "country": form.cleaned_data["country"]}
            for form in self.forms
            if form.cleaned_data.get("name")
        ]


MAX_PARTNERS = 30
PartnerFormSet = forms.formset_factory(
    PartnerForm, formset=BasePartnerFormSet, extra=3, max_num=MAX_PARTNERS, validate_max=True
)


def partner_formset(data=None, project: Project | None = None) -> BasePartnerFormSet:
    initial = [{"name": p.name, "country": p.country.code} for p in project.partners.all()] if project else []
    return PartnerFormSet(data, prefix="partners", initial=initial)


class IndividualForm(forms.Form):
    first_name = forms.CharField(
        label=_("First name"), max_length=100, validators=NAME_VALIDATORS, widget=forms.TextInput(attrs={"dir": "auto"})
    )
    surname = forms.CharField(
        label=_("Surname"), max_length=100, validators=NAME_VALIDATORS, widget=forms.TextInput(attrs={"dir": "auto"})
    )
    # The column's limit (Django's form field alone would take 320 characters).
    email = forms.EmailField(label=_("Email"), max_length=Individual._meta.get_field("email").max_length)
    # A callable, so the names follow the language of each request.
    country = LazyTypedChoiceField(label=_("Country of residence"), choices=country_choices)
    role = forms.ChoiceField(label=_("Role"), choices=Individual.Role.choices, initial=Individual.Role.PARTICIPANT)


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV or XLSX file"),
        help_text=_("Columns: first_name, surname, email, country (ISO code or English name), role (optional)."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,text/csv"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        name = (upload.name or "").lower()
        if not name.endswith((".csv", ".xlsx", ".txt")):
            raise forms.ValidationError(_("Upload a .csv or .xlsx file."))
        if upload.size > settings.MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                _("The file is too large; the limit is %(limit)s MB.")
                % {"limit": settings.MAX_UPLOAD_BYTES // 1_048_576}
            )
        return upload


class InviteToEditForm(forms.Form):
    message = forms.CharField(
        label=_("Personal message (optional)"),
        help_text=_("Shown in the email and on the learner's page: resources to read, whom to ask…"),
        required=False,
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 3, "dir": "auto"}),
    )
    deadline = forms.DateField(
        label=_("Deadline (optional)"),
        help_text=_("Shown to the learner; a reminder is emailed a few days before."),
        required=False,
        widget=DateInput(),
    )

    def clean_deadline(self):
        deadline = self.cleaned_data.get("deadline")
        if deadline and deadline < timezone.now().date():
            raise forms.ValidationError(_("The deadline cannot be in the past."))
        return deadline


class BulkForm(InviteToEditForm):
    """One message (and deadline) for many: the selected individuals, or everyone the action has not reached."""

    action = forms.ChoiceField(label=_("Send"), choices=list(BULK_ACTIONS.items()))
    scope = forms.ChoiceField(
        label=_("To"),
        choices=[
            ("selected", _("The individuals selected below")),
            ("pending", _("Everyone not yet invited (for Remind: everyone not yet submitted)")),
        ],
        initial="selected",
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )
    batch = forms.CharField(max_length=40, widget=forms.HiddenInput)

    def selected_ids(self) -> list[int]:
        """The ticked checkboxes (any integers; the service keeps only this project's individuals)."""
        return [int(value) for value in self.data.getlist("ids") if value.isdigit()][:10_000]


PHONE_RE = re.compile(r"^\+?[0-9][0-9 ().\-/]{4,24}$")


def _is_contact(value: str) -> bool:
    if "@" in value:
        try:
            validate_email(value)
        except forms.ValidationError:
            return False
        return True
    return bool(PHONE_RE.match(value))


def _label(key: str):
    return content.FIELDS_BY_KEY[key].label


class CertificateDataForm(forms.Form):
    """Every field of the certificate data. Drafts may be incomplete; submit_clean checks a submission."""

    def __init__(
        self,
        *args,
        parts: tuple[str, ...] = ("tasks", "training_activities"),
        comments=None,
        strict: bool = True,
        names: bool = True,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.parts = parts
        self.strict = strict
        self.comments = comments or {}
        textarea = forms.Textarea(attrs={"rows": 4})
        # The organiser's form asks for the name once, with the individual's details (names=False).
        if names:
            self.fields["first_name"] = forms.CharField(
                label=_("First name"), max_length=100, required=False, validators=NAME_VALIDATORS
            )
            self.fields["surname"] = forms.CharField(
                label=_("Surname"), max_length=100, required=False, validators=NAME_VALIDATORS
            )
        self.fields["birth_date"] = forms.DateField(label=_("Birth date"), required=False, widget=DateInput())
        self.fields["birth_place"] = forms.CharField(label=_("Birth place"), max_length=200, required=False)
        if "tasks" in parts:
            self.fields["tasks"] = forms.CharField(
                label=_("Tasks"),
                help_text=_("What did you do in the project? One task per line."),
                max_length=10000,
                required=False,
                widget=textarea,
            )
        if "training_activities" in parts:
            self.fields["training_activities"] = forms.CharField(
                label=_("Training activities"),
                help_text=_("Which sessions, workshops or activities did you take part in? One per line."),
                max_length=10000,
                required=False,
                widget=textarea,
            )
        for competence in content.COMPETENCES:
            self.fields[f"competence_{competence.key}"] = forms.CharField(
                label=competence.title,
                # What the competence covers, then the question that helps to write about it.
                help_text=format_lazy("{} {}", competence.description, competence.question),
                max_length=10000,
                required=False,
                widget=textarea,
            )
        for n in range(1, content.EVIDENCE_ROWS + 1):
            self.fields[f"evidence_{n}_title"] = forms.CharField(
                label=_label(f"evidence_{n}_title"), max_length=200, required=False
            )
            # A draft keeps a half-typed link as it is (autosave must never lose typing); links are
            # checked when the learner submits.
            self.fields[f"evidence_{n}_url"] = (
                forms.URLField(label=_label(f"evidence_{n}_url"), max_length=500, required=False, assume_scheme="https")
                if strict
                else forms.CharField(label=_label(f"evidence_{n}_url"), max_length=500, required=False)
            )
        for n in range(1, content.REFERENCE_ROWS + 1):
            for part in ("name", "role", "contact"):
                key = f"reference_{n}_{part}"
                self.fields[key] = forms.CharField(label=_label(key), max_length=200, required=False)
        # Learners write in any script: each text takes its direction from its own first letters, so an
        # Arabic name or a phone number beside it is not reordered.
        for field in self.fields.values():
            if isinstance(field.widget, forms.TextInput | forms.Textarea | forms.URLInput):
                field.widget.attrs["dir"] = "auto"

    def clean(self):
        cleaned = super().clean()
        if self.strict:
            self._check_rows(cleaned)
        return cleaned

    def _check_rows(self, cleaned) -> None:
        for n in range(1, content.EVIDENCE_ROWS + 1):
            key = f"evidence_{n}_url"
            if cleaned.get(f"evidence_{n}_title") and not cleaned.get(key) and key not in self.errors:
                self.add_error(key, _("Add the link for this title."))
        for n in range(1, content.REFERENCE_ROWS + 1):
            if (cleaned.get(f"reference_{n}_role") or cleaned.get(f"reference_{n}_contact")) and not cleaned.get(
                f"reference_{n}_name"
            ):
                self.add_error(f"reference_{n}_name", _("Whose role or contact is this? Add the name."))
            contact = cleaned.get(f"reference_{n}_contact") or ""
            if contact and not _is_contact(contact):
                self.add_error(f"reference_{n}_contact", _("Enter an email address or a phone number."))

    def data_dict(self) -> dict:
        values = {}
        for key in content.FIELD_KEYS:
            value = self.cleaned_data.get(key)
            values[key] = value.isoformat() if hasattr(value, "isoformat") else (value or "")
        return content.clean_data(values)

    def check_complete(self) -> bool:
        """The stricter check of a submission; adds errors and returns whether it passed."""
        if not self.is_valid():
            return False
        cleaned = self.cleaned_data
        if not self.strict:
            url_field = forms.URLField(max_length=500, required=False, assume_scheme="https")
            for n in range(1, content.EVIDENCE_ROWS + 1):
                key = f"evidence_{n}_url"
                try:
                    cleaned[key] = url_field.clean(cleaned.get(key, ""))
                except forms.ValidationError as exc:
                    self.add_error(key, exc)
            self._check_rows(cleaned)
        for key in ("first_name", "surname", "birth_date"):
            if key in self.fields and not cleaned.get(key):
                self.add_error(key, _("This is needed on the certificate."))
        for part in self.parts:
            if not cleaned.get(part):
                self.add_error(part, _("Describe this part of the project."))
        if not any(cleaned.get(f"competence_{c.key}") for c in content.COMPETENCES):
            self.add_error(
                f"competence_{content.COMPETENCES[0].key}",
                _("Write about at least one competence: that is the heart of the certificate."),
            )
        return not self.errors

    def groups(self) -> list[dict]:
        """Bound fields in the sections the page shows, with the organiser's comment beside each."""

        def item(key):
            return {"field": self[key], "comment": self.comments.get(key, "")}

        part_keys = [k for k in ("tasks", "training_activities") if k in self.fields]
        return [
            {
                "title": content.GROUP_PERSONAL,
                "entries": [
                    item(k) for k in ("first_name", "surname", "birth_date", "birth_place") if k in self.fields
                ],
            },
            {"title": content.GROUP_PROJECT, "entries": [item(k) for k in part_keys]},
            {"title": content.GROUP_COMPETENCES, "entries": [item(f"competence_{c.key}") for c in content.COMPETENCES]},
            {
                "title": content.GROUP_EVIDENCE,
                "rows": [
                    [item(f"evidence_{n}_title"), item(f"evidence_{n}_url")]
                    for n in range(1, content.EVIDENCE_ROWS + 1)
                ],
            },
            {
                "title": content.GROUP_REFERENCES,
                "rows": [
                    [item(f"reference_{n}_name"), item(f"reference_{n}_role"), item(f"reference_{n}_contact")]
                    for n in range(1, content.REFERENCE_ROWS + 1)
                ],
            },
        ]


class RequestChangesForm(forms.Form):
    comment = forms.CharField(
        label=_("General comment"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def field_comments(self, data) -> dict[str, str]:
        return {
            key: (data.get(f"comment_{key}") or "")[:3000] for key in content.FIELD_KEYS if data.get(f"comment_{key}")
        }


class RevokeForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class VerifyForm(forms.Form):
    code = forms.CharField(label=_("Certificate code"), max_length=40)
