from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from credentials import verification

# A certificate PDF with its attachment is well under this; anything bigger is not ours to read.
MAX_VERIFY_UPLOAD_BYTES = 10 * 1024 * 1024


class VerifyForm(forms.Form):
    file = forms.FileField(
        label=_("Credential file (.json) or certificate PDF"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".json,.jsonld,.pdf,application/json,application/pdf"}),
    )
    text = forms.CharField(
        label=_("…or paste the credential JSON"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false"}),
        max_length=verification.MAX_JSON_BYTES,
    )

    def clean(self):
        cleaned = super().clean()
        upload, text = cleaned.get("file"), (cleaned.get("text") or "").strip()
        if not upload and not text:
            raise forms.ValidationError(_("Upload a credential or a certificate PDF, or paste the credential."))
        if upload:
            limit = min(MAX_VERIFY_UPLOAD_BYTES, settings.MAX_UPLOAD_BYTES)
            if upload.size > limit:
                raise forms.ValidationError(
                    _("The file is larger than %(mb)s MB.") % {"mb": f"{limit / 1024 / 1024:.0f}"}
                )
            data = upload.read(limit + 1)
        else:
            data = text.encode("utf-8")
        try:
            cleaned["credential"] = verification.credential_from_bytes(data)
        except verification.UnreadableCredential as exc:
            raise forms.ValidationError(str(exc)) from None
        return cleaned
