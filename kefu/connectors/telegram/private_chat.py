"""A private chat with the bot is a live chat on the Telegram channel: the same services as the
web widget (:mod:`kefu.connectors.webchat.service`) — the assistant answers first, ``/human``
asks for a person, agents answer from the console, ``/end`` ends it and a rating follows.
Replies go back through the outbox (:mod:`.signals` queues every public message of the ticket).

A chat the agent "continued as a ticket" stays the contact's conversation while the ticket is
open: what they write then is a ticket reply (:func:`kefu.tickets.workflow.customer_reply`).
"""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

from kefu.assistant import actions as assistant_actions
from kefu.assistant.language import detect_language, reply_language
from kefu.clock import now
from kefu.connectors.webchat import service
from kefu.errors import ApiError
from kefu.tickets import actions as tickets
from kefu.tickets.attachments import store_attachment
from kefu.tickets.models import Attachment, Author, Channel, ChatState, Status, Ticket
from kefu.tickets.opening import NewFile
from kefu.tickets.workflow import ACTIVE, customer_reply
from kefu.trust import ratelimit
from kefu.trust.masking import find_secrets, kinds_of
from kefu.trust.notices import NOTICE_KIND, secret_notice

from . import linking, texts
from .files import Fetched
from .models import TelegramContact, TelegramConversation
from .outbound import queue_call, queue_text
from .updates import Incoming, Sender
from .work import Work, ignored

COMMANDS = {"start", "help", "human", "end", "unlink"}
RATE_PREFIX = "rate:"


# -- who and which conversation ----------------------------------------------------------------


def contact_for(sender: Sender, chat_id: int) -> TelegramContact:
    contact, created = TelegramContact.objects.get_or_create(
        user_id=sender.id,
        defaults={
            "chat_id": chat_id,
            "username": sender.username,
            "first_name": sender.first_name,
            "language_code": sender.language_code,
        },
    )
    if not created:
        changed = {
            "chat_id": chat_id,
            "username": sender.username,
            "first_name": sender.first_name,
            "language_code": sender.language_code or contact.language_code,
            "blocked_at": None,  # they write to us: they have not blocked the bot
        }
        fields = [k for k, v in changed.items() if getattr(contact, k) != v]
        for name in fields:
            setattr(contact, name, changed[name])
        if fields:
            contact.save(update_fields=fields)
    return contact


def current_ticket(contact: TelegramContact) -> Ticket | None:
    """The contact's live chat, or the open ticket their last chat was continued as."""
    link = (
        TelegramConversation.objects.filter(contact=contact)
        .select_related("ticket", "ticket__conversation", "ticket__customer")
        .order_by("-id")
        .first()
    )
    if link is None:
        return None
    ticket = link.ticket
    if ticket.merged_into_id is not None:
        return None
    if ticket.chat_state != ChatState.ENDED or ticket.status in ACTIVE:
        return ticket
    return None


def live_chat(contact: TelegramContact) -> Ticket | None:
    ticket = current_ticket(contact)
    return ticket if ticket is not None and ticket.chat_state != ChatState.ENDED else None


def start_chat(contact: TelegramContact, language: str) -> Ticket:
    """A new Telegram conversation: a chat ticket on the Telegram channel, with the
    assistant's conversation, and a note for agents on who this is (linked or not)."""
    customer = contact.customer
    with transaction.atomic():
        conversation = assistant_actions.start_conversation(customer, language)
        ticket = tickets.open_chat(customer, language, conversation, channel=Channel.TELEGRAM)
        TelegramConversation.objects.create(ticket=ticket, contact=contact, chat_id=contact.chat_id)
        tickets.post_message(
            ticket,
            author=Author.SYSTEM,
            text=texts.contact_note(
                contact.username, contact.user_id, customer.exchange_uid if customer else None
            ),
            internal=True,
            kind="telegram_contact",
        )
    return ticket


# -- updates -----------------------------------------------------------------------------------


