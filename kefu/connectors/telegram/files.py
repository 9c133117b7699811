"""Fetching the photo or document of a private message from Telegram (``getFile``, then the
bytes from ``<api_base>/file/bot<token>/<file_path>``), before the update's transaction opens:
a network wait never holds database locks.

What the desk would refuse anyway (announced larger than ``KEFU_ATTACHMENT_MAX_BYTES``, or
larger than Telegram lets bots download) is not downloaded; the type is checked from the bytes
by :func:`kefu.tickets.attachments.store_attachment` as for every channel. An unreachable Bot
API raises, so the webhook answers 503 and Telegram delivers the update again later.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

from .client import BadRequest, BotApi, FileTooLarge
from .updates import Incoming, Media


@dataclass(frozen=True)
class Fetched:
    name: str
    data: bytes = b""
    refused: str = ""  # an attachment error code when the file was not fetched


def pick(incoming: Incoming, limit: int) -> Media | None:
    """The document, or the largest size of a photo that fits the limit (or the smallest)."""
    if incoming.document is not None:
        return incoming.document
    if not incoming.photos:
        return None
    fitting = [p for p in incoming.photos if p.size <= limit]
    if fitting:
        return max(fitting, key=lambda p: p.size)
    return min(incoming.photos, key=lambda p: p.size)


def fetch(incoming: Incoming, api: BotApi | None = None) -> Fetched | None:
    limit = settings.KEFU_ATTACHMENT_MAX_BYTES
    media = pick(incoming, limit)
    if media is None:
        return None
    if media.size > limit:
        return Fetched(media.name, refused="attachment_too_large")
    api = api or BotApi.configured()
    try:
        info = api.get_file(media.file_id)
        path = info.get("file_path")
        if not isinstance(path, str) or not path:
            return Fetched(media.name, refused="attachment_unreadable")
        data = api.download_file(path, limit)
    except FileTooLarge:
        return Fetched(media.name, refused="attachment_too_large")
    except BadRequest as exc:  # "file is too big" (over the 20 MB bots may download), bad id
        code = "attachment_too_large" if "too big" in exc.description else "attachment_unreadable"
        return Fetched(media.name, refused=code)
    if not data:
        return Fetched(media.name, refused="attachment_empty")
    name = media.name
    if media.kind == "photo":
        name = path.rsplit("/", 1)[-1] or name
    return Fetched(name, data)
