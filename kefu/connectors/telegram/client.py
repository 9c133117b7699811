"""A small client of the Telegram Bot API over the standard library (``urllib.request``).

Every method is ``POST <base>/bot<token>/<method>`` with a JSON body, or a multipart form when a
file goes up; every answer is ``{"ok": true, "result": ...}`` or ``{"ok": false, "error_code",
"description", "parameters": {"retry_after", "migrate_to_chat_id"}}``, which becomes one of the
typed errors below so that callers decide by type: wait (:class:`RateLimited`), give up
(:class:`BadRequest`, :class:`Forbidden`) or try again later (everything else).

The token is part of every URL; it never appears in an error message or a log line.
"""

from __future__ import annotations

import json
import secrets
import socket
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from . import config

TIMEOUT = 15.0


class BotApiError(Exception):
    """The Bot API said no, or could not be reached (``error_code`` 0)."""

    def __init__(
        self,
        error_code: int,
        description: str,
        *,
        retry_after: int | None = None,
        migrate_to_chat_id: int | None = None,
    ) -> None:
        super().__init__(f"{error_code} {description}".strip())
        self.error_code = error_code
        self.description = description
        self.retry_after = retry_after
        self.migrate_to_chat_id = migrate_to_chat_id

    @property
    def permanent(self) -> bool:
        """Sending the same request again cannot succeed."""
        return False


class BadRequest(BotApiError):
    """400: the request itself is wrong (chat not found, message too long, ...)."""

    @property
    def permanent(self) -> bool:
        return self.migrate_to_chat_id is None


class Unauthorized(BotApiError):
    """401: the token is wrong or revoked (a configuration problem: worth retrying once fixed)."""


class Forbidden(BotApiError):
    """403: the user blocked the bot, or the bot was removed from the group."""

    @property
    def permanent(self) -> bool:
        return True


class NotFound(BotApiError):
    """404: no such method (or, for a file download, no such file)."""


class RateLimited(BotApiError):
    """429: too many requests; ``retry_after`` seconds to wait."""


class ServerError(BotApiError):
    """5xx, or an answer that is not the Bot API's JSON (a proxy's error page)."""


class Unreachable(BotApiError):
    """No answer at all: DNS, refused connection, timeout."""


ERRORS: dict[int, type[BotApiError]] = {
    400: BadRequest,
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    429: RateLimited,
}


@dataclass(frozen=True)
class Upload:
    """A file sent in a multipart form."""

    filename: str
    data: bytes
    content_type: str = "application/octet-stream"


