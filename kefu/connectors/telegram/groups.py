"""Groups and supergroups: the bot answers only when addressed — an @mention of it, a command
sent to it (``/help@Bot``), or a reply to one of its messages — and then publicly, with the same
short pointer every time: come to a private chat (a ``t.me`` deep link), and staff never ask for
secrets. Nothing the user wrote is repeated and nothing is looked up: a group is public, so no
account data, order id or balance is ever said there, and no conversation or ticket is opened.
"""

from __future__ import annotations

from kefu.trust import ratelimit

from . import texts
from .outbound import queue_text
from .updates import Incoming, utf16_slice
from .work import Work, ignored

START_PAYLOAD = "help"


def addressed_to_bot(incoming: Incoming, username: str, bot_id: int | None) -> bool:
    if bot_id is not None and incoming.reply_to_sender == bot_id:
        return True
    mention = f"@{username}".lower() if username else None
    for entity in incoming.entities:
        kind = entity.get("type")
        offset, length = entity.get("offset"), entity.get("length")
        if not isinstance(offset, int) or not isinstance(length, int):
            continue
        named = utf16_slice(incoming.text, offset, length).lower()
        if kind == "text_mention":
            user = entity.get("user")
            if bot_id is not None and isinstance(user, dict) and user.get("id") == bot_id:
                return True
        elif mention and (
            (kind == "mention" and named == mention)
            or (kind == "bot_command" and named.endswith(mention))
        ):
            return True
    return False


def deep_link(username: str) -> str:
    return f"https://t.me/{username}?start={START_PAYLOAD}"


def on_message(incoming: Incoming, username: str, bot_id: int | None) -> Work:
    if incoming.sender is None or incoming.sender.is_bot:
        return ignored("from_bot")
    if not addressed_to_bot(incoming, username, bot_id):
        return ignored("not_addressed")
    assert incoming.chat_id is not None
    try:
        # One group's flood of mentions is held to the chat message limit.
        ratelimit.hit("chat_message", customer=f"tg-group-{incoming.chat_id}")
    except ratelimit.RateLimited:
        return ignored("rate_limited")
    language = texts.language_of(incoming.sender.language_code)
    queue_text(
        incoming.chat_id,
        texts.group_pointer(language, deep_link(username)),
        reply_to=incoming.message_id,
    )
    return Work(reason="group_pointer")
