from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from learnerpass.lib import images
from organisations.models import Organisation, Role


class OrganisationForm(forms.ModelForm):
    class Meta:
        model = Organisation
        fields = ["name", "contact_email", "website", "description"]


MAX_LOGO_BYTES = 2 * 1024 * 1024


class OrganisationProfileForm(forms.ModelForm):
    # A plain file field: the image is inspected here from its header only (never decoded at
    # full size), and the service stores a shrunk copy.
    logo = forms.FileField(
        label=_("Logo"),
        required=False,
        widget=forms.ClearableFileInput,
        help_text=_("PNG, JPEG or WebP, at most 2 MB and 4,096 × 4,096 pixels; it is shrunk to fit 600 pixels."),
    )

    class Meta:
        model = Organisation
        fields = ["name", "contact_email", "website", "description", "logo"]

    def clean_logo(self):
        logo = self.cleaned_data.get("logo")
        if not isinstance(logo, UploadedFile):
            return logo  # unchanged, or False when cleared
        if logo.size > MAX_LOGO_BYTES:
            raise forms.ValidationError(_("The logo must be 2 MB or smaller."))
        data = logo.read(MAX_LOGO_BYTES + 1)
        logo.seek(0)
        try:
            fmt, _width, _height = images.inspect(data, formats={"PNG", "JPEG", "WEBP"})
        except images.UploadedImageError as exc:
            if "type of image" in str(exc):
                raise forms.ValidationError(_("Upload the logo as PNG, JPEG or WebP.")) from None
            raise forms.ValidationError(str(exc)) from None
        return logo


class MemberInviteForm(forms.Form):
    email = forms.EmailField(label=_("Email"))
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
