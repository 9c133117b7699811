"""Transcripts and attachments of a chat, for its customer (by token) or staff (by session)."""

from __future__ import annotations

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import override

from kefu.tickets.downloads import attachment_response
from kefu.tickets.models import Attachment, Ticket
from kefu.trust import access

from .frames import token_matches


def _allowed(request: HttpRequest, ticket: Ticket) -> bool:
    """Staff who may see the ticket, or whoever holds the conversation's token (its customer)."""
    return access.can_read_chat(request.user, ticket) or token_matches(
        ticket, request.GET.get("token")
    )


def _ticket(request: HttpRequest, conversation: str) -> Ticket:
    ticket = Ticket.objects.select_related("customer").filter(public_id=conversation).first()
    if ticket is None or not _allowed(request, ticket):
        raise Http404
    return ticket


def transcript(request: HttpRequest, conversation: str, fmt: str) -> HttpResponse:
    if fmt not in ("txt", "html"):
        raise Http404
    ticket = _ticket(request, str(conversation))
    # Internal notes only for staff who may see the ticket and did not ask for the customer's copy.
    staff = not request.GET.get("token") and access.can_read_chat(request.user, ticket)
    messages = ticket.messages.select_related("agent", "attachment").order_by("seq")
    if not staff:
        messages = messages.filter(internal=False)
    filename = f"kefu-chat-{ticket.number}.{fmt}"
    with override(ticket.language):
        if fmt == "html":
            response = render(
                request, "web/transcript.html", {"ticket": ticket, "messages": messages}
            )
        else:
            lines = [f"{ticket.number} — {ticket.created_at:%Y-%m-%d %H:%M} UTC", ""]
            for m in messages:
                who = str(m.agent) if m.agent_id else m.get_author_display()
                text = m.text + (f" [{m.attachment.name}]" if m.attachment else "")
                lines.append(f"[{m.created_at:%Y-%m-%d %H:%M:%S}] {who}: {text}")
            response = HttpResponse(
                "\n".join(lines) + "\n", content_type="text/plain; charset=utf-8"
            )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def attachment(request: HttpRequest, pk: int) -> FileResponse:
    found = Attachment.objects.select_related("ticket").filter(pk=pk).first()
    if found is None or not _allowed(request, found.ticket):
        raise Http404
    return attachment_response(found)
