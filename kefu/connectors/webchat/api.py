"""``POST /api/v1/chat/attachments``: an image for a chat, sent before the message that shows it."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from ninja import File, Form, Router, Schema
from ninja.files import UploadedFile

from kefu.errors import ApiError
from kefu.tickets.attachments import store_image
from kefu.tickets.models import Ticket

from .frames import conversation_token, token_matches

router = Router(tags=["chat"])


class AttachmentOut(Schema):
    id: int
    name: str
    content_type: str
    size: int
    width: int | None
    height: int | None
    url: str


@router.post("attachments", response={201: AttachmentOut}, summary="Upload an image to a chat")
def upload_attachment(
    request: HttpRequest,
    response: HttpResponse,
    conversation: Form[str],
    token: Form[str],
    file: File[UploadedFile],
) -> tuple[int, dict[str, Any]]:
    """PNG, JPEG, GIF or WebP, sniffed from the content; send its ``id`` in a message frame."""
    # The widget may be embedded on the exchange's own domain; the token, not a cookie, is the
    # credential here, so answering its origin is safe.
    origin = request.headers.get("Origin")
    if origin and ("*" in settings.KEFU_WIDGET_ORIGINS or origin in settings.KEFU_WIDGET_ORIGINS):
        response["Access-Control-Allow-Origin"] = origin
        response["Vary"] = "Origin"
    ticket = find_ticket(conversation, token)
    if ticket.chat_state == "ended":
        raise ApiError("chat_ended", "This chat has ended.", 409)
    attachment = store_image(ticket, file)
    url = f"/chat/attachments/{attachment.pk}?token={conversation_token(ticket)}"
    return 201, {
        "id": attachment.pk,
        "name": attachment.name,
        "content_type": attachment.content_type,
        "size": attachment.size,
        "width": attachment.width,
        "height": attachment.height,
        "url": url,
    }


def find_ticket(conversation: str, token: str) -> Ticket:
    try:
        ticket = Ticket.objects.filter(public_id=conversation).first()
    except Exception:  # not a UUID
        ticket = None
    if ticket is None or not token_matches(ticket, token):
        raise ApiError("conversation_not_found", "No such conversation.", 404)
    return ticket
