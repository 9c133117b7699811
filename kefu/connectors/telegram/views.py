"""The webhook Telegram posts updates to, and the link that connects an exchange account.

Both answer 404 (``not_found``) while no bot token is configured: the connector is off."""

from __future__ import annotations

import hmac
import json
import logging

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.views.decorators.csrf import csrf_exempt

from kefu.accounts.identity import identify
from kefu.errors import ApiError

from . import config, inbound, linking
from .client import BotApiError

logger = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def _error(code: str, message: str, status: int) -> JsonResponse:
    return JsonResponse({"code": code, "message": message}, status=status)


@csrf_exempt  # Telegram's servers, not a browser: the secret header is the credential
def webhook(request: HttpRequest) -> HttpResponse:
    if not config.enabled():
        return _error("not_found", "The Telegram connector is not configured.", 404)
    if request.method != "POST":
        return _error("method_not_allowed", "Telegram posts updates here.", 405)
    given = request.headers.get(SECRET_HEADER, "")
    if not hmac.compare_digest(given.encode(), config.webhook_secret().encode()):
        return _error("bad_secret", "The secret token does not match.", 403)
    try:
        update = json.loads(request.body)
    except ValueError:  # UnicodeDecodeError is one
        return _error("malformed_update", "The body is not JSON.", 400)
    try:
        received = inbound.receive(update)
    except ApiError as problem:
        return _error(problem.code, problem.message, problem.status)
    except BotApiError as problem:
        # Not recorded: Telegram delivers the update again, by when the Bot API may answer.
        logger.warning("telegram update deferred: %s", problem)
        return _error("telegram_unavailable", "The Bot API could not be reached.", 503)
    return JsonResponse({"ok": True, "status": received.status})


def link(request: HttpRequest) -> HttpResponse:
    """``?uid=…&expires=…&signature=…`` (signed like the widget) → the bot's deep link with a
    one-time code that links the Telegram user who opens it to this exchange account."""
    if not config.enabled():
        return _error("not_found", "The Telegram connector is not configured.", 404)
    try:
        customer = identify(
            request.GET.get("uid"), request.GET.get("signature"), request.GET.get("expires")
        )
    except ApiError as problem:
        return _error(problem.code, problem.message, problem.status)
    if customer is None:
        return _error("bad_signature", "Only a signed-in customer can link Telegram.", 403)
    try:
        username = config.bot_username()
    except BotApiError:
        return _error("telegram_unavailable", "The Bot API could not be reached.", 503)
    code = linking.new_code(customer)
    response = redirect(f"https://t.me/{username}?start={linking.PREFIX}{code}")
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response