def command_of(text: str) -> tuple[str, str]:
    """``("start", "link-abc")`` for "/start link-abc" (or "/start@SomeBot link-abc")."""
    if not text.startswith("/"):
        return "", ""
    head, _space, rest = text.partition(" ")
    name = head[1:].split("@", 1)[0].lower()
    return (name, rest.strip()) if name in COMMANDS else ("", "")


def on_message(incoming: Incoming, fetched: Fetched | None) -> Work:
    sender = incoming.sender
    assert sender is not None and incoming.chat_id is not None
    contact = contact_for(sender, incoming.chat_id)
    language = texts.language_of(contact.language_code)
    chat_id = incoming.chat_id
    try:
        ratelimit.hit("chat_message", customer=f"tg-{sender.id}")
    except ratelimit.RateLimited as limited:
        # Told once per window: a reply to every message of a flood would be a flood too.
        if cache.add(f"telegram-slow-down:{sender.id}", 1, timeout=limited.retry_after):
            queue_text(chat_id, texts.slow_down(language, limited.retry_after))
        return ignored("rate_limited")
    command, argument = command_of(incoming.text)
    if command == "start" and argument.startswith(linking.PREFIX):
        customer = linking.redeem(contact, argument[len(linking.PREFIX) :])
        queue_text(chat_id, texts.linked(language) if customer else texts.link_failed(language))
        return Work(reason="linked" if customer else "link_refused")
    if command in ("start", "help"):
        queue_text(chat_id, texts.greeting(language, linked=contact.customer_id is not None))
        return Work(reason=command)
    if command == "unlink":
        linking.unlink(contact)
        queue_text(chat_id, texts.unlinked(language))
        return Work(reason=command)
    if command == "end":
        ticket = live_chat(contact)
        if ticket is None:
            queue_text(chat_id, texts.no_conversation(language))
            return Work(reason="end_without_chat")
        return Work(reason=command, ticket=ticket, outbox=service.customer_end(ticket))
    if command == "human":
        ticket = live_chat(contact) or start_chat(contact, language)
        return Work(reason=command, ticket=ticket, outbox=service.request_person(ticket))
    if incoming.other_content:
        queue_text(chat_id, texts.unsupported(language))
        return ignored("unsupported_content")
    if len(incoming.text.strip()) > settings.KEFU_CHAT_MAX_MESSAGE:
        queue_text(chat_id, texts.too_long(language, settings.KEFU_CHAT_MAX_MESSAGE))
        return ignored("text_too_long")
    ticket = current_ticket(contact)
    if ticket is None:
        spoken = detect_language(incoming.text) if incoming.text.strip() else "other"
        ticket = start_chat(contact, reply_language(spoken, language))
    work = (
        _chat_message(ticket, incoming, fetched)
        if ticket.chat_state != ChatState.ENDED
        else _ticket_reply(ticket, incoming, fetched)
    )
    if find_secrets(incoming.text):
        # The secret is masked on the desk; take it out of the Telegram chat's history too
        # (bots may delete what users sent them in private).
        queue_call(
            chat_id, "deleteMessage", {"chat_id": chat_id, "message_id": incoming.message_id}
        )
    return work


def _chat_message(ticket: Ticket, incoming: Incoming, fetched: Fetched | None) -> Work:
    attachment: Attachment | None = None
    refused = ""
    if fetched is not None and not fetched.refused:
        try:
            with transaction.atomic():
                attachment = store_attachment(ticket, fetched.name, fetched.data)
        except ApiError as problem:
            refused = problem.code
    elif fetched is not None:
        refused = fetched.refused
    text = incoming.text
    if attachment is None and not text.strip():
        text = fetched.name if fetched is not None else ""
    message, created, outbox = service.customer_message(
        ticket, text, f"tg-{incoming.update_id}", attachment.pk if attachment else None
    )
    if created and refused and fetched is not None:
        _say(ticket, texts.file_refused(ticket.language, fetched.name, refused), "file_refused")
    secrets = kinds_of(find_secrets(incoming.text))
    if created and secrets and ticket.chat_state == ChatState.ASSISTANT:
        # With a person the chat service warns; with the assistant it would not (the assistant
        # only ever sees the masked text), so the warning is given here.
        _say(ticket, secret_notice(secrets, ticket.language), NOTICE_KIND)
    return Work(ticket=ticket, outbox=outbox, assistant_turn=message if created else None)


