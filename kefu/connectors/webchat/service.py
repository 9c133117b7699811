"""What happens when someone says or does something in a live chat.

Each function writes through the action services and returns an :class:`Outbox` of frames to
fan out once the writes have committed; the consumers only parse frames and send the outbox.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import override

from kefu.accounts.identity import identify
from kefu.accounts.models import Agent, Customer, Team
from kefu.assistant import actions as assistant_actions
from kefu.assistant.engine import AssistantError, respond, summarize
from kefu.errors import ApiError
from kefu.routing import services as routing
from kefu.routing.models import QueueEntry
from kefu.tickets import actions as tickets
from kefu.tickets.models import Attachment, Author, CannedReply, ChatState, Message, Ticket
from kefu.trust import access
from kefu.trust.masking import kinds_of, mask_secrets
from kefu.trust.notices import NOTICE_KIND, secret_notice

from . import store
from .frames import chat_summary, conversation_token, message_frame, token_matches
from .outbox import Outbox, customer_group
from .profile import customer_profile

RESOLUTIONS_KEEPING_OPEN = {"transferred_to_ticket"}


# -- the customer's side ----------------------------------------------------------------------


def start_chat(customer: Customer | None, language: str) -> tuple[Ticket, Outbox]:
    with transaction.atomic():
        conversation = assistant_actions.start_conversation(customer, language)
        ticket = tickets.open_chat(customer, language, conversation)
        with override(language):
            greeting = _(
                "Hi, I'm the assistant. Ask me anything, or press “Talk to a person” at any time."
            )
        tickets.post_message(ticket, author=Author.ASSISTANT, text=greeting, kind="greeting")
    return ticket, Outbox()


def find_chat(public_id: Any, token: Any, customer: Customer | None) -> Ticket:
    """The customer's own conversation; anything else looks like it does not exist."""
    ticket = None
    if isinstance(public_id, str):
        try:
            ticket = (
                Ticket.objects.select_related("customer", "conversation")
                .filter(public_id=public_id)
                .first()
            )
        except Exception:  # not a UUID
            ticket = None
    if ticket is None or not token_matches(ticket, token):
        raise ApiError("conversation_not_found", "No such conversation.", 404)
    if ticket.customer_id != (customer.pk if customer else None):
        raise ApiError("conversation_not_found", "No such conversation.", 404)
    return ticket


def backlog(ticket: Ticket, after: int, *, staff: bool) -> list[dict[str, Any]]:
    messages = ticket.messages.filter(seq__gt=after).select_related("attachment", "agent")
    if not staff:
        messages = messages.filter(internal=False)
    token = conversation_token(ticket)
    return [
        message_frame(m, conversation=str(ticket.public_id), token=token)
        for m in messages.order_by("seq")
    ]


def customer_message(
    ticket: Ticket, text: Any, client_id: Any, attachment_id: Any = None
) -> tuple[Message, bool, Outbox]:
    client_id = valid_client_id(client_id)
    attachment = _own_attachment(ticket, attachment_id)
    text = tickets.validate_text(text, allow_empty=attachment is not None)
    masked, secrets = mask_secrets(text)
    message, created = store.store(
        ticket, author=Author.CUSTOMER, text=masked, client_id=client_id, attachment=attachment
    ) or tickets.post_message(
        ticket,
        author=Author.CUSTOMER,
        text=masked,
        client_id=client_id,
        attachment=attachment,
        guard=_chat_open,
    )
    if not created:
        return message, False, Outbox()
    return message, True, customer_message_outbox(ticket, message, secrets)


def valid_client_id(client_id: Any) -> str:
    if not isinstance(client_id, str) or not client_id:
        raise ApiError("invalid_client_id", "Every message needs a client_id.")
    return client_id


def customer_message_outbox(ticket: Ticket, message: Message, secrets: list[Any]) -> Outbox:
    """What a new customer message sends; only a secret's warning writes (to the database)."""
    outbox = Outbox()
    outbox.message(ticket, message)
    if ticket.chat_state == ChatState.ASSISTANT:
        pass  # the assistant answers in :func:`assistant_reply`, after the acknowledgement
    elif secrets:
        warning = secret_notice(kinds_of(secrets), ticket.language)
        notice, _created = tickets.post_message(
            ticket, author=Author.SYSTEM, text=warning, kind=NOTICE_KIND
        )
        outbox.message(ticket, notice)
    elif ticket.chat_state == ChatState.QUEUED:
        outbox.refresh_consoles()
    return outbox


