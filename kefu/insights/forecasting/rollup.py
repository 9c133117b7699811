"""Counting tickets into the contact history: tickets opened per channel per 30 minutes.

Only intervals that have ended are counted, and the last hour is counted again on every run, so a
ticket whose transaction committed just after its interval was counted still lands in it. Re-runs
write the same numbers (idempotent). Rows that came from elsewhere (the demo's generated months,
an import) are never overwritten: an interval is either counted or supplied, never both.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db import transaction
from django.db.models import Case, Count, IntegerField, Min, Value, When
from django.db.models.functions import TruncHour

from kefu import clock
from kefu.tickets.models import Ticket

from ..models import ContactInterval, ContactRollup, ContactSource
from .series import floor_interval

RECOUNT = timedelta(hours=1)
COUNTER = "tickets"


@dataclass(frozen=True)
class RollupResult:
    since: datetime | None
    until: datetime
    created: int = 0
    updated: int = 0
    deleted: int = 0

    def as_dict(self) -> dict[str, object]:
        return {
            "since": self.since.isoformat() if self.since else None,
            "until": self.until.isoformat(),
            "created": self.created,
            "updated": self.updated,
            "deleted": self.deleted,
        }


def roll_up_contacts(now: datetime | None = None) -> RollupResult:
    """Count tickets opened in ended intervals not yet counted (and the last hour again)."""
    until = floor_interval(now or clock.now())
    with transaction.atomic():
        ContactRollup.objects.get_or_create(name=COUNTER)
        progress = ContactRollup.objects.select_for_update().get(name=COUNTER)
        since = _since(progress.counted_until, until)
        result = RollupResult(since, until)
        if since is not None and since < until:
            result = _count(since, until)
        if progress.counted_until is None or progress.counted_until < until:
            progress.counted_until = until
            progress.save(update_fields=["counted_until"])
    return result


def _since(counted_until: datetime | None, until: datetime) -> datetime | None:
    if counted_until is not None:
        return min(counted_until, until) - RECOUNT
    first = Ticket.objects.filter(created_at__lt=until).aggregate(first=Min("created_at"))["first"]
    return floor_interval(first.astimezone(UTC)) if first else None


def _count(since: datetime, until: datetime) -> RollupResult:
    opened = (
        Ticket.objects.filter(created_at__gte=since, created_at__lt=until)
        .annotate(
            hour=TruncHour("created_at", tzinfo=UTC),
            half=Case(
                When(created_at__minute__gte=30, then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            ),
        )
        .values("hour", "half", "channel")
        .annotate(n=Count("id"))
    )
    counts = {
        (row["hour"] + timedelta(minutes=30 * row["half"]), row["channel"]): row["n"]
        for row in opened
    }
    existing = {
        (row.start, row.channel): row
        for row in ContactInterval.objects.filter(start__gte=since, start__lt=until)
    }
    supplied = {key for key, row in existing.items() if row.source != ContactSource.ROLLUP}
    new = [
        ContactInterval(start=start, channel=channel, contacts=n, source=ContactSource.ROLLUP)
        for (start, channel), n in counts.items()
        if (start, channel) not in existing
    ]
    changed = []
    for key, n in counts.items():
        row = existing.get(key)
        if row is not None and key not in supplied and row.contacts != n:
            row.contacts = n
            changed.append(row)
    stale = [row.pk for key, row in existing.items() if key not in supplied and key not in counts]
    ContactInterval.objects.bulk_create(new, batch_size=1000)
    ContactInterval.objects.bulk_update(changed, ["contacts"], batch_size=1000)
    ContactInterval.objects.filter(pk__in=stale).delete()
    return RollupResult(since, until, len(new), len(changed), len(stale))
