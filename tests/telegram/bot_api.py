"""A local Bot API server for tests: Telegram's wire format, over real HTTP, in a thread.

``POST /bot<token>/<method>`` with a JSON body, a urlencoded form or a multipart form (files);
answers ``{"ok": true, "result": ...}`` or ``{"ok": false, "error_code", "description",
"parameters"}`` with the same HTTP status, as Telegram does: 401 for a wrong token, 404 for an
unknown method, 400 for what the real API refuses (empty or over-long text, no chat), 403 for a
chat that blocked the bot, and any scripted failure (429 with ``retry_after``, 5xx). Files put
in with :meth:`FakeBotApi.add_file` are served by ``getFile`` and ``GET /file/bot<token>/<path>``.

Everything received is recorded (method, parameters, files, the desk's clock at arrival) for
assertions.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from email.parser import Parser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from kefu import clock

TOKEN = "123456789:AAE-test-token_for-kefu"
BOT_ID = 123456789
USERNAME = "BeaconHelpBot"
TEXT_LIMIT = 4096

METHODS = {
    "getMe",
    "sendMessage",
    "sendPhoto",
    "sendDocument",
    "getFile",
    "setWebhook",
    "deleteWebhook",
    "getWebhookInfo",
    "getUpdates",
    "answerCallbackQuery",
    "deleteMessage",
}


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    files: dict[str, tuple[str, bytes, str]] = field(default_factory=dict)
    at: datetime | None = None
    answered: int = 200


@dataclass
class Failure:
    status: int
    description: str
    parameters: dict[str, Any] | None = None


class FakeBotApi:
    def __init__(self, token: str = TOKEN, username: str = USERNAME) -> None:
        self.token = token
        self.username = username
        self.calls: list[Call] = []
        self.failures: dict[str, list[Failure]] = {}
        self.blocked: set[int] = set()
        self.files: dict[str, tuple[str, bytes]] = {}
        self.updates: list[dict[str, Any]] = []
        self.webhook: dict[str, Any] = {}
        self._message_ids = itertools.count(1000)
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    # -- scripting -------------------------------------------------------------------------

    def fail(
        self,
        method: str,
        status: int,
        description: str,
        *,
        retry_after: int | None = None,
        times: int = 1,
        parameters: dict[str, Any] | None = None,
    ) -> None:
        """The next ``times`` calls of ``method`` fail like Telegram would."""
        params = dict(parameters or {})
        if retry_after is not None:
            params["retry_after"] = retry_after
        with self._lock:
            self.failures.setdefault(method, []).extend(
                [Failure(status, description, params or None)] * times
            )

    def block(self, chat_id: int) -> None:
        self.blocked.add(chat_id)

    def add_file(self, data: bytes, path: str) -> str:
        file_id = f"file-{len(self.files) + 1}-{path.replace('/', '_')}"
        self.files[file_id] = (path, data)
        return file_id

    def sent(self, method: str = "sendMessage", *, ok_only: bool = True) -> list[Call]:
        return [c for c in self.calls if c.method == method and (c.answered == 200 or not ok_only)]

    def texts(self, chat_id: int | None = None) -> list[str]:
        return [
            str(c.params.get("text"))
            for c in self.sent("sendMessage")
            if chat_id is None or int(c.params["chat_id"]) == chat_id
        ]

    def clear(self) -> None:
        with self._lock:
            self.calls.clear()
            self.failures.clear()
            self.blocked.clear()
            self.updates.clear()
            self.webhook.clear()

    # -- serving ---------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        assert isinstance(host, str)
        return f"http://{host}:{port}"

    def start(self) -> None:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                fake._handle(self)

            def do_GET(self) -> None:
                fake._handle(self)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def _handle(self, request: BaseHTTPRequestHandler) -> None:
        path = urllib.parse.urlsplit(request.path).path
        if path.startswith("/file/bot"):
            self._download(request, path)
            return
        token, _slash, method = path.removeprefix("/bot").partition("/")
        if not path.startswith("/bot") or token != self.token:
            self._answer(request, 401, error="Unauthorized")
            return
        if method not in METHODS:
            self._answer(request, 404, error="Not Found")
            return
        try:
            params, files = _read_params(request)
        except ValueError as exc:
            self._answer(request, 400, error=f"Bad Request: {exc}")
            return
        call = Call(method, params, files, at=clock.now())
        with self._lock:
            self.calls.append(call)
            queued = self.failures.get(method)
            failure = queued.pop(0) if queued else None
        if failure is not None:
            call.answered = failure.status
            self._answer(
                request, failure.status, error=failure.description, parameters=failure.parameters
            )
            return
        status, result, error = self._method(method, params, files)
        call.answered = status
        self._answer(request, status, result=result, error=error)

    def _method(
        self, method: str, params: dict[str, Any], files: dict[str, tuple[str, bytes, str]]
    ) -> tuple[int, Any, str]:
        if method == "getMe":
            return (
                200,
                {
                    "id": BOT_ID,
                    "is_bot": True,
                    "first_name": "Beacon Help",
                    "username": self.username,
                },
                "",
            )
        if method == "getFile":
            found = self.files.get(str(params.get("file_id")))
            if found is None:
                return 400, None, "Bad Request: invalid file_id"
            path, data = found
            return (
                200,
                {"file_id": params["file_id"], "file_size": len(data), "file_path": path},
                "",
            )
        if method in ("setWebhook", "deleteWebhook"):
            self.webhook = dict(params) if method == "setWebhook" else {}
            return 200, True, ""
        if method == "getWebhookInfo":
            return 200, {"url": self.webhook.get("url", ""), "pending_update_count": 0}, ""
        if method == "getUpdates":
            offset = int(params.get("offset") or 0)
            return 200, [u for u in self.updates if u["update_id"] >= offset], ""
        if method == "answerCallbackQuery":
            return 200, True, ""
        chat = params.get("chat_id")
        try:
            chat_id = int(chat)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return 400, None, "Bad Request: chat not found"
        if chat_id in self.blocked:
            return 403, None, "Forbidden: bot was blocked by the user"
        if method == "deleteMessage":
            return 200, True, ""
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "supergroup"},
            "from": {"id": BOT_ID, "is_bot": True, "username": self.username},
        }
        if method == "sendMessage":
            text = str(params.get("text") or "")
            if not text.strip():
                return 400, None, "Bad Request: message text is empty"
            if len(text.encode("utf-16-le")) // 2 > TEXT_LIMIT:
                return 400, None, "Bad Request: message is too long"
            message["text"] = text
        else:
            field_name = "photo" if method == "sendPhoto" else "document"
            if field_name not in files:
                return 400, None, f"Bad Request: there is no {field_name} in the request"
            name, data, _content_type = files[field_name]
            message[field_name] = {"file_id": f"up-{len(data)}", "file_name": name}
        return 200, message, ""

    def _download(self, request: BaseHTTPRequestHandler, path: str) -> None:
        token, _slash, file_path = path.removeprefix("/file/bot").partition("/")
        if token != self.token:
            self._answer(request, 401, error="Unauthorized")
            return
        for stored_path, data in self.files.values():
            if stored_path == file_path:
                request.send_response(200)
                request.send_header("Content-Type", "application/octet-stream")
                request.send_header("Content-Length", str(len(data)))
                request.end_headers()
                request.wfile.write(data)
                return
        self._answer(request, 404, error="Not Found")

    def _answer(
        self,
        request: BaseHTTPRequestHandler,
        status: int,
        *,
        result: Any = None,
        error: str = "",
        parameters: dict[str, Any] | None = None,
    ) -> None:
        if status == 200:
            body: dict[str, Any] = {"ok": True, "result": result}
        else:
            body = {"ok": False, "error_code": status, "description": error}
            if parameters:
                body["parameters"] = parameters
        raw = json.dumps(body).encode()
        request.send_response(status)
        request.send_header("Content-Type", "application/json")
        request.send_header("Content-Length", str(len(raw)))
        request.end_headers()
        request.wfile.write(raw)


def _read_params(
    request: BaseHTTPRequestHandler,
) -> tuple[dict[str, Any], dict[str, tuple[str, bytes, str]]]:
    length = int(request.headers.get("Content-Length") or 0)
    body = request.rfile.read(length) if length else b""
    content_type = request.headers.get("Content-Type", "")
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(request.path).query))
    if not body:
        return query, {}
    if content_type.startswith("application/json"):
        data = json.loads(body)
        if not isinstance(data, dict):
            raise ValueError("parameters must be a JSON object")
        return {**query, **data}, {}
    if content_type.startswith("application/x-www-form-urlencoded"):
        return {**query, **dict(urllib.parse.parse_qsl(body.decode()))}, {}
    if content_type.startswith("multipart/form-data"):
        return _multipart(body, content_type, query)
    raise ValueError(f"unsupported content type {content_type!r}")


def _multipart(
    body: bytes, content_type: str, query: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, tuple[str, bytes, str]]]:
    """multipart/form-data, byte for byte (RFC 7578): parts between ``--boundary`` lines."""
    boundary = content_type.partition("boundary=")[2].strip().strip('"')
    if not boundary:
        raise ValueError("multipart without a boundary")
    params: dict[str, Any] = dict(query)
    files: dict[str, tuple[str, bytes, str]] = {}
    delimiter = b"--" + boundary.encode()
    chunks = body.split(b"\r\n" + delimiter)
    first = chunks[0]
    if not first.startswith(delimiter):
        raise ValueError("multipart body does not start with its boundary")
    chunks[0] = first[len(delimiter) :]
    for chunk in chunks:
        if chunk.startswith(b"--"):
            break  # the closing delimiter
        head, _blank, data = chunk.removeprefix(b"\r\n").partition(b"\r\n\r\n")
        headers = Parser(policy=HTTP).parsestr(head.decode() + "\r\n\r\n")
        name = headers.get_param("name", header="content-disposition")
        filename = headers.get_filename()
        if filename is not None:
            files[str(name)] = (filename, data, headers.get_content_type())
        else:
            params[str(name)] = _json_or_text(data.decode())
    return params, files


def _json_or_text(text: str) -> Any:
    if text[:1] in "{[":
        try:
            return json.loads(text)
        except ValueError:
            return text
    return text


@contextmanager
def running(**kwargs: Any) -> Iterator[FakeBotApi]:
    fake = FakeBotApi(**kwargs)
    fake.start()
    try:
        yield fake
    finally:
        fake.stop()
