"""Public incident status under /api/v1/incidents/ (banners in the help center and widget)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Router, Schema

from kefu.accounts.models import SupportLanguage
from kefu.errors import ApiError

from .announcements import banners

router = Router(tags=["incidents"])

# The widget asks on every page of the exchange that shows it; a few seconds of caching by
# browsers and proxies costs nothing in freshness.
CACHE_SECONDS = 10


class BannerOut(Schema):
    id: int
    kind: str
    status: str
    status_label: str
    title: str
    message: str
    window: str
    starts_at: datetime | None
    ends_at: datetime | None
    updated_at: datetime


class ActiveOut(Schema):
    incidents: list[BannerOut]


@router.get("active", response=ActiveOut, summary="Ongoing and announced incidents")
def active(request: HttpRequest, response: HttpResponse, lang: str = "en") -> dict[str, Any]:
    """What the help center and the chat widget show on top: each unresolved incident whose
    banner is on, with its latest message in ``lang`` (``status`` is ``scheduled`` before an
    announced maintenance window starts). Public, no credentials; any origin may read it."""
    lang = (lang or "").lower()
    if lang not in SupportLanguage.values:
        raise ApiError(
            "unsupported_language",
            f"lang is one of {', '.join(SupportLanguage.values)}.",
        )
    response["Cache-Control"] = f"public, max-age={CACHE_SECONDS}"
    response["Access-Control-Allow-Origin"] = "*"
    return {"incidents": [b.as_json() for b in banners(lang)]}
