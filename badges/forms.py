import os

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from badges.models import Activity, BadgeClass, BadgeLink, Playlist, Task
from learnerpass.lib.filenames import validate_no_control_characters

EVIDENCE_EXTENSIONS = {".pdf", ".png", ".jpg", ".jpeg", ".gif", ".webp", ".txt", ".md", ".docx", ".odt", ".pptx",
                       ".xlsx", ".ods", ".odp", ".mp3", ".mp4"}  # fmt: skip
EVIDENCE_MAX_BYTES = min(settings.MAX_UPLOAD_BYTES, 10 * 1024 * 1024)

# Badge names (and the titles they are copied from) name the baked-image downloads: no control characters.
NAME_VALIDATORS = [validate_no_control_characters]


class DateInput(forms.DateInput):
    input_type = "date"


class ActivityForm(forms.ModelForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["title"].validators.extend(NAME_VALIDATORS)

    class Meta:
        model = Activity
        fields = ["title", "description", "criteria", "start_date", "end_date", "place"]
        widgets = {
            "start_date": DateInput(),
            "end_date": DateInput(),
            "description": forms.Textarea(attrs={"rows": 4}),
            "criteria": forms.Textarea(attrs={"rows": 3}),
        }

    def clean(self):
        data = super().clean()
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", _("The end date is before the start date."))
        return data


class PlaylistForm(forms.ModelForm):
    activities = forms.ModelMultipleChoiceField(
        queryset=Activity.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("Activities"),
        help_text=_(
            "Only published activities can be added. New ones go to the end; change the order on the playlist's page."
        ),
    )

    class Meta:
        model = Playlist
        fields = ["title", "description", "rule", "min_count"]
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["title"].validators.extend(NAME_VALIDATORS)
        self.fields["activities"].queryset = Activity.objects.filter(
            organisation=organisation, status="published"
        ).order_by("title", "id")
        if self.instance.pk and not self.is_bound:
            self.initial["activities"] = list(self.instance.items.values_list("activity_id", flat=True))

    def clean(self):
        data = super().clean()
        if data.get("rule") == Playlist.Rule.AT_LEAST:
            chosen = len(data.get("activities") or [])
            if not data.get("min_count"):
                self.add_error("min_count", _("Say how many activities complete the playlist."))
            elif chosen and data["min_count"] > chosen:
                self.add_error(
                    "min_count",
                    ngettext(
                        "N is larger than the %(n)s activity chosen: nobody could complete the playlist.",
                        "N is larger than the %(n)s activities chosen: nobody could complete the playlist.",
                        chosen,
                    )
                    % {"n": chosen},
                )
        return data


class BadgeForm(forms.ModelForm):
    EXPIRY_CHOICES = [
        ("never", _("Never expires")),
        ("after", _("Expires a number of days or months after it is issued")),
        ("on", _("Expires on a fixed date")),
    ]

    image = forms.FileField(
        label=_("Image"),
        required=False,
        help_text=_("PNG or SVG, at most 512 KB. Without one, a clean image is generated from the name."),
    )
    remove_image = forms.BooleanField(label=_("Use the generated image instead"), required=False)
    expiry = forms.ChoiceField(
        label=_("Expiry"),
        choices=EXPIRY_CHOICES,
        widget=forms.RadioSelect,
        initial="never",
        help_text=_("Applies to every badge issued from now on, by email, link, QR code, tasks or playlist."),
    )
    expires_after = forms.IntegerField(label=_("Number of days or months"), required=False, min_value=1)
    expires_after_unit = forms.ChoiceField(
        label=_("Days or months"), choices=BadgeClass.ExpiryUnit.choices, initial=BadgeClass.ExpiryUnit.MONTHS
    )
    expires_on = forms.DateField(
        label=_("Fixed expiry date"),
        required=False,
        widget=DateInput(format="%Y-%m-%d"),
        help_text=_("The badge is valid until the end of that day (UTC)."),
    )
    tags = forms.CharField(
        label=_("Tags"),
        required=False,
        max_length=1200,
        help_text=_("Words that describe the badge, separated by commas (e.g. first aid, outdoors)."),
    )

    class Meta:
        model = BadgeClass
        fields = ["name", "description", "criteria"]
        widgets = {"description": forms.Textarea(attrs={"rows": 4}), "criteria": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name"].validators.extend(NAME_VALIDATORS)
        if not self.instance.image:
            # Nothing uploaded: the generated image is already in use.
            del self.fields["remove_image"]
        badge = self.instance
        if not self.is_bound:
            self.initial["expiry"] = "on" if badge.expires_on else "after" if badge.expires_after else "never"
            self.initial["expires_after"] = badge.expires_after
            self.initial["expires_after_unit"] = badge.expires_after_unit
            self.initial["expires_on"] = badge.expires_on
            self.initial["tags"] = ", ".join(badge.tags or [])

    def clean(self):
        data = super().clean()
        choice = data.get("expiry")
        if choice == "after" and not data.get("expires_after"):
            self.add_error("expires_after", _("Say after how many days or months the badge expires."))
        if choice == "on" and not data.get("expires_on"):
            self.add_error("expires_on", _("Choose the date the badge expires."))
        return data

    def expiry_rule(self):
        """The chosen rule as the service takes it (only the fields of the chosen option count)."""
        from badges.services import Expiry

        data = self.cleaned_data
        if data["expiry"] == "after":
            return Expiry(after=data["expires_after"], unit=data["expires_after_unit"])
        if data["expiry"] == "on":
            return Expiry(on=data["expires_on"])
        return Expiry()

    def tag_list(self) -> list[str]:
        return self.cleaned_data.get("tags", "").split(",")


class AlignmentForm(forms.Form):
    """One Open Badges 2.0 alignment: what the badge stands for in a framework (a skill in ESCO…)."""

    targetName = forms.CharField(label=_("Name"), max_length=500, required=False)  # noqa: N815 (the OB 2.0 key)
    targetUrl = forms.URLField(label=_("URL"), max_length=500, required=False, assume_scheme="https")  # noqa: N815
    targetDescription = forms.CharField(  # noqa: N815
        label=_("Description"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    targetFramework = forms.CharField(label=_("Framework"), max_length=500, required=False)  # noqa: N815
    targetCode = forms.CharField(label=_("Code in the framework"), max_length=500, required=False)  # noqa: N815

    def clean(self):
        data = super().clean()
        if any(data.values()) and not (data.get("targetName") and data.get("targetUrl")):
            raise forms.ValidationError(_("An alignment needs both the name and the URL of what it aligns to."))
        return data


AlignmentFormSet = forms.formset_factory(AlignmentForm, extra=1, max_num=10, validate_max=True)


def alignment_formset(badge: BadgeClass, data=None):
    return AlignmentFormSet(data, initial=list(badge.alignment or []), prefix="alignment")


class LinkForm(forms.ModelForm):
    new_code = forms.BooleanField(
        label=_("Replace the link with a new one (the old link and QR code stop working)"), required=False
    )

    class Meta:
        model = BadgeLink
        fields = ["enabled", "expires_at", "max_claims"]
        widgets = {"expires_at": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")}


class IssueEmailsForm(forms.Form):
    emails = forms.CharField(
        label=_("Email addresses"),
        widget=forms.Textarea(attrs={"rows": 4, "placeholder": "ana@example.org, ben@example.org"}),
        help_text=_("One or many, separated by commas, spaces or new lines."),
    )
    expires = forms.DateTimeField(
        label=_("Badge expires (UTC, optional)"),
        required=False,
        help_text=_("Leave it empty to follow the badge's own expiry rule (set on the badge's edit page)."),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )


class InviteForm(forms.Form):
    emails = forms.CharField(
        label=_("Email addresses"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One or many, separated by commas, spaces or new lines."),
    )


class TaskForm(forms.ModelForm):
    class Meta:
        model = Task
        fields = ["title", "description", "evidence_kind", "approval", "peer_review_days"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}

    def clean_peer_review_days(self):
        days = self.cleaned_data["peer_review_days"]
        if not 1 <= days <= 90:
            raise forms.ValidationError(_("Between 1 and 90 days."))
        return days


class RevokeForm(forms.Form):
    reason = forms.CharField(label=_("Reason (published)"), max_length=500)


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", _("Approve")), ("reject", _("Reject"))])
    comment = forms.CharField(label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class HolderNameForm(forms.Form):
    show = forms.BooleanField(label=_("Show my name on this page"), required=False)
    name = forms.CharField(label=_("Name shown"), max_length=200, required=False)


class EvidenceForm(forms.Form):
    text = forms.CharField(label=_("Your evidence"), required=False, widget=forms.Textarea(attrs={"rows": 4}))
    url = forms.URLField(label=_("Link to your work"), required=False, assume_scheme="https")
    file = forms.FileField(label=_("File"), required=False)

    def __init__(self, *args, task: Task, **kwargs):
        super().__init__(*args, **kwargs)
        self.task = task
        kind = task.evidence_kind
        if kind != Task.Evidence.TEXT:
            self.fields["text"].label = _("Note (optional)")
        if kind != Task.Evidence.LINK:
            del self.fields["url"]
        else:
            self.fields["url"].required = True
        if kind != Task.Evidence.FILE:
            del self.fields["file"]
        else:
            self.fields["file"].required = True
            self.fields["file"].help_text = _(
                "At most %(mb)s MB: PDF, images, text, office documents, audio or video."
            ) % {"mb": EVIDENCE_MAX_BYTES // 1_048_576}
        if kind == Task.Evidence.TEXT:
            self.fields["text"].required = True

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if upload is None:
            return upload
        if upload.size > EVIDENCE_MAX_BYTES:
            raise forms.ValidationError(
                _("The file is too large: at most %(mb)s MB.") % {"mb": EVIDENCE_MAX_BYTES // 1_048_576}
            )
        ext = os.path.splitext(upload.name)[1].lower()
        if ext not in EVIDENCE_EXTENSIONS:
            raise forms.ValidationError(_("This type of file is not accepted."))
        head = upload.read(8)
        upload.seek(0)
        if ext == ".pdf" and not head.startswith(b"%PDF"):
            raise forms.ValidationError(_("This file is not a real PDF."))
        if ext == ".png" and not head.startswith(b"\x89PNG"):
            raise forms.ValidationError(_("This file is not a real PNG image."))
        if ext in {".jpg", ".jpeg"} and not head.startswith(b"\xff\xd8"):
            raise forms.ValidationError(_("This file is not a real JPEG image."))
        return upload
