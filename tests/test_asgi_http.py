"""HTTP through the application the servers run (kefu.asgi), not Django's test client: the
request reaches Django's WSGI handler on a thread with what the ASGI server saw, and the answer
goes back whole."""

from __future__ import annotations

import asyncio
import json
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import pytest
from channels.testing import HttpCommunicator

from kefu import clock
from kefu.asgi import application

# The application's threads keep their database connections from one request to the next, as
# in a server: every test here may use the database.
pytestmark = pytest.mark.django_db(transaction=True)


def served(
    path: str, *, method: str = "GET", body: bytes = b"", client: str = "203.0.113.7"
) -> dict[str, Any]:
    async def request() -> dict[str, Any]:
        communicator = HttpCommunicator(
            application,
            method,
            path.split("?")[0],
            body=body,
            headers=[(b"host", b"desk.example"), (b"content-type", b"application/json")],
        )
        communicator.scope["query_string"] = path.partition("?")[2].encode()
        communicator.scope["client"] = (client, 50123)
        return await communicator.get_response(timeout=30)

    # On a thread of its own: the browser tests' Playwright keeps an event loop running in the
    # main thread for the rest of the session.
    with ThreadPoolExecutor(1) as thread:
        return thread.submit(asyncio.run, request()).result()


def test_a_health_check_is_answered_with_its_headers() -> None:
    response = served("/healthz")
    headers = dict(response["headers"])
    assert response["status"] == 200
    assert json.loads(response["body"]) == {"status": "ok"}
    assert b"default-src 'self'" in headers[b"content-security-policy"]


def test_static_files_are_served_by_the_same_application() -> None:
    response = served("/static/kefu/search.js")
    assert response["status"] == 200
    assert b"function" in response["body"]


def test_bad_json_gets_its_error_code_through_the_server() -> None:
    response = served("/api/v1/tickets/", method="POST", body=b"{not json")
    assert response["status"] == 422
    assert json.loads(response["body"])["code"] == "invalid_request"


def test_each_client_address_is_limited_on_its_own(settings) -> None:  # type: ignore[no-untyped-def]
    """Per-address limits see the address the server saw (REMOTE_ADDR from the ASGI scope)."""
    settings.KEFU_RATE_LIMITS = {"suggest.ip": "2/1m"}
    with clock.frozen(datetime(2026, 11, 23, 9, 0, 1, tzinfo=UTC)):
        first = [served("/api/v1/help/suggest?q=usdt")["status"] for _ in range(3)]
        other = served("/api/v1/help/suggest?q=usdt", client="198.51.100.9")["status"]
    assert first == [200, 200, 429]
    assert other == 200