def _ticket_reply(ticket: Ticket, incoming: Incoming, fetched: Fetched | None) -> Work:
    files = [NewFile(fetched.name, fetched.data)] if fetched and not fetched.refused else []
    text = incoming.text.strip() or (fetched.name if fetched else "")
    try:
        with transaction.atomic():
            message = customer_reply(
                ticket,
                text=text,
                channel=Channel.TELEGRAM,
                files=files,
                client_id=f"tg-{incoming.update_id}",
            )
    except ApiError as problem:
        if not files or not problem.code.startswith("attachment_"):
            raise
        message = customer_reply(
            ticket, text=text, channel=Channel.TELEGRAM, client_id=f"tg-{incoming.update_id}"
        )
        assert fetched is not None
        _say(message.ticket, texts.file_refused(ticket.language, fetched.name, problem.code), "")
    if fetched is not None and fetched.refused:
        _say(message.ticket, texts.file_refused(ticket.language, fetched.name, fetched.refused), "")
    return Work(ticket=message.ticket)


def _say(ticket: Ticket, text: str, kind: str) -> None:
    """A notice on the ticket: agents see it, and the customer gets it in Telegram."""
    tickets.post_message(ticket, author=Author.SYSTEM, text=text, kind=kind or "notice")


def on_callback(incoming: Incoming) -> Work:
    """A tap on a rating button under "this conversation has ended"."""
    sender, chat_id = incoming.sender, incoming.chat_id
    if sender is None or chat_id is None or not incoming.callback_data.startswith(RATE_PREFIX):
        return ignored("callback")
    ticket_part, _colon, score_part = incoming.callback_data[len(RATE_PREFIX) :].partition(":")
    link = (
        TelegramConversation.objects.select_related("ticket", "contact")
        .filter(ticket_id=int(ticket_part) if ticket_part.isdigit() else 0)
        .first()
    )
    answer = {"callback_query_id": incoming.callback_id}
    if link is None or link.contact.user_id != sender.id or not score_part.isdigit():
        queue_call(chat_id, "answerCallbackQuery", answer)
        return ignored("callback_not_ours")
    ticket = link.ticket
    language = ticket.language
    try:
        outbox = service.customer_rate(ticket, int(score_part), "")
    except ApiError as problem:
        text = texts.already_rated(language) if problem.code == "already_rated" else ""
        queue_call(chat_id, "answerCallbackQuery", {**answer, "text": text} if text else answer)
        return ignored(problem.code)
    queue_call(chat_id, "answerCallbackQuery", {**answer, "text": texts.rated(language)})
    return Work(reason="rated", ticket=ticket, outbox=outbox)


def rating_keyboard(ticket: Ticket) -> dict[str, object]:
    return {
        "inline_keyboard": [
            [
                {"text": "★" * score, "callback_data": f"{RATE_PREFIX}{ticket.pk}:{score}"}
                for score in range(1, 6)
            ]
        ]
    }


def on_member(incoming: Incoming) -> Work:
    """The user blocked (``kicked``) or unblocked (``member``) the bot in their private chat."""
    if not incoming.private or incoming.sender is None:
        return ignored("chat_member")
    blocked = incoming.member_status == "kicked"
    TelegramContact.objects.filter(user_id=incoming.sender.id).update(
        blocked_at=now() if blocked else None
    )
    return Work(reason="blocked" if blocked else "unblocked")


def survey_wanted(ticket: Ticket) -> bool:
    return ticket.status in (Status.SOLVED, Status.CLOSED)
