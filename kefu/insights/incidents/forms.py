"""The supervisor's incident form: posted fields to an :class:`IncidentDraft`, and back (to show
a draft again, pre-filled from a surge alert or with the problems of a refused submission)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django.utils.translation import gettext as _

from kefu.accounts.models import SupportLanguage
from kefu.errors import ApiError

from .actions import IncidentDraft, validate_draft

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


def _moment(raw: str, key: str, problems: dict[str, str]) -> datetime | None:
    raw = raw.strip()
    if not raw:
        return None
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        problems[key] = _("Enter a date and time such as 2026-12-01T02:00 (UTC).")
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _list(raw: Any) -> list[str]:
    return [part.strip() for part in str(raw or "").replace("，", ",").split(",") if part.strip()]


def texts(post: Any, prefix: str) -> dict[str, str]:
    return {lang: post.get(f"{prefix}_{lang}", "") for lang in SupportLanguage.values}


def draft_from_post(post: Any) -> IncidentDraft:
    """The posted incident, validated: every problem at once, keyed by field (ApiError)."""
    problems: dict[str, str] = {}
    draft = IncidentDraft(
        kind=post.get("kind", ""),
        status=post.get("status", "investigating"),
        titles=texts(post, "title"),
        messages=texts(post, "message"),
        coins=post.getlist("coins"),
        networks=post.getlist("networks"),
        categories=post.getlist("categories"),
        keywords=_list(post.get("keywords")),
        starts_at=_moment(post.get("starts_at", ""), "starts_at", problems),
        ends_at=_moment(post.get("ends_at", ""), "ends_at", problems),
        banner=bool(post.get("banner")),
    )
    try:
        clean = validate_draft(draft)
    except ApiError as error:
        if not problems:
            raise
        raise ApiError(
            "invalid_incident",
            "Some fields need another look.",
            details={**error.details, **problems},
        ) from None
    if problems:
        raise ApiError("invalid_incident", "Some fields need another look.", details=problems)
    return clean


def initial(draft: IncidentDraft) -> dict[str, Any]:
    """A draft as the form's values."""
    values: dict[str, Any] = {
        "kind": draft.kind,
        "status": draft.status,
        "coins": list(draft.coins),
        "networks": list(draft.networks),
        "categories": list(draft.categories),
        "keywords": ", ".join(draft.keywords),
        "starts_at": draft.starts_at.strftime(DATETIME_FORMAT) if draft.starts_at else "",
        "ends_at": draft.ends_at.strftime(DATETIME_FORMAT) if draft.ends_at else "",
        "banner": draft.banner,
    }
    for lang in SupportLanguage.values:
        values[f"title_{lang}"] = draft.titles.get(lang, "")
        values[f"message_{lang}"] = draft.messages.get(lang, "")
    return values


def posted(post: Any) -> dict[str, Any]:
    """What was posted, to show it again next to its problems."""
    values: dict[str, Any] = {k: post.get(k, "") for k in ("kind", "status", "keywords")}
    values.update({k: post.get(k, "") for k in ("starts_at", "ends_at")})
    values.update({k: post.getlist(k) for k in ("coins", "networks", "categories")})
    values["banner"] = bool(post.get("banner"))
    for lang in SupportLanguage.values:
        values[f"title_{lang}"] = post.get(f"title_{lang}", "")
        values[f"message_{lang}"] = post.get(f"message_{lang}", "")
    return values