def _chat_open(ticket: Ticket) -> None:
    if ticket.chat_state == ChatState.ENDED:
        raise ApiError("chat_ended", "This chat has ended; start a new one.", 409)


def _own_attachment(ticket: Ticket, attachment_id: Any) -> Attachment | None:
    if attachment_id in (None, ""):
        return None
    try:
        return Attachment.objects.get(pk=int(attachment_id), ticket=ticket)
    except (TypeError, ValueError, Attachment.DoesNotExist):
        raise ApiError("attachment_not_found", "No such attachment in this chat.", 404) from None


def assistant_reply(ticket: Ticket, message: Message) -> Outbox:
    """The assistant's answer to a customer's message, while no person has the chat."""
    ticket.refresh_from_db()
    if ticket.chat_state != ChatState.ASSISTANT or not message.text:
        return Outbox()
    return _assistant_turn(ticket, message.text)


def _assistant_turn(ticket: Ticket, text: str) -> Outbox:
    outbox = Outbox()
    try:
        answer = respond(
            text,
            conversation=ticket.conversation,
            customer=ticket.customer,
            language=ticket.language,
        )
    except AssistantError:
        return outbox
    if answer.reply:
        reply, _created = tickets.post_message(
            ticket, author=Author.ASSISTANT, text=answer.reply, kind=answer.kind
        )
        outbox.message(ticket, reply)
    if answer.handoff is not None:
        outbox.extend(
            _to_queue(
                ticket,
                reason=answer.handoff["reason"],
                urgent=answer.handoff["priority"] == "urgent",
            )
        )
    return outbox


def customer_hello(frame: dict[str, Any], lang: str) -> tuple[Ticket, dict[str, Any]]:
    """The chat a ``hello`` frame starts or resumes, and the ``welcome`` frame that answers it."""
    customer = identify(frame.get("customer_id"), frame.get("signature"), frame.get("expires"))
    if frame.get("conversation"):
        ticket = find_chat(frame.get("conversation"), frame.get("token"), customer)
    else:
        ticket, _outbox = start_chat(
            customer, customer.language if customer and not frame.get("lang") else lang
        )
    ticket.refresh_from_db()
    return ticket, {
        "type": "welcome",
        "conversation": str(ticket.public_id),
        "token": conversation_token(ticket),
        "identified": customer is not None,
        "customer_name": str(customer) if customer else None,
        "state": ticket.chat_state,
        "last_seq": ticket.last_seq,
        "lang": ticket.language,
        "agent": str(ticket.assignee) if ticket.assignee_id else None,
        "agent_read_seq": ticket.agent_read_seq,
        "agent_delivered_seq": ticket.agent_delivered_seq,
    }


def request_person(ticket: Ticket) -> Outbox:
    ticket.refresh_from_db()
    if ticket.chat_state != ChatState.ASSISTANT:
        return Outbox()
    conversation = ticket.conversation
    if conversation is not None:
        assistant_actions.hand_over(
            conversation,
            reason="customer_request",
            priority="normal",
            summary=summarize(conversation, "human_request"),
        )
    return _to_queue(ticket, reason="customer_request", urgent=False)


def _to_queue(ticket: Ticket, *, reason: str, urgent: bool) -> Outbox:
    outbox = Outbox()
    routing.enqueue(ticket, reason=reason, urgent=urgent)
    with override(ticket.language):
        text = _("Connecting you with a person. You can keep writing while you wait.")
    notice, _created = tickets.post_message(ticket, author=Author.SYSTEM, text=text, kind="queued")
    outbox.message(ticket, notice)
    outbox.to_customer(ticket, {"type": "state", "state": ChatState.QUEUED})
    # A chat handed to someone at once gets no place in line (and costs no read of the pool).
    outbox.extend(run_dispatch())
    outbox.extend(queue_updates(only={ticket.pk}))
    outbox.refresh_consoles()
    return outbox


