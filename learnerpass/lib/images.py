"""Uploaded raster images: look at the header before decoding anything, and shrink once on upload.

A 17 KB PNG can declare 12000 × 12000 pixels and cost 1.25 GB to decode. Pillow reads the
size from the header without decoding; anything larger than MAX_SIDE on either side is
refused with a message (Pillow's own decompression-bomb guard turns into the same message).
"""

import io
import warnings

from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

MAX_SIDE = 4096


class UploadedImageError(ValueError):
    """The image is refused; the message is shown to the user."""


def _too_large() -> UploadedImageError:
    return UploadedImageError(
        _("The image is too large: at most %(side)s × %(side)s pixels.") % {"side": f"{MAX_SIDE:,}"}
    )


def inspect(data: bytes, *, formats: set[str]) -> tuple[str, int, int]:
    """(format, width, height) of an uploaded image, checked without decoding its pixels."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data)) as image:
                fmt, (width, height) = image.format, image.size
                if width > MAX_SIDE or height > MAX_SIDE:
                    raise _too_large()
                if fmt not in formats:
                    raise UploadedImageError(_("This type of image is not accepted."))
                image.verify()
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise _too_large() from None
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
            if isinstance(exc, UploadedImageError):
                raise
            raise UploadedImageError(_("The image could not be read. Upload a PNG, JPEG or WebP file.")) from None
    return fmt, width, height


def downscale_to_png(data: bytes, *, max_side: int) -> bytes:
    """The image at most max_side on its longer side, as a PNG without metadata (call inspect first)."""
    with Image.open(io.BytesIO(data)) as image:
        image.draft("RGB", (max_side, max_side))  # JPEG decodes straight at a smaller scale
        image.thumbnail((max_side, max_side))
        mode = "RGBA" if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info else "RGB"
        out = io.BytesIO()
        image.convert(mode).save(out, format="PNG", optimize=True)
    return out.getvalue()
