"""The demo: a resolved incident with its whole timeline, and maintenance announced ahead."""

from __future__ import annotations

from datetime import datetime

import pytest
from django.test import Client

from kefu.insights.incidents.demo_data import load_demo_incidents
from kefu.insights.incidents.models import Incident, IncidentKind, IncidentStatus

pytestmark = pytest.mark.usefixtures("frozen")


def test_demo_incidents_load_once_and_the_maintenance_is_announced(
    desk: None, client: Client, frozen: datetime
) -> None:
    load_demo_incidents()
    load_demo_incidents()
    past = Incident.objects.get(resolved_at__isnull=False)
    assert past.resolved_at is not None and past.resolved_at < frozen
    statuses = list(past.updates.values_list("status", flat=True))
    assert statuses == ["investigating", "identified", "monitoring", "resolved"]
    assert all(set(u.messages) == {"en", "zh-hans"} for u in past.updates.all())

    upcoming = Incident.objects.get(resolved_at__isnull=True)
    assert upcoming.kind == IncidentKind.MAINTENANCE
    assert upcoming.status == IncidentStatus.IDENTIFIED
    assert upcoming.starts_at is not None and upcoming.starts_at > frozen
    [banner] = client.get("/api/v1/incidents/active?lang=zh-hans").json()["incidents"]
    assert banner["status"] == "scheduled" and banner["title"] == "系统升级维护"
    assert "系统升级维护" in client.get("/zh-hans/").content.decode()
