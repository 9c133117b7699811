"""The Telegram connector against a local Bot API server (tests/telegram/bot_api.py) that
speaks Telegram's wire format: the webhook is posted to as Telegram would, and what the bot
says arrives at the fake server over HTTP."""

from __future__ import annotations

import io
import itertools
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.test import Client
from PIL import Image

from kefu.accounts.demo_data import load_demo_accounts
from kefu.connectors.telegram import config
from kefu.exchange.demo_data import load_demo_exchange
from kefu.jobs import embedded
from kefu.routing.demo_data import load_demo_routing

from .bot_api import BOT_ID, TOKEN, USERNAME, FakeBotApi, running

SECRET = "webhook-secret_for-tests"
WEBHOOK = "/connectors/telegram/webhook"
USER = 555001
GROUP = -1001234567890


@pytest.fixture(autouse=True)
def keep_test_connection(monkeypatch: Any) -> None:
    """Jobs (inline in tests) close "old" database connections around each run, as a worker
    thread must. Inside the test's transaction that really closes the connection on
    PostgreSQL (SQLite's in-memory test database ignores ``close``), losing the test data."""
    monkeypatch.setattr(embedded, "close_old_connections", lambda: None)


@pytest.fixture(scope="session")
def bot_api() -> Iterator[FakeBotApi]:
    with running() as fake:
        yield fake


@pytest.fixture
def telegram(settings: Any, bot_api: FakeBotApi) -> Iterator[FakeBotApi]:
    settings.KEFU_TELEGRAM_BOT_TOKEN = TOKEN
    settings.KEFU_TELEGRAM_WEBHOOK_SECRET = SECRET
    settings.KEFU_TELEGRAM_API_BASE = bot_api.base_url
    config.forget_bot()
    bot_api.clear()
    yield bot_api
    bot_api.clear()
    config.forget_bot()


@pytest.fixture
def desk(db: Any) -> None:
    load_demo_accounts()
    load_demo_exchange()
    load_demo_routing()


class Webhook:
    """Posts updates as Telegram does, running what the desk leaves for after the commit
    (background jobs are inline in tests) once each request has finished."""

    def __init__(self, capture: Callable[..., Any]) -> None:
        self.client = Client()
        self.capture = capture
        self.ids = itertools.count(10_000)

    def post(self, update: dict[str, Any] | str | bytes, secret: str | None = SECRET) -> Any:
        body = update if isinstance(update, str | bytes) else _json(update)
        headers = {} if secret is None else {"HTTP_X_TELEGRAM_BOT_API_SECRET_TOKEN": secret}
        with self.capture(execute=True):
            return self.client.post(WEBHOOK, body, content_type="application/json", **headers)

    def private(
        self, text: str = "", *, user: int = USER, language: str = "en", **message: Any
    ) -> dict[str, Any]:
        update_id = next(self.ids)
        body: dict[str, Any] = {
            "message_id": update_id - 9000,
            "date": 1_800_000_000,
            "chat": {"id": user, "type": "private", "first_name": "Hana"},
            "from": {
                "id": user,
                "is_bot": False,
                "first_name": "Hana",
                "username": "hana_tg",
                "language_code": language,
            },
            **message,
        }
        if text:
            body["text"] = text
        return {"update_id": update_id, "message": body}

    def group(
        self,
        text: str,
        *,
        entities: list[dict[str, Any]] | None = None,
        reply_to_bot: bool = False,
        user: int = USER,
    ) -> dict[str, Any]:
        update_id = next(self.ids)
        body: dict[str, Any] = {
            "message_id": update_id - 9000,
            "date": 1_800_000_000,
            "chat": {"id": GROUP, "type": "supergroup", "title": "Beacon Traders"},
            "from": {"id": user, "is_bot": False, "first_name": "Hana", "language_code": "en"},
            "text": text,
        }
        if entities is not None:
            body["entities"] = entities
        if reply_to_bot:
            body["reply_to_message"] = {
                "message_id": 7,
                "date": 1_800_000_000,
                "chat": body["chat"],
                "from": {"id": BOT_ID, "is_bot": True, "username": USERNAME},
                "text": "an earlier answer",
            }
        return {"update_id": update_id, "message": body}


def _json(update: dict[str, Any]) -> str:
    import json

    return json.dumps(update)


@pytest.fixture
def webhook(telegram: FakeBotApi, django_capture_on_commit_callbacks: Any) -> Webhook:
    return Webhook(django_capture_on_commit_callbacks)


def mention(text: str, name: str = f"@{USERNAME}") -> list[dict[str, Any]]:
    """The entity Telegram adds for an @mention (offsets in UTF-16 code units)."""
    start = text.index(name)
    offset = len(text[:start].encode("utf-16-le")) // 2
    return [{"type": "mention", "offset": offset, "length": len(name)}]


def png_bytes(width: int = 40, height: int = 30) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


PDF_BYTES = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