class BotApi:
    def __init__(self, token: str, base: str = config.DEFAULT_API_BASE, timeout: float = TIMEOUT):
        if not token:
            raise ValueError("no bot token")
        self.token = token
        self.base = base.rstrip("/")
        self.timeout = timeout

    @classmethod
    def configured(cls) -> BotApi:
        return cls(config.token(), config.api_base())

    # -- methods ---------------------------------------------------------------------------

    def get_me(self) -> dict[str, Any]:
        return dict(self.call("getMe"))

    def send_message(self, chat_id: int, text: str, **options: Any) -> dict[str, Any]:
        return dict(self.call("sendMessage", {"chat_id": chat_id, "text": text, **options}))

    def send_document(
        self, chat_id: int, document: Upload, caption: str = "", **options: Any
    ) -> dict[str, Any]:
        params = {"chat_id": chat_id, **({"caption": caption} if caption else {}), **options}
        return dict(self.call("sendDocument", params, files={"document": document}))

    def send_photo(
        self, chat_id: int, photo: Upload, caption: str = "", **options: Any
    ) -> dict[str, Any]:
        params = {"chat_id": chat_id, **({"caption": caption} if caption else {}), **options}
        return dict(self.call("sendPhoto", params, files={"photo": photo}))

    def get_file(self, file_id: str) -> dict[str, Any]:
        return dict(self.call("getFile", {"file_id": file_id}))

    def download_file(self, file_path: str, max_bytes: int) -> bytes:
        """The bytes at ``<base>/file/bot<token>/<file_path>``; :class:`FileTooLarge` beyond
        ``max_bytes`` (read no further than one byte past the limit)."""
        url = f"{self.base}/file/bot{self.token}/{file_path.lstrip('/')}"
        request = urllib.request.Request(url, method="GET")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                data = response.read(max_bytes + 1)
        except urllib.error.HTTPError as exc:
            raise self._error_from(exc.code, _read(exc)) from None
        except (urllib.error.URLError, OSError) as exc:
            raise Unreachable(0, self._clean(str(getattr(exc, "reason", exc)))) from None
        if len(data) > max_bytes:
            raise FileTooLarge(413, f"the file is larger than {max_bytes} bytes")
        return bytes(data)

    def set_webhook(self, url: str, secret_token: str, **options: Any) -> bool:
        return bool(self.call("setWebhook", {"url": url, "secret_token": secret_token, **options}))

    def delete_webhook(self) -> bool:
        return bool(self.call("deleteWebhook", {}))

    def get_webhook_info(self) -> dict[str, Any]:
        return dict(self.call("getWebhookInfo"))

    def get_updates(self, offset: int | None = None, timeout: int = 0) -> list[dict[str, Any]]:
        params: dict[str, Any] = {"timeout": timeout}
        if offset is not None:
            params["offset"] = offset
        return list(self.call("getUpdates", params, timeout=self.timeout + timeout))

    def answer_callback_query(self, callback_query_id: str, text: str = "") -> bool:
        params: dict[str, Any] = {"callback_query_id": callback_query_id}
        if text:
            params["text"] = text
        return bool(self.call("answerCallbackQuery", params))

    def delete_message(self, chat_id: int, message_id: int) -> bool:
        return bool(self.call("deleteMessage", {"chat_id": chat_id, "message_id": message_id}))

    # -- the wire ----------------------------------------------------------------------------

    def call(
        self,
        method: str,
        params: Mapping[str, Any] | None = None,
        *,
        files: Mapping[str, Upload] | None = None,
        timeout: float | None = None,
    ) -> Any:
        """Call ``method`` and return its ``result``, or raise the typed error."""
        url = f"{self.base}/bot{self.token}/{method}"
        if files:
            body, content_type = multipart(params or {}, files)
        else:
            body = json.dumps(dict(params or {}), ensure_ascii=False).encode()
            content_type = "application/json"
        request = urllib.request.Request(
            url, data=body, method="POST", headers={"Content-Type": content_type}
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout or self.timeout) as response:
                status, raw = response.status, response.read()
        except urllib.error.HTTPError as exc:
            status, raw = exc.code, _read(exc)
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            if isinstance(reason, socket.timeout | TimeoutError):
                reason = "timed out"
            raise Unreachable(0, self._clean(str(reason))) from None
        try:
            answer = json.loads(raw)
        except ValueError:
            answer = None
        if not isinstance(answer, dict):
            raise ServerError(status, f"not a Bot API answer (HTTP {status})")
        if answer.get("ok") is True and status < 400:
            return answer.get("result")
        raise self._error_from(status, raw, answer)

    def _error_from(
        self, status: int, raw: bytes, answer: dict[str, Any] | None = None
    ) -> BotApiError:
        if answer is None:
            try:
                parsed = json.loads(raw)
            except ValueError:
                parsed = None
            answer = parsed if isinstance(parsed, dict) else {}
        code = answer.get("error_code")
        code = code if isinstance(code, int) and not isinstance(code, bool) else status
        description = self._clean(str(answer.get("description") or f"HTTP {status}"))[:500]
        parameters = answer.get("parameters")
        parameters = parameters if isinstance(parameters, dict) else {}
        kind = ERRORS.get(code) or (ServerError if code >= 500 else BotApiError)
        return kind(
            code,
            description,
            retry_after=_whole(parameters.get("retry_after")),
            migrate_to_chat_id=_whole(parameters.get("migrate_to_chat_id")),
        )

    def _clean(self, text: str) -> str:
        return text.replace(self.token, "<token>")


class FileTooLarge(BotApiError):
    """A download beyond the caller's limit (not a Bot API answer: raised here)."""

    @property
    def permanent(self) -> bool:
        return True


def _read(exc: urllib.error.HTTPError) -> bytes:
    try:
        return bytes(exc.read())
    except OSError:
        return b""


def _whole(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def multipart(params: Mapping[str, Any], files: Mapping[str, Upload]) -> tuple[bytes, str]:
    """A ``multipart/form-data`` body: plain values as text (JSON for lists and objects, as the
    Bot API expects for ``reply_markup``), then the files."""
    boundary = f"kefu-{secrets.token_hex(16)}"
    lines: list[bytes] = []
    for name, value in params.items():
        if value is None:
            continue
        text = json.dumps(value) if isinstance(value, dict | list | bool) else str(value)
        lines += [
            f"--{boundary}".encode(),
            f'Content-Disposition: form-data; name="{_quoted(name)}"'.encode(),
            b"",
            text.encode(),
        ]
    for name, upload in files.items():
        lines += [
            f"--{boundary}".encode(),
            (
                f'Content-Disposition: form-data; name="{_quoted(name)}"; '
                f'filename="{_quoted(upload.filename)}"'
            ).encode(),
            f"Content-Type: {upload.content_type}".encode(),
            b"",
            upload.data,
        ]
    lines += [f"--{boundary}--".encode(), b""]
    return b"\r\n".join(lines), f"multipart/form-data; boundary={boundary}"


def _quoted(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', "%22").replace("\r", " ").replace("\n", " ")
