from django import forms
from django.utils.translation import gettext_lazy as _

from organisations.models import Organisation, Role


class OrganisationForm(forms.ModelForm):
    class Meta:
        model = Organisation
        fields = ["name", "contact_email", "website", "description"]


class OrganisationProfileForm(forms.ModelForm):
    class Meta:
        model = Organisation
        fields = ["name", "contact_email", "website", "description", "logo"]

    def clean_logo(self):
        logo = self.cleaned_data.get("logo")
        if logo and getattr(logo, "size", 0) > 2 * 1024 * 1024:
            raise forms.ValidationError(_("The logo must be 2 MB or smaller."))
        # A new upload carries the image Pillow opened; certificates and badges need one of these.
        image = getattr(logo, "image", None)
        if image is not None and image.format not in {"PNG", "JPEG", "WEBP"}:
            raise forms.ValidationError(_("Upload the logo as PNG, JPEG or WebP."))
        return logo


class MemberInviteForm(forms.Form):
    email = forms.EmailField(label=_("Email"))
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
