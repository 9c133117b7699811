"""WebSocket consumers of live chat: thin — parse a frame, call the service, send the outbox.

Each socket tracks the last message number it has sent per conversation, so frames that cross
on the channel layer are neither duplicated nor delivered out of order: a gap is filled from the
database before the newer message goes out.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import time
from typing import Any

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from channels.layers import get_channel_layer
from django.conf import settings

from kefu.accounts.models import Agent
from kefu.accounts.staff_session import TOUCH_EVERY, socket_activity, socket_may_connect
from kefu.clock import now as desk_now
from kefu.errors import ApiError
from kefu.tickets.models import Author, ChatState, Ticket
from kefu.trust import access, ratelimit
from kefu.trust.audit import scope_ip

from . import clock, on_loop, service
from .outbox import CONSOLES, Outbox, agent_group, customer_group, staff_group

logger = logging.getLogger(__name__)

LANGUAGES = {"zh-hans", "en"}
REFRESH_INTERVAL = 1.0  # seconds between two queue boards sent to one console


async def send_outbox(outbox: Outbox) -> None:
    layer = get_channel_layer()
    assert layer is not None
    for group, frame in outbox.items:
        if group == CONSOLES and frame.get("type") == "refresh":
            _refresh_consoles()
            continue
        await layer.group_send(group, {"type": "chat.frame", "frame": frame})


# Board refreshes for every console leave this process at most once per gap (the first at once,
# then one more after the gap for everything asked meanwhile). One per change filled the
# consoles' channels in a burst of hand-overs (a channel holds 100 messages, and a console busy
# opening a chat does not drain it), and the layer then dropped what came next: "assigned".
CONSOLES_REFRESH_GAP = 0.5
_consoles_refresh: dict[str, Any] = {"pending": None, "sent": -math.inf}


def _refresh_consoles() -> None:
    loop = asyncio.get_running_loop()
    pending = _consoles_refresh["pending"]
    if pending is not None and not pending.done() and pending.get_loop() is loop:
        return  # a refresh not sent yet covers this change too
    delay = max(0.0, _consoles_refresh["sent"] + CONSOLES_REFRESH_GAP - loop.time())
    _consoles_refresh["pending"] = loop.create_task(_send_consoles_refresh(delay))


async def _send_consoles_refresh(delay: float) -> None:
    if delay:
        await asyncio.sleep(delay)
    loop = asyncio.get_running_loop()
    if _consoles_refresh["pending"] is asyncio.current_task():
        _consoles_refresh["pending"] = None  # changes from now on need another refresh
    _consoles_refresh["sent"] = loop.time()
    layer = get_channel_layer()
    assert layer is not None
    try:
        await layer.group_send(CONSOLES, {"type": "chat.frame", "frame": {"type": "refresh"}})
    except Exception:
        logger.exception("console refresh failed")


class ChatSocket(AsyncWebsocketConsumer):
    """What both sides share: JSON frames, errors as frames, ordered gap-free messages."""

    staff = False

    async def dispatch(self, message: dict[str, Any]) -> None:
        """Channels' own dispatch first takes a turn on the database thread to close stale
        connections, for every frame and every message from the layer. Every database call here
        goes through ``database_sync_to_async``, which does that itself, so a message on its
        way to a socket must not queue behind other chats' database work (at 1,000 chats with
        read receipts that turn was most of a delivery's time)."""
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def connect(self) -> None:
        self.sent: dict[str, int] = {}
        self.tickets: dict[str, int] = {}
        await self.accept()
        clock.ensure_running()

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if text_data is None:
            await self.error("malformed_frame", "Frames are JSON text.")
            return
        if len(text_data.encode()) > settings.KEFU_CHAT_MAX_FRAME:
            await self.error("frame_too_large", "The frame is too large.")
            return
        try:
            frame = json.loads(text_data)
        except ValueError:
            await self.error("malformed_frame", "Frames are JSON objects.")
            return
        if not isinstance(frame, dict) or not isinstance(frame.get("type"), str):
            await self.error("malformed_frame", "Frames are JSON objects with a type.")
            return
        handler = getattr(self, "on_" + frame["type"], None)
        if handler is None:
            await self.error("unknown_type", f"Unknown frame type {frame['type'][:40]!r}.")
            return
        if not await self.still_allowed(frame["type"]):
            return
        try:
            await handler(frame)
        except ApiError as exc:
            client_id = frame.get("client_id") if isinstance(frame.get("client_id"), str) else None
            retry_after = getattr(exc, "retry_after", None)  # rate_limited: the socket stays open
            await self.error(exc.code, exc.message, client_id=client_id, retry_after=retry_after)

    async def still_allowed(self, frame_type: str) -> bool:
        """Whether this socket may still act; staff sockets check their session here."""
        return True

    async def error(self, code: str, message: str, **extra: Any) -> None:
        await self.send_frame(
            {
                "type": "error",
                "code": code,
                "message": message,
                **{k: v for k, v in extra.items() if v},
            }
        )

    async def send_frame(self, frame: dict[str, Any]) -> None:
        await self.send(text_data=json.dumps(frame, ensure_ascii=False))

    async def chat_frame(self, event: dict[str, Any]) -> None:
        frame = event["frame"]
        if frame.get("type") == "message":
            await self.deliver(frame)
        else:
            await self.send_frame(frame)

    async def deliver(self, frame: dict[str, Any]) -> None:
        conversation = frame["conversation"]
        last = self.sent.get(conversation)
        if last is None:
            return
        seq = frame["seq"]
        if seq <= last:
            return
        if seq > last + 1:
            for missing in await self.load_backlog(conversation, last):
                if missing["seq"] < seq:
                    await self.send_message(missing)
        if seq > self.sent[conversation]:
            await self.send_message(frame)

    async def send_message(self, frame: dict[str, Any]) -> None:
        conversation = frame["conversation"]
        if frame["seq"] <= self.sent.get(conversation, 0):
            return
        self.sent[conversation] = frame["seq"]
        await self.send_frame(frame)

    async def load_backlog(self, conversation: str, after: int) -> list[dict[str, Any]]:
        ticket_id = self.tickets[conversation]
        return await database_sync_to_async(_backlog)(ticket_id, after, self.staff)

    async def on_ping(self, frame: dict[str, Any]) -> None:
        await self.send_frame({"type": "pong"})


