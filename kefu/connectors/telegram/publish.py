"""Telling the agents' consoles about what happened in a Telegram conversation.

The live chat services return an :class:`Outbox` of frames for channel-layer groups; the web
chat's sockets send it, and here the webhook does (the customer's side of it has no socket:
what the customer should see goes out through the Bot API instead, from the ticket's messages).
"""

from __future__ import annotations

import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from kefu.connectors.webchat.outbox import Outbox

logger = logging.getLogger(__name__)


def publish(outbox: Outbox) -> None:
    """Send the staff's and consoles' frames; a channel layer that is down is logged, not
    raised: the writes behind the frames have committed and consoles re-read on reconnect."""
    items = [(group, frame) for group, frame in outbox.items if not group.endswith("-customer")]
    if not items:
        return
    layer = get_channel_layer()
    if layer is None:
        return

    async def send() -> None:
        seen_refresh = False
        for group, frame in items:
            if frame.get("type") == "refresh":
                if seen_refresh:
                    continue
                seen_refresh = True
            await layer.group_send(group, {"type": "chat.frame", "frame": frame})

    try:
        async_to_sync(send)()
    except Exception:
        logger.exception("telegram: frames for the consoles were not sent")
