"""A ticket's life after it is opened: replies, notes, status changes, reopening, escalation,
merging. Every change is one transaction that records an event and moves the SLA clocks.

Statuses: new → open (someone works on it) ⇄ pending (waiting on the customer: SLA paused) or
on hold (waiting on a third party or another team: the clock runs) → solved → closed. A
customer's reply to a solved ticket reopens it within ``KEFU_REOPEN_DAYS``; after that, or once
closed, it opens a follow-up ticket instead (a closed case stays as it was).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from kefu.accounts.models import Agent, Customer
from kefu.clock import now
from kefu.errors import ApiError
from kefu.events.services import record_event
from kefu.trust.masking import Redactor, without_secrets
from kefu.trust.notices import NOTICE_KIND, secret_notice

from .actions import post_message
from .attachments import store_attachment
from .models import Attachment, Author, Kind, Message, Priority, Status, Ticket
from .opening import NewFile, open_ticket, validate_message_text
from .sla.clocks import track

# Which status may follow which; closed is final.
TRANSITIONS: dict[str, set[str]] = {
    Status.NEW: {Status.OPEN, Status.PENDING, Status.ON_HOLD, Status.SOLVED, Status.CLOSED},
    Status.OPEN: {Status.PENDING, Status.ON_HOLD, Status.SOLVED, Status.CLOSED},
    Status.PENDING: {Status.OPEN, Status.ON_HOLD, Status.SOLVED, Status.CLOSED},
    Status.ON_HOLD: {Status.OPEN, Status.PENDING, Status.SOLVED, Status.CLOSED},
    Status.SOLVED: {Status.OPEN, Status.CLOSED},
    Status.CLOSED: set(),
}
ACTIVE = (Status.NEW, Status.OPEN, Status.PENDING, Status.ON_HOLD)


def agent_reply(
    ticket: Ticket,
    *,
    agent: Agent,
    text: str,
    status: str = Status.PENDING,
    channel: str = "",
    files: Sequence[NewFile] = (),
) -> Message:
    """A public answer; by default the ticket then waits on the customer (pending)."""
    text = without_secrets(validate_message_text(text))
    with transaction.atomic():
        locked = _lock(ticket)
        if locked.status == Status.CLOSED:
            raise ApiError("ticket_closed", "This ticket is closed.", 409)
        if status not in TRANSITIONS or (
            status != locked.status and status not in TRANSITIONS[locked.status]
        ):
            raise ApiError("invalid_status", f"A reply cannot set the status to {status!r}.")
        at = now()
        message = _post(locked, Author.AGENT, text, channel, agent=agent, files=files)
        changed = ["updated_at"]
        if locked.first_response_at is None:
            locked.first_response_at = at
            changed.append("first_response_at")
        locked.awaiting_agent_since = None
        changed.append("awaiting_agent_since")
        if locked.assignee_id is None:
            locked.assignee = agent
            changed.append("assignee")
        changed += track(locked, "agent_replied", at)
        record_event(
            "ticket.replied",
            locked,
            actor=agent,
            data={"message_seq": message.seq, "channel": message.channel},
        )
        changed += _move(locked, status, at, actor=agent)
        locked.save(update_fields=sorted(set(changed)))
    _refresh(ticket, locked)
    return message


def add_note(ticket: Ticket, *, agent: Agent, text: str) -> Message:
    """An internal note: agents see it, the customer never does."""
    text = without_secrets(validate_message_text(text))
    with transaction.atomic():
        locked = _lock(ticket)
        message, _created = post_message(
            locked, author=Author.AGENT, agent=agent, text=text, internal=True
        )
        record_event("ticket.note_added", locked, actor=agent, data={"message_seq": message.seq})
    return message


def customer_reply(
    ticket: Ticket,
    *,
    text: str,
    channel: str,
    files: Sequence[NewFile] = (),
    client_id: str = "",
    masked: Sequence[str] = (),
) -> Message:
    """The customer writes again. Returns the stored message, which is on a new follow-up
    ticket when this one is closed or was solved too long ago to reopen."""
    text = validate_message_text(text)
    with transaction.atomic():
        locked = _lock(ticket)
        if locked.merged_into_id is not None:
            target = Ticket.objects.get(pk=locked.merged_into_id)
            return customer_reply(
                target, text=text, channel=channel, files=files, client_id=client_id, masked=masked
            )
        at = now()
        if not _reopenable(locked, at):
            return _follow_up(locked, text, channel, files, client_id, masked)
        if client_id:
            earlier = locked.messages.filter(client_id=client_id).first()
            if earlier is not None:
                return earlier
        before = locked.status
        redactor = Redactor(masked)
        text = redactor.mask(text)
        files = [NewFile(redactor.mask(file.name), file.data) for file in files]
        message = _post(locked, Author.CUSTOMER, text, channel, files=files, client_id=client_id)
        if redactor.kinds:
            post_message(
                locked,
                author=Author.SYSTEM,
                text=secret_notice(redactor.kinds, locked.language),
                channel=channel,
                kind=NOTICE_KIND,
            )
        changed = ["updated_at"]
        if locked.awaiting_agent_since is None:
            locked.awaiting_agent_since = at
            changed.append("awaiting_agent_since")
        if before == Status.SOLVED:
            locked.reopened_count += 1
            changed.append("reopened_count")
            changed += _move(locked, Status.OPEN, at, reason="customer_replied")
        elif before == Status.PENDING:
            changed += _move(locked, Status.OPEN, at, reason="customer_replied")
        changed += track(locked, "customer_replied", at)
        record_event(
            "ticket.customer_replied",
            locked,
            data={"message_seq": message.seq, "channel": message.channel},
        )
        locked.save(update_fields=sorted(set(changed)))
    _refresh(ticket, locked)
    return message


def change_status(ticket: Ticket, status: str, *, by: Agent | None) -> Ticket:
    with transaction.atomic():
        locked = _lock(ticket)
        if status != locked.status:
            if status not in TRANSITIONS.get(locked.status, set()):
                raise ApiError(
                    "invalid_status",
                    f"A {locked.status} ticket cannot become {status}.",
                    409,
                )
            changed = _move(locked, status, now(), actor=by)
            locked.save(update_fields=sorted({*changed, "updated_at"}))
    _refresh(ticket, locked)
    return locked


def change_priority(ticket: Ticket, priority: str, *, by: Agent) -> Ticket:
    if priority not in Priority.values:
        raise ApiError("invalid_priority", "Priority is one of low, normal, high, urgent.")
    with transaction.atomic():
        locked = _lock(ticket)
        if priority != locked.priority:
            record_event(
                "ticket.priority_changed",
                locked,
                actor=by,
                data={"from": locked.priority, "to": priority},
            )
            locked.priority = priority
            changed = ["priority", "updated_at", *track(locked, "reprioritised", now())]
            locked.save(update_fields=sorted(set(changed)))
    _refresh(ticket, locked)
    return locked


def assign_ticket(ticket: Ticket, agent: Agent | None, *, by: Agent) -> Ticket:
    with transaction.atomic():
        locked = _lock(ticket)
        locked.assignee = agent
        changed = ["assignee", "updated_at"]
        if agent is not None and locked.status == Status.NEW:
            changed += _move(locked, Status.OPEN, now(), actor=by)
        locked.save(update_fields=sorted(set(changed)))
        record_event(
            "ticket.assigned", locked, actor=by, data={"agent": agent.pk if agent else None}
        )
    _refresh(ticket, locked)
    return locked


def set_tags(ticket: Ticket, tags: Sequence[str], *, by: Agent) -> Ticket:
    clean = sorted({t.strip().lower()[:40] for t in tags if isinstance(t, str) and t.strip()})
    with transaction.atomic():
        locked = _lock(ticket)
        if clean != locked.tags:
            record_event(
                "ticket.tags_changed", locked, actor=by, data={"from": locked.tags, "to": clean}
            )
            locked.tags = clean
            locked.save(update_fields=["tags", "updated_at"])
    _refresh(ticket, locked)
    return locked


def escalation_opens_at(ticket: Ticket) -> datetime | None:
    """When the customer may ask for a supervisor; None when they may now.

    Straight away for complaints, urgent tickets and breached SLAs; otherwise once the ticket
    has been open ``KEFU_ESCALATION_AFTER_HOURS`` without being solved. Asking twice at the
    same level changes nothing.
    """
    if ticket.kind == Kind.COMPLAINT or ticket.priority == Priority.URGENT or ticket.sla_breached:
        return None
    opens = ticket.created_at + timedelta(hours=settings.KEFU_ESCALATION_AFTER_HOURS)
    return None if now() >= opens else opens


def request_escalation(ticket: Ticket, *, reason: str = "") -> Ticket:
    """The customer asks for a supervisor ("要求主管介入")."""
    if ticket.status not in ACTIVE:
        raise ApiError("ticket_not_active", "Only an unsolved ticket can be escalated.", 409)
    if ticket.escalation_level > 0:
        raise ApiError("already_escalated", "A supervisor is already following this ticket.", 409)
    opens = escalation_opens_at(ticket)
    if opens is not None:
        raise ApiError(
            "escalation_not_yet",
            f"A supervisor can be asked for from {opens.isoformat(timespec='minutes')}.",
            409,
        )
    return escalate(ticket, reason="customer_request", note=reason[:500])


def escalate(ticket: Ticket, *, reason: str, by: Agent | None = None, note: str = "") -> Ticket:
    with transaction.atomic():
        locked = _lock(ticket)
        locked.escalation_level += 1
        locked.escalated_at = now()
        changed = ["escalation_level", "escalated_at", "updated_at"]
        if locked.priority in (Priority.LOW, Priority.NORMAL):
            locked.priority = Priority.HIGH
            changed += ["priority", *track(locked, "reprioritised", locked.escalated_at)]
        record_event(
            "ticket.escalated",
            locked,
            actor=by,
            data={"reason": reason, "level": locked.escalation_level, "note": note},
        )
        locked.save(update_fields=sorted(set(changed)))
    _refresh(ticket, locked)
    return locked


def merge(source: Ticket, target: Ticket, *, by: Agent) -> Ticket:
    """Fold ``source`` into ``target``: both histories stay whole (each keeps its messages and
    events; views of the target show the merged ticket's messages too), the source is closed
    and later replies to it land on the target."""
    if source.pk == target.pk:
        raise ApiError("merge_same", "A ticket cannot be merged into itself.")
    first, second = sorted([source.pk, target.pk])
    with transaction.atomic():
        locks = {t.pk: t for t in Ticket.objects.select_for_update().filter(pk__in=[first, second])}
        src, dst = locks[source.pk], locks[target.pk]
        if src.merged_into_id is not None or dst.merged_into_id is not None:
            raise ApiError("already_merged", "One of these tickets is already merged.", 409)
        if dst.status == Status.CLOSED:
            raise ApiError("ticket_closed", "Merge into an open ticket.", 409)
        if src.customer_id != dst.customer_id or (
            src.customer_id is None and src.requester_email.lower() != dst.requester_email.lower()
        ):
            raise ApiError("merge_other_customer", "Only one customer's tickets can be merged.")
        at = now()
        dst.cc = list({a.lower(): a for a in [*dst.cc, *src.cc]}.values())
        dst.tags = sorted({*dst.tags, *src.tags})
        dst.save(update_fields=["cc", "tags", "updated_at"])
        src.merged_into = dst
        changed = ["merged_into", "updated_at", *_move(src, Status.CLOSED, at, actor=by)]
        src.save(update_fields=sorted(set(changed)))
        record_event("ticket.merged", src, actor=by, data={"into": dst.number})
        record_event("ticket.merged_in", dst, actor=by, data={"from": src.number})
    _refresh(source, src)
    _refresh(target, dst)
    return dst


def close_solved(older_than_days: int | None = None) -> int:
    """Close tickets solved longer ago than the reopen window (a periodic job)."""
    days = settings.KEFU_REOPEN_DAYS if older_than_days is None else older_than_days
    cutoff = now() - timedelta(days=days)
    closed = 0
    for pk in Ticket.objects.filter(status=Status.SOLVED, solved_at__lt=cutoff).values_list(
        "pk", flat=True
    )[:1000]:
        with transaction.atomic():
            locked = Ticket.objects.select_for_update().get(pk=pk)
            if locked.status == Status.SOLVED:
                locked.save(update_fields=_move(locked, Status.CLOSED, now()))
                closed += 1
    return closed


def _lock(ticket: Ticket) -> Ticket:
    return Ticket.objects.select_for_update().get(pk=ticket.pk)


def _refresh(stale: Ticket, fresh: Ticket) -> None:
    if stale is not fresh:
        stale.refresh_from_db()


def _post(
    ticket: Ticket,
    author: str,
    text: str,
    channel: str,
    *,
    agent: Agent | None = None,
    files: Sequence[NewFile] = (),
    client_id: str = "",
) -> Message:
    stored: list[Attachment] = []
    try:
        message, _created = post_message(
            ticket, author=author, agent=agent, text=text, channel=channel, client_id=client_id
        )
        for file in files:
            attachment = store_attachment(ticket, file.name, file.data)
            stored.append(attachment)
            post_message(
                ticket,
                author=author,
                agent=agent,
                text=attachment.name,
                channel=channel,
                attachment=attachment,
                kind="attachment",
            )
    except Exception:
        for attachment in stored:
            attachment.file.delete(save=False)
        raise
    return message  # post_message left ``ticket`` with the row's new number and status


def _move(
    ticket: Ticket, status: str, at: datetime, *, actor: Agent | None = None, reason: str = ""
) -> list[str]:
    """Set the status in memory, record it and move the clocks; returns the changed fields."""
    before = ticket.status
    if status == before:
        return []
    ticket.status = status
    changed = ["status"]
    if status == Status.SOLVED:
        ticket.solved_at = at
        changed += ["solved_at", *track(ticket, "solved", at)]
    elif status == Status.CLOSED:
        ticket.closed_at = at
        changed += ["closed_at", *track(ticket, "solved", at)]
    elif before == Status.SOLVED:
        changed += track(ticket, "reopened", at)
    elif status == Status.PENDING:
        changed += track(ticket, "paused", at)
    elif before == Status.PENDING:
        changed += track(ticket, "resumed", at)
    kind = "ticket.reopened" if before == Status.SOLVED else "ticket.status_changed"
    record_event(kind, ticket, actor=actor, data={"from": before, "to": status, "reason": reason})
    return changed


def _reopenable(ticket: Ticket, at: datetime) -> bool:
    if ticket.status == Status.CLOSED:
        return False
    if ticket.status == Status.SOLVED and ticket.solved_at is not None:
        return at - ticket.solved_at <= timedelta(days=settings.KEFU_REOPEN_DAYS)
    return True


def _follow_up(
    closed: Ticket,
    text: str,
    channel: str,
    files: Sequence[NewFile],
    client_id: str,
    masked: Sequence[str],
) -> Message:
    customer: Customer | None = closed.customer
    subject = (
        closed.subject
        if closed.subject.startswith(_("Follow-up"))
        else (f"{_('Follow-up')}: {closed.subject}")[:200]
    )
    opened = open_ticket(
        channel=channel,
        subject=subject,
        text=text,
        customer=customer,
        requester_email=closed.requester_email,
        cc=closed.cc,
        category=closed.category or "other",
        fields=closed.fields or None,
        language=closed.language,
        files=files,
        client_id=client_id,
        masked=masked,
    )
    record_event("ticket.follow_up_opened", closed, data={"follow_up": opened.ticket.number})
    first = opened.ticket.messages.order_by("seq").first()
    assert first is not None
    return first