def _backlog(ticket_id: int, after: int, staff: bool) -> list[dict[str, Any]]:
    return service.backlog(Ticket.objects.get(pk=ticket_id), after, staff=staff)


class CustomerConsumer(ChatSocket):
    """``/ws/chat/``: one customer, one conversation."""

    ticket: Ticket | None = None

    async def disconnect(self, code: int) -> None:
        if self.ticket is not None:
            clock.forget_customer(self.ticket.pk, self.channel_name)
            await self.channel_layer.group_discard(
                customer_group(self.ticket.pk), self.channel_name
            )

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        await super().receive(text_data, bytes_data)

    def require_chat(self) -> Ticket:
        if self.ticket is None:
            raise ApiError("hello_required", "Send hello first.")
        return self.ticket

    async def on_hello(self, frame: dict[str, Any]) -> None:
        if self.ticket is not None:
            raise ApiError("already_started", "This socket already has a conversation.")
        lang = frame.get("lang") if frame.get("lang") in LANGUAGES else "en"
        try:
            ticket, welcome = await database_sync_to_async(service.customer_hello)(frame, lang)
        except ApiError as exc:
            await self.error(exc.code, exc.message)
            if exc.code in ("bad_signature", "signature_expired"):
                await self.close(code=4403)
            return
        self.ticket = ticket
        conversation = str(ticket.public_id)
        self.tickets[conversation] = ticket.pk
        after = frame.get("last_seq") if frame.get("conversation") else 0
        after = (
            after if isinstance(after, int) and not isinstance(after, bool) and after >= 0 else 0
        )
        # Subscribe before reading the backlog: anything stored in between arrives both ways
        # and the per-socket sequence check drops the copy.
        await self.channel_layer.group_add(customer_group(ticket.pk), self.channel_name)
        clock.remember_customer(ticket.pk, self.channel_name)
        self.sent[conversation] = after
        await self.send_frame(welcome)
        for message in await self.load_backlog(conversation, after):
            await self.send_message(message)
        if ticket.chat_state == "queued":
            await send_outbox(await database_sync_to_async(service.queue_updates)({ticket.pk}))

    async def on_message(self, frame: dict[str, Any]) -> None:
        ticket = self.require_chat()
        client = self.scope.get("client")
        await ratelimit.ahit(
            "chat_message",
            ip=ratelimit.client_address(client[0] if client else None),
            customer=ticket.customer_id or f"chat-{ticket.pk}",
        )
        args = (ticket, frame.get("text"), frame.get("client_id"), frame.get("attachment"))
        message, created, outbox = await on_loop.customer_message(
            *args
        ) or await database_sync_to_async(service.customer_message)(*args)
        await self.send_frame({"type": "ack", "client_id": message.client_id, "seq": message.seq})
        await send_outbox(outbox)
        # The state is the stored row's as of this message: no read to learn that a person has
        # the chat and the assistant stays quiet.
        if created and ticket.chat_state == ChatState.ASSISTANT:
            await send_outbox(
                await database_sync_to_async(service.assistant_reply)(ticket, message)
            )

    async def on_handoff(self, frame: dict[str, Any]) -> None:
        ticket = self.require_chat()
        await send_outbox(await database_sync_to_async(service.request_person)(ticket))

    async def on_typing(self, frame: dict[str, Any]) -> None:
        ticket = self.require_chat()
        await send_outbox(_typing(ticket, "customer", bool(frame.get("active"))))

    async def on_delivered(self, frame: dict[str, Any]) -> None:
        await self._receipt(delivered=frame.get("seq"))

    async def on_read(self, frame: dict[str, Any]) -> None:
        await self._receipt(read=frame.get("seq"))

    async def _receipt(self, *, delivered: Any = None, read: Any = None) -> None:
        ticket = self.require_chat()
        await send_outbox(
            await on_loop.receipt(ticket, Author.CUSTOMER, delivered, read)
            or await database_sync_to_async(service.customer_receipt)(ticket, delivered, read)
        )

    async def on_end(self, frame: dict[str, Any]) -> None:
        ticket = self.require_chat()
        await send_outbox(await database_sync_to_async(service.customer_end)(ticket))

    async def on_rate(self, frame: dict[str, Any]) -> None:
        ticket = self.require_chat()
        await send_outbox(
            await database_sync_to_async(service.customer_rate)(
                ticket, frame.get("score"), frame.get("comment", "")
            )
        )


