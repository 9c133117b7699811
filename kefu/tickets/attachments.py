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

from .models import Attachment, Ticket

IMAGE_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg", "GIF": "image/gif", "WEBP": "image/webp"}
EXTENSIONS = {"image/png": "png", "image/jpeg": "jpg", "image/gif": "gif", "image/webp": "webp"}


def store_image(ticket: Ticket, upload: UploadedFile) -> Attachment:
    limit = settings.KEFU_ATTACHMENT_MAX_BYTES
    if upload.size is None or upload.size > limit:
        raise ApiError(
            "attachment_too_large", f"Images are limited to {limit // (1024 * 1024)} MiB.", 413
        )
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise ApiError(
            "attachment_too_large", f"Images are limited to {limit // (1024 * 1024)} MiB.", 413
        )
    content_type, width, height = _sniff_image(data)
    side = settings.KEFU_ATTACHMENT_MAX_SIDE
    if width > side or height > side or width < 1 or height < 1:
        raise ApiError(
            "attachment_dimensions", f"Images may be at most {side} pixels on a side.", 400
        )
    stem = get_valid_filename((upload.name or "image").rsplit(".", 1)[0])[:80] or "image"
    name = f"{stem}.{EXTENSIONS[content_type]}"
    attachment = Attachment(
        ticket=ticket,
        name=name,
        content_type=content_type,
        size=len(data),
        width=width,
        height=height,
        sha256=hashlib.sha256(data).hexdigest(),
    )
    attachment.file.save(name, ContentFile(data), save=False)
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


def _sniff_image(data: bytes) -> tuple[str, int, int]:
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
        raise ApiError(
            "attachment_type", "Only PNG, JPEG, GIF and WebP images can be sent.", 415
        ) from None
    if kind not in IMAGE_TYPES:
        raise ApiError("attachment_type", "Only PNG, JPEG, GIF and WebP images can be sent.", 415)
    return IMAGE_TYPES[kind], width, height
