"""WebSocket routes of every app, gathered in one list for the ASGI router."""

from __future__ import annotations

from typing import Any

from django.urls import path

from kefu.connectors.webchat.consumers import ConsoleConsumer, CustomerConsumer

websocket_urlpatterns: list[Any] = [
    path("ws/chat/", CustomerConsumer.as_asgi()),
    path("ws/console/", ConsoleConsumer.as_asgi()),
]
