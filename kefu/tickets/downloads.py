"""The one way an attachment leaves Kefu: a download response that cannot run as a page.

Files live under MEDIA_ROOT in the data dir, which no URL serves; every download goes through a
view that checks who asks, then here. Only the raster images a browser shows as pictures (PNG,
JPEG, GIF, WebP) are answered inline; anything else, SVG and HTML above all, is an attachment.
``nosniff`` stops a browser from guessing another type, and the sandboxing policy keeps even a
file opened directly in a tab from running script or reaching anything.
"""

from __future__ import annotations

from django.http import FileResponse

from .models import Attachment

INLINE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})
DOWNLOAD_POLICY = "default-src 'none'; sandbox"


def attachment_response(attachment: Attachment) -> FileResponse:
    inline = attachment.content_type in INLINE_TYPES
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=not inline,
        filename=attachment.name,
        content_type=attachment.content_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = DOWNLOAD_POLICY
    # Private to the customer or agent who asked: never kept by a shared cache.
    response["Cache-Control"] = "private, max-age=3600"
    return response