def customer_receipt(ticket: Ticket, delivered: Any, read: Any) -> Outbox:
    delivered_seq, read_seq = _receipt(ticket, Author.CUSTOMER, seq_of(delivered), seq_of(read))
    return receipt_outbox(ticket, Author.CUSTOMER, delivered_seq, read_seq)


def receipt_outbox(ticket: Ticket, reader: str, delivered_seq: int, read_seq: int) -> Outbox:
    """A receipt goes to the other side: the customer's to the staff, the agent's to the
    customer."""
    outbox = Outbox()
    frame = {
        "type": "receipt",
        "reader": "customer" if reader == Author.CUSTOMER else "agent",
        "delivered_seq": delivered_seq,
        "read_seq": read_seq,
    }
    if reader == Author.CUSTOMER:
        outbox.to_staff(ticket, frame)
    else:
        outbox.to_customer(ticket, frame)
    return outbox


def _receipt(
    ticket: Ticket, reader: str, delivered: int | None, read: int | None
) -> tuple[int, int]:
    return store.receipt(ticket, reader, delivered=delivered, read=read) or (
        tickets.record_receipt(ticket, reader, delivered=delivered, read=read)
    )


def seq_of(value: Any) -> int | None:
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ApiError("invalid_seq", "seq is a whole number.")
    return value


def customer_end(ticket: Ticket) -> Outbox:
    ticket.refresh_from_db()
    was_waiting = QueueEntry.objects.filter(ticket=ticket).delete()[0] > 0
    resolution = "abandoned" if was_waiting else "solved"
    return _ended(ticket, by="customer", resolution=resolution, agent=None)


def customer_rate(ticket: Ticket, score: Any, comment: Any) -> Outbox:
    ticket.refresh_from_db()
    rating = tickets.rate(ticket, score, comment)
    outbox = Outbox()
    outbox.to_customer(ticket, {"type": "rated", "score": rating.score})
    outbox.to_staff(ticket, {"type": "rated", "score": rating.score})
    return outbox


def _ended(ticket: Ticket, *, by: str, resolution: str, agent: Agent | None) -> Outbox:
    assignee = ticket.assignee_id
    ended = tickets.end_chat(
        ticket,
        by=by,
        resolution=resolution,
        agent=agent,
        keep_open=resolution in RESOLUTIONS_KEEPING_OPEN,
    )
    outbox = Outbox()
    frame = {"type": "ended", "by": by, "resolution": resolution, "survey": True}
    outbox.to_both(ended, frame)
    if assignee:
        routing.finished(assignee)
        outbox.extend(run_dispatch())
    outbox.refresh_consoles()
    return outbox


# -- routing ----------------------------------------------------------------------------------


def run_dispatch() -> Outbox:
    outbox = Outbox()
    for assignment in routing.dispatch():
        outbox.extend(
            _announce_assignment(assignment.ticket_id, assignment.agent_id, assignment.queue)
        )
    if outbox.items:
        outbox.refresh_consoles()
    return outbox


def _announce_assignment(ticket_id: int, agent_id: int, queue: str | None) -> Outbox:
    outbox = Outbox()
    ticket = Ticket.objects.select_related("customer", "assignee").get(pk=ticket_id)
    agent = ticket.assignee
    with override(ticket.language):
        text = _("%(name)s has joined the chat.") % {"name": agent}
    notice, _created = tickets.post_message(ticket, author=Author.SYSTEM, text=text, kind="joined")
    outbox.message(ticket, notice)
    outbox.to_customer(ticket, {"type": "state", "state": ChatState.ASSIGNED, "agent": str(agent)})
    outbox.to_agent(agent_id, {"type": "assigned", "chat": chat_summary(ticket, queue=queue)})
    return outbox


def queue_updates(only: set[int] | None = None) -> Outbox:
    """Place-in-line frames for waiting customers (all, or the tickets in ``only``)."""
    outbox = Outbox()
    for place in routing.queue_places(only=only):
        outbox.items.append(
            (
                customer_group(place.ticket_id),
                {
                    "type": "queue",
                    "position": place.position,
                    "estimate_seconds": None
                    if place.estimate_seconds is None
                    else round(place.estimate_seconds),
                    "queue": place.queue,
                },
            )
        )
    return outbox


