"""Names that reach HTTP headers and file names.

At input, names and codes that end up in a download's name (badge names, program and run codes,
project titles, people's names on certificates, uploaded file names) refuse control characters:
a line break in a header is a 500 (BadHeaderError) or, worse, a second header. Program and run
codes follow one pattern (CODE_PATTERN).

At output, every download name goes through `content_disposition`, which drops what a file name
cannot hold and lets Django's `content_disposition_header` quote or percent-encode the rest (so a
code like `x"; filename*=UTF-8''evil.html` stays one quoted name, and "Éducation" arrives as
`filename*=utf-8''%C3%89ducation` rather than a garbled `=?utf-8?b?…?=`). Rows stored before these
rules still download.
"""

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.utils.http import content_disposition_header
from django.utils.translation import gettext_lazy as _

# C0 and C1 controls, DEL, the Unicode line and paragraph separators and the bidirectional overrides
# (which make "evil‮fdp.exe" read as "evilexe.pdf").
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")

# Program and run codes: a letter or digit, then letters, digits, dots, hyphens or underscores.
CODE_PATTERN = r"[A-Za-z0-9][A-Za-z0-9._-]*"
CODE_MAX_LENGTH = 50
CODE_HELP = _(
    "Letters, digits, dots, hyphens and underscores, starting with a letter or digit (for example MC-DATA or "
    "2026-SPRING); at most 50 characters."
)

validate_code = RegexValidator(
    rf"\A{CODE_PATTERN}\Z",
    message=_(
        "A code uses letters, digits, dots, hyphens and underscores only, and starts with a letter or digit "
        "(for example MC-DATA or 2026-SPRING)."
    ),
    code="invalid_code",
)


def has_control_characters(text: str) -> bool:
    return bool(_CONTROL.search(text or ""))


def validate_no_control_characters(value: str) -> None:
    """A validator for form and model fields whose value reaches a header or a file name."""
    if has_control_characters(value):
        raise ValidationError(
            _("Remove the line breaks, tabs and other control characters."), code="control_characters"
        )


def code_problem(code: str) -> str | None:
    """Why a program or run code is refused, or None (the message for a service's error)."""
    if len(code) > CODE_MAX_LENGTH:
        return str(_("A code has at most 50 characters."))
    try:
        validate_code(code)
    except ValidationError as exc:
        return str(exc.messages[0])
    return None


MAX_NAME_LENGTH = 150


def download_name(name: str, *, fallback: str = "download") -> str:
    """A name a browser can save: no controls or invisible format characters, no path separators or quotes."""
    cleaned = "".join(
        " " if _CONTROL.match(ch) or unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") else ch for ch in name or ""
    )
    cleaned = re.sub(r'[\\/"]', "-", cleaned)
    cleaned = re.sub(r"\s+", " ", cleaned).strip(" .")
    if len(cleaned) > MAX_NAME_LENGTH:
        stem, dot, extension = cleaned.rpartition(".")
        if dot and 0 < len(extension) <= 10:
            cleaned = stem[: MAX_NAME_LENGTH - len(extension) - 1].rstrip(" .") + "." + extension
        else:
            cleaned = cleaned[:MAX_NAME_LENGTH]
    return cleaned or fallback


def content_disposition(filename: str, *, attachment: bool = True) -> str:
    """The Content-Disposition value for a download: every download name of the site goes through here."""
    return content_disposition_header(attachment, download_name(filename))


def name_download(response, filename: str, *, attachment: bool = True):
    """Give a response its download name; returns the response."""
    response["Content-Disposition"] = content_disposition(filename, attachment=attachment)
    return response
