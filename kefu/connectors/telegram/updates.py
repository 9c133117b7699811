"""Reading a Bot API ``Update`` into what the connector acts on. Telegram's objects are large
and grow with every API version; only the fields used here are read, each checked for type, so
an unexpected shape is "nothing to do" rather than an exception."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kefu.errors import ApiError

# Update fields that carry something to act on; any other kind is acknowledged and ignored.
MESSAGE_KINDS = ("message",)
HANDLED_KINDS = ("message", "callback_query", "my_chat_member")


@dataclass(frozen=True)
class Sender:
    id: int
    is_bot: bool = False
    username: str = ""
    first_name: str = ""
    language_code: str = ""


@dataclass(frozen=True)
class Media:
    """The one file of a message worth keeping: a photo's largest size that fits, or a
    document. ``size`` is what Telegram announced (0 when it did not say)."""

    file_id: str
    name: str
    size: int
    kind: str  # "photo" or "document"


@dataclass(frozen=True)
class Incoming:
    update_id: int
    kind: str
    chat_id: int | None = None
    chat_type: str = ""
    sender: Sender | None = None
    message_id: int | None = None
    text: str = ""
    entities: list[dict[str, Any]] = field(default_factory=list)
    reply_to_sender: int | None = None
    photos: list[Media] = field(default_factory=list)
    document: Media | None = None
    other_content: bool = False  # a sticker, voice note, location ... (nothing we keep)
    callback_id: str = ""
    callback_data: str = ""
    member_status: str = ""

    @property
    def private(self) -> bool:
        return self.chat_type == "private"

    @property
    def group(self) -> bool:
        return self.chat_type in ("group", "supergroup")


def update_id_of(update: Any) -> int:
    if not isinstance(update, dict):
        raise ApiError("invalid_update", "An update is a JSON object.")
    update_id = update.get("update_id")
    if not isinstance(update_id, int) or isinstance(update_id, bool) or update_id < 0:
        raise ApiError("invalid_update", "An update has a whole-number update_id.")
    return update_id


def parse(update: dict[str, Any]) -> Incoming:
    update_id = update_id_of(update)
    kind = next((k for k in update if k != "update_id"), "")
    if kind == "message":
        return _message(update_id, _dict(update.get("message")))
    if kind == "callback_query":
        query = _dict(update.get("callback_query"))
        message = _dict(query.get("message"))
        chat = _dict(message.get("chat"))
        return Incoming(
            update_id,
            kind,
            chat_id=_int(chat.get("id")),
            chat_type=_str(chat.get("type")),
            sender=_sender(query.get("from")),
            message_id=_int(message.get("message_id")),
            callback_id=_str(query.get("id")),
            callback_data=_str(query.get("data")),
        )
    if kind == "my_chat_member":
        member = _dict(update.get("my_chat_member"))
        chat = _dict(member.get("chat"))
        return Incoming(
            update_id,
            kind,
            chat_id=_int(chat.get("id")),
            chat_type=_str(chat.get("type")),
            sender=_sender(member.get("from")),
            member_status=_str(_dict(member.get("new_chat_member")).get("status")),
        )
    return Incoming(update_id, kind)


def _message(update_id: int, message: dict[str, Any]) -> Incoming:
    chat = _dict(message.get("chat"))
    text = _str(message.get("text")) or _str(message.get("caption"))
    entities = message.get("entities") or message.get("caption_entities") or []
    photos = [
        Media(
            file_id=_str(p.get("file_id")),
            name="photo.jpg",
            size=_int(p.get("file_size")) or 0,
            kind="photo",
        )
        for p in (message.get("photo") or [])
        if isinstance(p, dict) and _str(p.get("file_id"))
    ]
    document = None
    raw_document = _dict(message.get("document"))
    if _str(raw_document.get("file_id")):
        document = Media(
            file_id=_str(raw_document.get("file_id")),
            name=_str(raw_document.get("file_name")) or "document",
            size=_int(raw_document.get("file_size")) or 0,
            kind="document",
        )
    other = not text and not photos and document is None
    reply_to = _dict(message.get("reply_to_message"))
    return Incoming(
        update_id,
        "message",
        chat_id=_int(chat.get("id")),
        chat_type=_str(chat.get("type")),
        sender=_sender(message.get("from")),
        message_id=_int(message.get("message_id")),
        text=text,
        entities=[e for e in entities if isinstance(e, dict)] if isinstance(entities, list) else [],
        reply_to_sender=_int(_dict(reply_to.get("from")).get("id")),
        photos=photos,
        document=document,
        other_content=other,
    )


def _sender(value: Any) -> Sender | None:
    data = _dict(value)
    user_id = _int(data.get("id"))
    if user_id is None:
        return None
    return Sender(
        id=user_id,
        is_bot=data.get("is_bot") is True,
        username=_str(data.get("username"))[:64],
        first_name=_str(data.get("first_name"))[:200],
        language_code=_str(data.get("language_code"))[:16],
    )


def utf16_slice(text: str, offset: int, length: int) -> str:
    """The part of ``text`` an entity names: Telegram counts offsets in UTF-16 code units."""
    encoded = text.encode("utf-16-le")
    return encoded[2 * offset : 2 * (offset + length)].decode("utf-16-le", errors="ignore")


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None