def release_abandoned_chats() -> Outbox:
    outbox = Outbox()
    for ticket in routing.release_abandoned():
        outbox.extend(_ended(ticket, by="system", resolution="abandoned", agent=None))
    return outbox


def release_lost_agents() -> Outbox:
    outbox = Outbox()
    released = routing.release_lost_agents()
    for ticket in Ticket.objects.filter(pk__in=list(released.chats)):
        outbox.to_agent(
            released.chats[ticket.pk],
            {"type": "unassigned", "conversation": str(ticket.public_id), "reason": "agent_lost"},
        )
        outbox.to_customer(ticket, {"type": "state", "state": ChatState.QUEUED})
    if released:
        outbox.refresh_consoles()  # "agents online" changed even when no chat moved
    return outbox


# -- the agent's side -------------------------------------------------------------------------


def is_supervisor(agent: Agent) -> bool:
    return access.is_supervisor(agent)


def find_for_agent(agent: Agent, public_id: Any) -> Ticket:
    ticket = None
    if isinstance(public_id, str):
        try:
            ticket = (
                Ticket.objects.select_related("customer", "conversation", "assignee")
                .filter(public_id=public_id)
                .first()
            )
        except Exception:
            ticket = None
    if ticket is None or not access.can_open_chat(agent, ticket):
        raise ApiError("conversation_not_found", "No such conversation.", 404)
    return ticket


def _require_assignee(agent: Agent, ticket: Ticket) -> None:
    if not access.can_answer_chat(agent, ticket):
        raise ApiError("not_assigned", "This chat is not assigned to you.", 403)


def chat_details(ticket: Ticket, agent: Agent, *, ip: str | None = None) -> dict[str, Any]:
    conversation = ticket.conversation
    handoff = None
    if conversation is not None and conversation.handed_over_at:
        handoff = {
            "reason": conversation.handoff_reason,
            "priority": conversation.handoff_priority,
            "summary": conversation.handoff_summary,
        }
    notes = list(ticket.messages.filter(internal=True).values_list("text", flat=True))
    return {
        "type": "chat",
        "conversation": str(ticket.public_id),
        "number": ticket.number,
        "state": ticket.chat_state,
        "language": ticket.language,
        "priority": ticket.priority,
        "assignee": str(ticket.assignee) if ticket.assignee else None,
        "customer": customer_profile(ticket, agent, ip=ip),
        "handoff": handoff,
        "notes": notes,
        "last_seq": ticket.last_seq,
        "customer_read_seq": ticket.customer_read_seq,
        "transcript_url": reverse("chat-transcript", args=[ticket.public_id, "html"]),
    }


def agent_message(
    agent: Agent, ticket: Ticket, text: Any, client_id: Any, *, internal: bool = False
) -> tuple[Message, bool, Outbox]:
    client_id = valid_client_id(client_id)

    def may_answer(locked: Ticket) -> None:
        if not internal:
            _require_assignee(agent, locked)
            if locked.chat_state == ChatState.ENDED:
                raise ApiError("chat_ended", "This chat has ended.", 409)

    text = tickets.validate_text(text)
    masked, _secrets = mask_secrets(text)
    fast = None
    if not internal:
        fast = store.store(
            ticket, author=Author.AGENT, text=masked, client_id=client_id, agent=agent
        )
    message, created = fast or tickets.post_message(
        ticket,
        author=Author.AGENT,
        text=masked,
        client_id=client_id,
        agent=agent,
        internal=internal,
        guard=may_answer,
    )
    outbox = Outbox()
    if created:
        outbox.message(ticket, message)
    return message, created, outbox


def render_canned(agent: Agent, ticket: Ticket, reply_id: Any) -> str:
    try:
        reply = CannedReply.objects.get(pk=int(reply_id))
    except (TypeError, ValueError, CannedReply.DoesNotExist):
        raise ApiError("canned_not_found", "No such canned reply.", 404) from None
    values = {
        "customer_name": str(ticket.customer) if ticket.customer else "",
        "agent_name": str(agent),
        "ticket_number": ticket.number,
    }
    text = reply.body
    for key, value in values.items():
        text = text.replace("{" + key + "}", value)
    return text


