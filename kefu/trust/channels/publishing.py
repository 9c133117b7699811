"""Publishing and withdrawing official channels: every change is an event, so the audit trail
shows who declared what to be the exchange, and when."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import transaction

from kefu.events.services import record_event

from ..models import OfficialChannel


def _data(channel: OfficialChannel) -> dict[str, Any]:
    return {"kind": channel.kind, "value": channel.value, "active": channel.active}


def save_channel(channel: OfficialChannel, *, actor: Any = None) -> OfficialChannel:
    with transaction.atomic():
        created = channel.pk is None
        channel.save()
        record_event(
            "official_channel.added" if created else "official_channel.changed",
            channel,
            actor=actor,
            data=_data(channel),
        )
    return channel


def delete_channel(channel: OfficialChannel, *, actor: Any = None) -> None:
    with transaction.atomic():
        record_event("official_channel.deleted", channel, actor=actor, data=_data(channel))
        channel.delete()


def publish_channels(
    entries: Sequence[tuple[str, str, str]], *, actor: Any = None
) -> list[OfficialChannel]:
    """(kind, value, note) entries, each added unless a channel of that kind and normal form
    exists already (so loading them twice changes nothing)."""
    from .normalise import normalise

    published = []
    with transaction.atomic():
        for kind, value, note in entries:
            existing = OfficialChannel.objects.filter(
                kind=kind, canonical=normalise(kind, value)
            ).first()
            if existing is None:
                existing = save_channel(
                    OfficialChannel(kind=kind, value=value, note=note), actor=actor
                )
            published.append(existing)
    return published
