"""What Telegram sends in ``kefu bench telegram``: updates in its wire shape, posted to the
webhook the way Telegram posts them."""

from __future__ import annotations

import http.client
import itertools
import json
import time
from typing import Any

from bench._telegram_desk import WEBHOOK_SECRET

WEBHOOK = "/connectors/telegram/webhook"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
GROUP = -1001000000042


class Webhook:
    """Posts updates as Telegram does: JSON, the secret header, one keep-alive connection."""

    IDLE = 2.0  # seconds; uvicorn closes an idle connection after 5

    def __init__(self, port: int) -> None:
        self.port = port
        self.conn: http.client.HTTPConnection | None = None
        self.used = 0.0

    def send(self, update: dict[str, Any]) -> tuple[float, str]:
        if self.conn is None or time.monotonic() - self.used > self.IDLE:
            if self.conn is not None:
                self.conn.close()
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        body = json.dumps(update, ensure_ascii=False).encode()
        headers = {"Content-Type": "application/json", SECRET_HEADER: WEBHOOK_SECRET}
        started = time.perf_counter()
        self.conn.request("POST", WEBHOOK, body=body, headers=headers)
        response = self.conn.getresponse()
        raw = response.read()
        elapsed = time.perf_counter() - started
        self.used = time.monotonic()
        if response.status != 200:
            return elapsed, f"http_{response.status}"
        return elapsed, str(json.loads(raw).get("status"))


class Ids:
    """Updates in Telegram's shape, with increasing update ids."""

    def __init__(self) -> None:
        self.next = itertools.count(1_000)

    def private(self, user: int, text: str, language: str = "en") -> dict[str, Any]:
        update_id = next(self.next)
        return {
            "update_id": update_id,
            "message": {
                "message_id": update_id,
                "date": int(time.time()),
                "chat": {"id": user, "type": "private", "first_name": f"User {user}"},
                "from": {
                    "id": user,
                    "is_bot": False,
                    "first_name": f"User {user}",
                    "username": f"user_{user}",
                    "language_code": language,
                },
                "text": text,
            },
        }

    def group(self, user: int, *, mention: bool) -> dict[str, Any]:
        from tests.telegram.bot_api import USERNAME

        update_id = next(self.next)
        if mention:
            name = f"@{USERNAME}"
            text = f"{name} my withdrawal is stuck, can someone help?"
            entities = [{"type": "mention", "offset": 0, "length": len(name)}]
        else:
            text, entities = "anyone else seeing slow BTC deposits today?", []
        message: dict[str, Any] = {
            "message_id": update_id,
            "date": int(time.time()),
            "chat": {"id": GROUP, "type": "supergroup", "title": "Beacon Traders"},
            "from": {"id": user, "is_bot": False, "first_name": "G", "language_code": "en"},
            "text": text,
        }
        if entities:
            message["entities"] = entities
        return {"update_id": update_id, "message": message}
