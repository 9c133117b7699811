"""Opening, updating and resolving incidents; what is refused and how."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import pytest

from kefu import clock
from kefu.accounts.models import Agent
from kefu.errors import ApiError
from kefu.events.models import Event
from kefu.insights.incidents.actions import open_incident, post_update, resolve
from kefu.insights.incidents.models import Incident, IncidentStatus, IncidentUpdate

from .conftest import RESOLVED, trc20_draft

pytestmark = pytest.mark.usefixtures("frozen")


def test_open_update_resolve_keeps_a_timeline_and_records_events(
    open_trc20: Callable[..., Incident], supervisor: Agent, frozen: datetime
) -> None:
    incident = open_trc20()
    assert incident.status == IncidentStatus.INVESTIGATING and incident.is_active
    assert incident.opened_by == supervisor and incident.opened_at == frozen
    assert incident.title_in("zh-hans") == "TRC20 充值延迟"

    later = frozen + timedelta(minutes=20)
    with clock.frozen(later):
        post_update(
            incident,
            status=IncidentStatus.IDENTIFIED,
            messages={"en": "A node fell behind.", "zh-hans": "节点同步落后。"},
            by=supervisor,
        )
    assert incident.status == IncidentStatus.IDENTIFIED and incident.updated_at == later

    with clock.frozen(later + timedelta(minutes=30)):
        resolve(incident, messages=RESOLVED, by=supervisor)
    assert incident.status == IncidentStatus.RESOLVED and not incident.is_active
    assert incident.resolved_by == supervisor
    timeline = list(
        IncidentUpdate.objects.filter(incident=incident).values_list("status", flat=True)
    )
    assert timeline == ["investigating", "identified", "resolved"]
    kinds = list(
        Event.objects.filter(subject_type="incidents.incident", subject_id=str(incident.pk))
        .order_by("id")
        .values_list("kind", flat=True)
    )
    assert kinds == ["incident.opened", "incident.updated", "incident.resolved"]


def test_a_missing_language_is_refused_whole_with_a_stable_code(supervisor: Agent) -> None:
    draft = trc20_draft(
        titles={"en": "TRC20 deposits delayed"},
        messages={"en": "Delayed.", "zh-hans": "   "},
    )
    with pytest.raises(ApiError) as refused:
        open_incident(draft, by=supervisor)
    assert refused.value.code == "language_missing"
    assert set(refused.value.details) == {"title_zh-hans", "message_zh-hans"}
    assert "简体中文" in refused.value.message
    assert not Incident.objects.exists() and not IncidentUpdate.objects.exists()


def test_every_other_problem_is_named_at_once(supervisor: Agent, frozen: datetime) -> None:
    draft = trc20_draft(
        kind="meteor",
        coins=["USDT", "NOPE"],
        networks=["TRC21"],
        categories=["deposit", "lottery"],
        titles={"en": "x" * 201, "zh-hans": "延迟"},
        starts_at=frozen + timedelta(hours=2),
        ends_at=frozen + timedelta(hours=1),
    )
    with pytest.raises(ApiError) as refused:
        open_incident(draft, by=supervisor)
    assert refused.value.code == "invalid_incident"
    assert {"kind", "coins", "networks", "categories", "title_en", "ends_at"} <= set(
        refused.value.details
    )
    assert not Incident.objects.exists()


def test_resolved_incidents_take_no_more_updates_and_resolve_once(
    open_trc20: Callable[..., Incident], supervisor: Agent
) -> None:
    incident = open_trc20()
    with pytest.raises(ApiError) as not_a_status:
        post_update(incident, status=IncidentStatus.RESOLVED, messages=RESOLVED, by=supervisor)
    assert not_a_status.value.code == "invalid_incident"
    with pytest.raises(ApiError) as half:
        resolve(incident, messages={"en": "Fixed."}, by=supervisor)
    assert half.value.code == "language_missing" and incident.is_active

    resolve(incident, messages=RESOLVED, by=supervisor)
    for again in (
        lambda: resolve(incident, messages=RESOLVED, by=supervisor),
        lambda: post_update(
            incident, status=IncidentStatus.MONITORING, messages=RESOLVED, by=supervisor
        ),
    ):
        with pytest.raises(ApiError) as refused:
            again()
        assert refused.value.code == "incident_resolved" and refused.value.status == 409
    assert incident.updates.filter(status=IncidentStatus.RESOLVED).count() == 1