def _typing(ticket: Ticket, author: str, active: bool) -> Outbox:
    outbox = Outbox()
    frame = {"type": "typing", "author": author, "active": active}
    if author == "customer":
        outbox.to_staff(ticket, frame)
    else:
        outbox.to_customer(ticket, frame)
    return outbox


class ConsoleConsumer(ChatSocket):
    """``/ws/console/``: one signed-in agent, any number of chats."""

    staff = True
    agent: Agent | None = None
    # The chats this console opened while they were its agent's, kept for the socket's life so
    # that messages, receipts and typing need no lookup and access check of their own: a
    # message's store still checks the assignment on the row it writes, and an entry goes when
    # the chat is transferred away, lost or ended (those frames reach this socket).
    answering: dict[str, Ticket]
    # Frames that are the agent's own work (not heartbeats, receipts or typing): they keep the
    # staff session alive, checked at most once per TOUCH_EVERY.
    WORK = frozenset(
        {"presence", "open", "accept", "message", "canned", "transfer", "ticket", "end"}
    )
    session_checked_at = float("-inf")

    async def still_allowed(self, frame_type: str) -> bool:
        if frame_type not in self.WORK or self.agent is None:
            return True
        now = desk_now().timestamp()
        if now - self.session_checked_at < TOUCH_EVERY.total_seconds():
            return True
        self.session_checked_at = now
        if await database_sync_to_async(socket_activity)(self.scope.get("session"), self.agent):
            return True
        await self.error("signed_out", "Your session has ended: sign in again.")
        await self.close(code=4401)
        return False

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated or not isinstance(user, Agent):
            await self.close(code=4401)
            return
        # Both sign-in steps passed, and the session neither idle nor past its limit.
        if not await database_sync_to_async(socket_may_connect)(self.scope.get("session"), user):
            await self.close(code=4401)
            return
        if not access.sees_customer_data(user):  # content editors work on the help center only
            await self.close(code=4403)
            return
        self.agent = user
        self.answering = {}
        await super().connect()
        await self.channel_layer.group_add(agent_group(user.pk), self.channel_name)
        await self.channel_layer.group_add(CONSOLES, self.channel_name)
        clock.remember_agent(user.pk, self.channel_name)
        await self.send_frame(await database_sync_to_async(service.welcome_for_agent)(user))
        await self.refresh()

    async def disconnect(self, code: int) -> None:
        if self.agent is None:
            return
        task = getattr(self, "refresh_task", None)
        if task is not None:
            task.cancel()
        clock.forget_agent(self.agent.pk, self.channel_name)
        await self.channel_layer.group_discard(agent_group(self.agent.pk), self.channel_name)
        await self.channel_layer.group_discard(CONSOLES, self.channel_name)
        for ticket_id in self.tickets.values():
            await self.channel_layer.group_discard(staff_group(ticket_id), self.channel_name)

    async def chat_frame(self, event: dict[str, Any]) -> None:
        frame = event["frame"]
        if frame.get("type") == "refresh":
            await self.refresh()
            return
        if frame.get("type") == "assigned":
            await self.send_frame(frame)
            return
        if frame.get("type") == "unassigned":
            # Transferred away or lost: what the customer says next is no longer for this console.
            await self.send_frame(frame)
            await self.forget(frame.get("conversation"))
            return
        if frame.get("type") == "ended":
            self.answering.pop(frame.get("conversation"), None)
        await super().chat_frame(event)

    async def forget(self, conversation: Any) -> None:
        if isinstance(conversation, str):
            self.answering.pop(conversation, None)
        ticket_id = self.tickets.pop(conversation, None) if isinstance(conversation, str) else None
        if ticket_id is not None:
            self.sent.pop(conversation, None)
            await self.channel_layer.group_discard(staff_group(ticket_id), self.channel_name)

    async def refresh(self) -> None:
        """Queues this agent serves (and, for supervisors, the wall), at most once a second:
        a burst of routing changes costs one recomputation per console, not one per change."""
        self.refresh_asked = time.monotonic()  # every change asked for so far is committed
        if getattr(self, "refresh_pending", False):
            return
        self.refresh_pending = True
        loop = asyncio.get_running_loop()
        delay = max(0.0, getattr(self, "refreshed_at", 0.0) + REFRESH_INTERVAL - loop.time())
        self.refresh_task = loop.create_task(self._refresh_after(delay))

    async def _refresh_after(self, delay: float) -> None:
        assert self.agent is not None
        if delay:
            await asyncio.sleep(delay)
        self.refresh_pending = False
        self.refreshed_at = asyncio.get_running_loop().time()
        # Any read of the queues begun after the last ask shows what this refresh stands for,
        # so consoles asked together (one group message) share one.
        fresh_after = self.refresh_asked
        for frame in await database_sync_to_async(_boards)(self.agent, fresh_after):
            await self.send_frame(frame)

    def ticket_for(self, frame: dict[str, Any]) -> Ticket:
        """In the database thread: the chat the frame names, if this agent may open it."""
        assert self.agent is not None
        return service.find_for_agent(self.agent, frame.get("conversation"))

    def answered(self, frame: dict[str, Any]) -> Ticket | None:
        """The chat the frame names if this console is answering it (no database)."""
        conversation = frame.get("conversation")
        return self.answering.get(conversation) if isinstance(conversation, str) else None

    async def on_presence(self, frame: dict[str, Any]) -> None:
        assert self.agent is not None
        await send_outbox(
            await database_sync_to_async(service.agent_presence)(self.agent, frame.get("status"))
        )
        await self.send_frame({"type": "presence", "status": frame.get("status")})

    async def on_open(self, frame: dict[str, Any]) -> None:
        ticket = await database_sync_to_async(self.ticket_for)(frame)
        details = await database_sync_to_async(service.chat_details)(
            ticket, self.agent, ip=scope_ip(self.scope)
        )
        conversation = str(ticket.public_id)
        after = frame.get("last_seq")
        after = (
            after if isinstance(after, int) and not isinstance(after, bool) and after >= 0 else 0
        )
        self.tickets[conversation] = ticket.pk
        assert self.agent is not None
        if ticket.assignee_id == self.agent.pk and ticket.chat_state != ChatState.ENDED:
            self.answering[conversation] = ticket
        else:
            self.answering.pop(conversation, None)
        await self.channel_layer.group_add(staff_group(ticket.pk), self.channel_name)
        self.sent[conversation] = after
        await self.send_frame(details)
        for message in await self.load_backlog(conversation, after):
            await self.send_message(message)

    async def on_accept(self, frame: dict[str, Any]) -> None:
        assert self.agent is not None
        agent = self.agent

        def accept() -> Outbox:
            return service.agent_accept(agent, self.ticket_for(frame))

        await send_outbox(await database_sync_to_async(accept)())

    async def on_message(self, frame: dict[str, Any]) -> None:
        await self._say(frame, frame.get("text"))

    async def on_canned(self, frame: dict[str, Any]) -> None:
        assert self.agent is not None
        agent = self.agent

        def render() -> str:
            return service.render_canned(agent, self.ticket_for(frame), frame.get("reply"))

        await self._say(frame, await database_sync_to_async(render)())

    async def _say(self, frame: dict[str, Any], text: Any) -> None:
        assert self.agent is not None
        agent = self.agent
        internal = bool(frame.get("internal"))
        known = None if internal else self.answered(frame)  # notes check access each time

        def say() -> tuple[Any, bool, Outbox]:
            return service.agent_message(
                agent,
                known or self.ticket_for(frame),
                text,
                frame.get("client_id"),
                internal=internal,
            )

        message, _created, outbox = (
            await on_loop.agent_message(agent, known, text, frame.get("client_id"))
            or await database_sync_to_async(say)()
        )
        await self.send_frame(
            {
                "type": "ack",
                "conversation": frame.get("conversation"),
                "client_id": message.client_id,
                "seq": message.seq,
            }
        )
        await send_outbox(outbox)

    async def on_typing(self, frame: dict[str, Any]) -> None:
        ticket = self.answered(frame) or await database_sync_to_async(self.ticket_for)(frame)
        await send_outbox(_typing(ticket, "agent", bool(frame.get("active"))))

    async def on_read(self, frame: dict[str, Any]) -> None:
        await self._receipt(frame, read=frame.get("seq"))

    async def on_delivered(self, frame: dict[str, Any]) -> None:
        await self._receipt(frame, delivered=frame.get("seq"))

    async def _receipt(
        self, frame: dict[str, Any], *, read: Any = None, delivered: Any = None
    ) -> None:
        assert self.agent is not None
        agent = self.agent
        known = self.answered(frame)

        def receipt() -> Outbox:
            return service.agent_receipt(agent, known or self.ticket_for(frame), delivered, read)

        await send_outbox(
            await on_loop.receipt(known, Author.AGENT, delivered, read)
            or await database_sync_to_async(receipt)()
        )

    async def on_transfer(self, frame: dict[str, Any]) -> None:
        assert self.agent is not None
        agent = self.agent

        def transfer() -> Outbox:
            return service.agent_transfer(
                agent,
                self.ticket_for(frame),
                team=frame.get("team"),
                to_agent=frame.get("agent"),
                note=frame.get("note", ""),
            )

        await send_outbox(await database_sync_to_async(transfer)())

    async def on_ticket(self, frame: dict[str, Any]) -> None:
        assert self.agent is not None
        agent = self.agent

        def keep() -> Outbox:
            return service.agent_keep_as_ticket(agent, self.ticket_for(frame))

        await send_outbox(await database_sync_to_async(keep)())

    async def on_end(self, frame: dict[str, Any]) -> None:
        assert self.agent is not None
        agent = self.agent

        def end() -> Outbox:
            return service.agent_end(agent, self.ticket_for(frame), frame.get("resolution"))

        await send_outbox(await database_sync_to_async(end)())


_snapshot: Any = None


def _boards(agent: Agent, fresh_after: float | None = None) -> list[dict[str, Any]]:
    """In the database thread. The consoles of this process that refresh together share one
    read of the queues: the last one, if it was taken after ``fresh_after``."""
    from kefu.routing import board

    global _snapshot
    if _snapshot is None or fresh_after is None or _snapshot.started < fresh_after:
        _snapshot = board.snapshot()
    frames = [board.queues_frame(agent, _snapshot)]
    if access.is_supervisor(agent):
        frames.append(board.wall_frame(_snapshot, teams=access.supervised_team_ids(agent)))
    return frames
