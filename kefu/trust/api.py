"""Public trust endpoints: is this channel really the exchange, and which channels are."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils import translation
from django.utils.translation import gettext as _
from ninja import Router, Schema

from kefu.errors import ApiError

from .channels import verify as check_channel
from .channels.normalise import MAX_VALUE_LENGTH
from .models import ChannelKind, OfficialChannel

router = Router(tags=["trust"])
LANGUAGES = ("en", "zh-hans")


class VerdictOut(Schema):
    official: bool
    kind: str
    reason: str
    message: str
    lookalike_of: str | None = None


class ChannelOut(Schema):
    kind: str
    value: str
    note: str


class ChannelsOut(Schema):
    channels: list[ChannelOut]


def _language(lang: str | None) -> str:
    if lang is None:
        return translation.get_language() or "en"
    if lang.lower() not in LANGUAGES:
        raise ApiError("unsupported_language", f"Language must be one of: {', '.join(LANGUAGES)}.")
    return lang.lower()


@router.get(
    "verify",
    response=VerdictOut,
    exclude_none=True,
    summary="Is this an official channel of the exchange?",
)
def verify(
    request: HttpRequest, value: str = "", kind: str | None = None, lang: str | None = None
) -> dict:
    """``value`` is a URL, domain, email address, Telegram handle or link, phone number or
    WeChat id (``kind`` forces one reading). ``reason`` is a stable code: ``official``,
    ``lookalike_homoglyph``, ``lookalike_typo``, ``lookalike_added_words``,
    ``official_name_foreign_domain``, ``official_name_unlisted``, ``unlisted_address``,
    ``not_listed`` or ``invalid``; ``lookalike_of`` names the official channel imitated."""
    with translation.override(_language(lang)):
        if not value.strip():
            raise ApiError("value_empty", _("Enter a web address, email, account or number."))
        if len(value) > MAX_VALUE_LENGTH:
            raise ApiError(
                "value_too_long",
                _("Enter at most %(limit)d characters.") % {"limit": MAX_VALUE_LENGTH},
            )
        if kind is not None and kind not in ChannelKind.values:
            raise ApiError(
                "unsupported_kind",
                _("Kind must be one of: %(kinds)s.") % {"kinds": ", ".join(ChannelKind.values)},
            )
        verdict = check_channel(value, kind)
    return {
        "official": verdict.official,
        "kind": verdict.kind,
        "reason": verdict.reason,
        "message": verdict.message,
        "lookalike_of": verdict.lookalike_of,
    }


@router.get("channels", response=ChannelsOut, summary="The exchange's official channels")
def channels(request: HttpRequest) -> dict:
    """Every active official channel, as the exchange publishes it."""
    rows = OfficialChannel.objects.filter(active=True).values("kind", "value", "note")
    return {"channels": list(rows)}
