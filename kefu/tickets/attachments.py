"""Storing files customers send: the type is sniffed from the bytes (never trusted from the name
or the browser), sizes and image dimensions are checked, and nothing is kept when a check fails."""

from __future__ import annotations

import hashlib
import io
import warnings

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.utils.text import get_valid_filename
from PIL import Image

from kefu.errors import ApiError
from kefu.events.services import record_event
from kefu.trust.masking import without_secrets

from .models import Attachment, Ticket

IMAGE_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg", "GIF": "image/gif", "WEBP": "image/webp"}
EXTENSIONS = {
    "image/png": "png",
    "image/jpeg": "jpg",
    "image/gif": "gif",
    "image/webp": "webp",
    "application/pdf": "pdf",
}


def store_image(ticket: Ticket, upload: UploadedFile) -> Attachment:
    """An image sent in chat; anything else is refused."""
    return store_attachment(ticket, upload.name or "image", _read(upload), images_only=True)


def store_upload(ticket: Ticket, upload: UploadedFile) -> Attachment:
    """A screenshot or document attached to a ticket (images and PDFs)."""
    return store_attachment(ticket, upload.name or "file", _read(upload))


def store_attachment(
    ticket: Ticket, name: str, data: bytes, *, images_only: bool = False
) -> Attachment:
    """Keep ``data`` as an attachment of ``ticket`` if its bytes are an allowed type.

    The name's extension is replaced by the sniffed type's, so an executable renamed to .png is
    refused and a PDF renamed to .exe is stored as .pdf.
    """
    _check_size(len(data))
    width: int | None = None
    height: int | None = None
    if data.startswith(b"%PDF-") and not images_only:
        content_type = "application/pdf"
    else:
        content_type, width, height = _sniff_image(data, images_only=images_only)
        side = settings.KEFU_ATTACHMENT_MAX_SIDE
        if width > side or height > side or width < 1 or height < 1:
            raise ApiError(
                "attachment_dimensions", f"Images may be at most {side} pixels on a side.", 400
            )
    # A secret in a file name is masked like one in a message (before the name is tidied,
    # which would join a seed phrase's words with underscores).
    stem = get_valid_filename(without_secrets(name).rsplit(".", 1)[0])[:80] or "file"
    filename = f"{stem}.{EXTENSIONS[content_type]}"
    attachment = Attachment(
        ticket=ticket,
        name=filename,
        content_type=content_type,
        size=len(data),
        width=width,
        height=height,
        sha256=hashlib.sha256(data).hexdigest(),
    )
    attachment.file.save(filename, ContentFile(data), save=False)
    try:
        attachment.save()
        record_event(
            "ticket.attachment_added",
            ticket,
            data={"attachment": attachment.pk, "content_type": content_type, "size": len(data)},
        )
    except Exception:
        attachment.file.delete(save=False)
        raise
    return attachment


def _read(upload: UploadedFile) -> bytes:
    limit = settings.KEFU_ATTACHMENT_MAX_BYTES
    if upload.size is None:
        raise ApiError("attachment_too_large", _too_large(), 413)
    _check_size(upload.size)
    data = upload.read(limit + 1)
    _check_size(len(data))
    return bytes(data)


def _check_size(size: int) -> None:
    if size > settings.KEFU_ATTACHMENT_MAX_BYTES:
        raise ApiError("attachment_too_large", _too_large(), 413)
    if size == 0:
        raise ApiError("attachment_empty", "The file is empty.", 400)


def _too_large() -> str:
    return f"Files are limited to {settings.KEFU_ATTACHMENT_MAX_BYTES // (1024 * 1024)} MiB."


def _sniff_image(data: bytes, *, images_only: bool) -> tuple[str, int, int]:
    refused = (
        "Only PNG, JPEG, GIF and WebP images can be sent."
        if images_only
        else "Only images (PNG, JPEG, GIF, WebP) and PDF documents can be attached."
    )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                kind = image.format or ""
                width, height = image.size
                if kind in IMAGE_TYPES:
                    image.verify()
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise ApiError("attachment_dimensions", "The image is too large.", 400) from None
    except Exception:
        raise ApiError("attachment_type", refused, 415) from None
    if kind not in IMAGE_TYPES:
        raise ApiError("attachment_type", refused, 415)
    return IMAGE_TYPES[kind], width, height
