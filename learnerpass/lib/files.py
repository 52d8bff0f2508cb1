"""The one place that builds responses carrying uploaded or derived file content.

Whatever the bytes are (an image an organiser uploaded, a baked badge, evidence, a PDF), the
browser must never treat them as a page of this site: every such response says what it is
(`X-Content-Type-Options: nosniff`) and runs in a sandbox with nothing allowed but the image
itself (`Content-Security-Policy: sandbox; default-src 'none'; ...`). Evidence, PDFs and
archives download as attachments, with their name through the site's one naming rule
(learnerpass/lib/filenames.py: no header injection, non-ASCII names encoded properly).
"""

import mimetypes

from django.core.files.storage import storages
from django.http import FileResponse, Http404, HttpResponse

from learnerpass.lib.filenames import name_download
from learnerpass.lib.storage import PUBLIC

# An SVG image may style itself and draw embedded raster images (data: URIs); nothing else.
FILE_CSP = "sandbox; default-src 'none'; img-src data:; style-src 'unsafe-inline'; frame-ancestors 'none'"

# Types served inline from public storage; anything else downloads.
INLINE_TYPES = {"image/png", "image/jpeg", "image/webp", "image/gif", "image/svg+xml"}


def secure(response: HttpResponse, *, filename: str | None = None, attachment: bool = False, public: bool = False):
    """Add the file headers to a response built elsewhere."""
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = FILE_CSP
    response["Cross-Origin-Resource-Policy"] = "cross-origin" if public else "same-origin"
    if public:
        # Backpacks and verifiers in browsers fetch badge images from other origins.
        response["Access-Control-Allow-Origin"] = "*"
    else:
        response["Cache-Control"] = "private, no-store"
    if attachment or filename:
        name_download(response, filename or "download", attachment=attachment)
    return response


def bytes_response(
    data: bytes, *, content_type: str, filename: str | None = None, attachment: bool = False, public: bool = False
) -> HttpResponse:
    return secure(
        HttpResponse(data, content_type=content_type), filename=filename, attachment=attachment, public=public
    )


def stored_file_response(
    field_file,
    *,
    content_type: str | None = None,
    filename: str | None = None,
    attachment: bool = True,
    public: bool = False,
) -> FileResponse:
    """Stream a stored file (a FieldFile) from its storage; 404 when it is missing."""
    if not field_file:
        raise Http404("No file.")
    try:
        handle = field_file.open("rb")
    except FileNotFoundError:
        raise Http404("File missing.") from None
    content_type = content_type or mimetypes.guess_type(field_file.name)[0] or "application/octet-stream"
    response = FileResponse(handle, content_type=content_type)
    return secure(response, filename=filename, attachment=attachment, public=public)


def public_file(request, name: str) -> FileResponse:
    """Any file of the public storage by its (random) name: images inline, everything else as a download."""
    storage = storages[PUBLIC]
    if ".." in name.split("/") or name.startswith("/"):
        raise Http404("No such file.")
    try:
        handle = storage.open(name, "rb")
    except (FileNotFoundError, OSError):
        raise Http404("No such file.") from None
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    inline = content_type in INLINE_TYPES
    response = FileResponse(handle, content_type=content_type if inline else "application/octet-stream")
    response["Cache-Control"] = "public, max-age=86400"
    return secure(response, attachment=not inline, filename=None if inline else name.rsplit("/", 1)[-1], public=True)