def agent_receipt(agent: Agent, ticket: Ticket, delivered: Any, read: Any) -> Outbox:
    delivered_seq, read_seq = _receipt(ticket, Author.AGENT, seq_of(delivered), seq_of(read))
    return receipt_outbox(ticket, Author.AGENT, delivered_seq, read_seq)


def agent_accept(agent: Agent, ticket: Ticket) -> Outbox:
    assignment = routing.accept(agent, ticket)
    outbox = _announce_assignment(assignment.ticket_id, assignment.agent_id, assignment.queue)
    outbox.refresh_consoles()
    return outbox


def agent_presence(agent: Agent, status: Any) -> Outbox:
    routing.set_presence(agent, status if isinstance(status, str) else "")
    outbox = Outbox()
    if status == "offline":
        outbox.extend(release_lost_agents())
    outbox.extend(run_dispatch())
    outbox.refresh_consoles()
    return outbox


def agent_transfer(
    agent: Agent, ticket: Ticket, *, team: Any = None, to_agent: Any = None, note: Any = ""
) -> Outbox:
    ticket.refresh_from_db()
    _require_assignee(agent, ticket)
    note = note if isinstance(note, str) else ""
    outbox = Outbox()
    target_team = Team.objects.filter(slug=team).first() if isinstance(team, str) else None
    target_agent = None
    if to_agent is not None:
        try:
            target_agent = access.assignable_agents().get(pk=int(to_agent))
        except (TypeError, ValueError, Agent.DoesNotExist):
            raise ApiError("agent_not_found", "No such agent.", 404) from None
    if target_team is None and target_agent is None:
        raise ApiError("transfer_target", "Transfer to a team or an agent.")
    tickets.transfer(ticket, by=agent, team=target_team, to_agent=target_agent, note=note)
    if note:
        with override(ticket.language):
            text = _("Transfer note from %(name)s: %(note)s") % {"name": agent, "note": note}
        message, _created = tickets.post_message(
            ticket, author=Author.AGENT, agent=agent, text=text, internal=True, kind="transfer"
        )
        outbox.message(ticket, message)
    previous = ticket.assignee_id
    if target_agent is not None:
        tickets.assign(ticket, target_agent, waited=0.0, estimate=None)
        outbox.extend(_announce_assignment(ticket.pk, target_agent.pk, None))
    else:
        routing.requeue(ticket, reason="transfer", front=True, team=target_team)
        outbox.to_customer(ticket, {"type": "state", "state": ChatState.QUEUED})
        outbox.extend(run_dispatch())
        outbox.extend(queue_updates(only={ticket.pk}))
    if previous and previous != (target_agent.pk if target_agent else None):
        outbox.to_agent(
            previous,
            {"type": "unassigned", "conversation": str(ticket.public_id), "reason": "transferred"},
        )
    outbox.refresh_consoles()
    return outbox


def agent_end(agent: Agent, ticket: Ticket, resolution: Any) -> Outbox:
    ticket.refresh_from_db()
    _require_assignee(agent, ticket)
    if not isinstance(resolution, str):
        raise ApiError("invalid_resolution", "Unknown resolution code.")
    return _ended(ticket, by="agent", resolution=resolution, agent=agent)


def agent_keep_as_ticket(agent: Agent, ticket: Ticket) -> Outbox:
    return agent_end(agent, ticket, "transferred_to_ticket")


def welcome_for_agent(agent: Agent) -> dict[str, Any]:
    from kefu.routing.models import Presence

    presence, _created = Presence.objects.get_or_create(agent=agent)
    chats = [
        chat_summary(t)
        for t in Ticket.objects.filter(
            assignee=agent, chat_state=ChatState.ASSIGNED
        ).select_related("customer")
    ]
    return {
        "type": "welcome",
        "agent": {"id": agent.pk, "name": str(agent), "role": agent.role},
        "presence": presence.status,
        "capacity": presence.capacity,
        "chats": chats,
    }
