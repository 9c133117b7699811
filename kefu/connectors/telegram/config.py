"""The Telegram connector's settings, read from Django settings (or the environment) each time,
so tests and a changed environment take effect without a restart.

- ``KEFU_TELEGRAM_BOT_TOKEN``: the token from @BotFather; none turns the connector off.
- ``KEFU_TELEGRAM_WEBHOOK_SECRET``: what Telegram sends in ``X-Telegram-Bot-Api-Secret-Token``;
  by default derived from the token and the secret key, and ``kefu telegram set-webhook`` tells
  Telegram whichever is in force.
- ``KEFU_TELEGRAM_API_BASE``: the Bot API server (default ``https://api.telegram.org``; a local
  Bot API server or the tests' fake one).
- ``KEFU_TELEGRAM_BOT_USERNAME``: the bot's @username; asked of ``getMe`` when not set.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import threading
from typing import Any

from django.conf import settings

DEFAULT_API_BASE = "https://api.telegram.org"

_usernames: dict[str, str] = {}
_lock = threading.Lock()


def _setting(name: str, default: str = "") -> str:
    value: Any = getattr(settings, name, None)
    if value is None:
        value = os.environ.get(name, default)
    return str(value or default).strip()


def token() -> str:
    return _setting("KEFU_TELEGRAM_BOT_TOKEN")


def enabled() -> bool:
    return bool(token())


def api_base() -> str:
    return _setting("KEFU_TELEGRAM_API_BASE", DEFAULT_API_BASE).rstrip("/")


def webhook_secret() -> str:
    """The configured secret, or one derived from the token: Telegram accepts 1-256 characters
    of ``A-Z a-z 0-9 _ -``, which a hex digest is."""
    configured = _setting("KEFU_TELEGRAM_WEBHOOK_SECRET")
    if configured:
        return configured
    return hmac.new(
        str(settings.SECRET_KEY).encode(), b"telegram-webhook:" + token().encode(), hashlib.sha256
    ).hexdigest()


def bot_id() -> int | None:
    """The bot's own user id: the number before the colon of its token."""
    head = token().split(":", 1)[0]
    return int(head) if head.isdigit() else None


def bot_username() -> str:
    """The bot's @username without the @: configured, or asked once per token of ``getMe``."""
    configured = _setting("KEFU_TELEGRAM_BOT_USERNAME").lstrip("@")
    if configured:
        return configured
    key = token()
    with _lock:
        known = _usernames.get(key)
    if known:
        return known
    from .client import BotApi

    username = str(BotApi.configured().get_me().get("username") or "")
    with _lock:
        _usernames[key] = username
    return username


def forget_bot() -> None:
    """Forget what ``getMe`` said (tests that switch bots)."""
    with _lock:
        _usernames.clear()
