"""Starting embedded mode's scheduler with an ASGI server (``uvicorn kefu.asgi:application``).

``kefu serve`` starts it itself (once, in its main process, however many workers it runs); an
ASGI server that sends lifespan events starts it here. Other scopes pass straight through, so
test communicators and servers without lifespan support see the plain application.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from asgiref.sync import sync_to_async

logger = logging.getLogger(__name__)

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def with_jobs(inner: ASGIApp) -> ASGIApp:
    """``inner``, plus the job scheduler started on lifespan start-up and stopped on shutdown."""

    async def application(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "lifespan":
            await inner(scope, receive, send)
            return
        from . import embedded, start

        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                try:
                    await sync_to_async(start, thread_sensitive=False)()
                except Exception:  # the site still serves; the log says why
                    logger.exception("job scheduler did not start")
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await sync_to_async(embedded.stop, thread_sensitive=False)()
                await send({"type": "lifespan.shutdown.complete"})
                return

    return application
