"""Certificate PDFs: a pure function from a Certificate row to bytes.

WeasyPrint may fetch only the project's own static files and data: URIs (the QR code, the
logo read from its storage); anything else (uploaded files included) (http, a file elsewhere on the disk) is refused, so no text in a
certificate can make the renderer read or request something it should not.
"""

import base64
import mimetypes
from datetime import date
from functools import lru_cache
from pathlib import Path
from urllib.parse import unquote, urlsplit

import segno
from django.apps import apps
from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils import translation
from django_countries import countries
from weasyprint import HTML, Attachment
from weasyprint.urls import URLFetcher, URLFetcherResponse, path2url

from certificates import content
from certificates.snapshot import snapshot_words
from learnerpass.lib.urls import absolute_url

CSS_PATH = "certificates/pdf.css"
MAX_LOGO_BYTES = 2 * 1024 * 1024


class FetchRefused(ValueError):
    pass


@lru_cache(maxsize=1)
def _static_roots() -> tuple[Path, ...]:
    roots = [Path(p if isinstance(p, str | Path) else p[1]) for p in settings.STATICFILES_DIRS]
    roots += [Path(config.path) / "static" for config in apps.get_app_configs()]
    if settings.STATIC_ROOT:
        roots.append(Path(settings.STATIC_ROOT))
    return tuple(root.resolve() for root in roots if root.is_dir())


def allowed_roots() -> tuple[Path, ...]:
    # Uploaded files never: the logo comes in as a data: URI read from its storage.
    return _static_roots()


class LocalFilesFetcher(URLFetcher):
    """Serves data: URIs and file: URLs under the static and media roots; refuses everything else."""

    def fetch(self, url, headers=None):
        scheme = urlsplit(url).scheme.lower()
        if scheme == "data":
            return super().fetch(url, headers)
        if scheme != "file":
            raise FetchRefused(f"refused to fetch {url!r}: only the project's own files")
        path = Path(unquote(urlsplit(url).path)).resolve()
        if not any(path.is_relative_to(root) for root in allowed_roots()) or not path.is_file():
            raise FetchRefused(f"refused to fetch {url!r}: not a static or media file")
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, path.read_bytes(), headers={"Content-Type": content_type}, status=200)


@lru_cache(maxsize=1)
def _css_url() -> str:
    found = finders.find(CSS_PATH)
    if not found:
        raise RuntimeError(f"static file {CSS_PATH} is missing")
    return path2url(str(Path(found).resolve()))


def _logo_url(organisation) -> str:
    """The logo as a data: URI, read from its storage (local or S3): small, since logos are shrunk on upload."""
    logo = organisation.logo
    if not logo:
        return ""
    try:
        with logo.open("rb") as handle:
            data = handle.read(MAX_LOGO_BYTES + 1)
    except (FileNotFoundError, OSError):
        return ""
    content_type = mimetypes.guess_type(logo.name)[0] or ""
    if len(data) > MAX_LOGO_BYTES or content_type not in {"image/png", "image/jpeg", "image/webp"}:
        return ""
    return f"data:{content_type};base64,{base64.b64encode(data).decode('ascii')}"


def qr_data_uri(url: str) -> str:
    return segno.make(url, error="m").svg_data_uri(scale=4, border=0)


def certificate_html(certificate, language: str | None = None) -> str:
    """The certificate as HTML, in its project's language or in `language` (a copy in another language,
    same code); every learner-written text is escaped by the template."""
    data = certificate.data
    fields = data.get("fields", {})
    project = data.get("project", {})
    organisation = certificate.individual.project.organisation
    language = language or project.get("language") or settings.LANGUAGE_CODE
    try:
        birth_date = date.fromisoformat(fields.get("birth_date", "")) if fields.get("birth_date") else None
    except ValueError:
        birth_date = None
    with translation.override(language):
        context = {
            **snapshot_words(data, language),
            "certificate": certificate,
            "data": data,
            "fields": fields,
            "birth_date": birth_date,
            "project": project,
            "start_date": date.fromisoformat(project["start_date"]),
            "end_date": date.fromisoformat(project["end_date"]),
            "country": countries.name(data.get("country", "")),
            "competences": content.competences(fields),
            "key_competences": content.COMPETENCES[:8],
            "evidence": content.evidence(fields),
            "references": content.references(fields),
            "shows_tasks": "tasks" in data.get("parts", []) and fields.get("tasks"),
            "shows_training": "training_activities" in data.get("parts", []) and fields.get("training_activities"),
            "organisation": organisation,
            "logo_url": _logo_url(organisation),
            "css_url": _css_url(),
            "qr": qr_data_uri(certificate.verify_url),
            "verify_url": certificate.verify_url,
            "verify_form_url": absolute_url("certificates:verify_form"),
            "language": language,
        }
        return render_to_string("certificates/pdf/certificate.html", context)


def base_url() -> str:
    return path2url(str(Path(settings.BASE_DIR, "static").resolve())) + "/"


CREDENTIAL_ATTACHMENT = "credential.json"
# Archival PDF that may carry attachments: the signed credential travels inside the certificate.
PDF_VARIANT = "pdf/a-3b"


def render_certificate_pdf(certificate, language: str | None = None) -> bytes:
    """The certificate as PDF/A-3b; its signed Open Badges 3.0 credential (`certificate.credential`,
    when set) travels inside as an attached file, so the PDF alone carries its proof."""
    html = certificate_html(certificate, language)
    attachments = []
    if certificate.credential:
        attachments.append(
            Attachment(
                string=certificate.credential.encode("utf-8"),
                name=CREDENTIAL_ATTACHMENT,
                description="Open Badges 3.0 verifiable credential (W3C VC, eddsa-rdfc-2022)",
                relationship="Data",
            )
        )
    document = HTML(string=html, base_url=base_url(), url_fetcher=LocalFilesFetcher())
    return document.write_pdf(pdf_variant=PDF_VARIANT, attachments=attachments)
