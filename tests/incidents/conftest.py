"""Incidents on the demo staff and customers, the desk's clock stopped at a known Monday."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.layers import get_channel_layer

from kefu import clock
from kefu.accounts.demo_data import load_demo_accounts
from kefu.accounts.models import Agent
from kefu.insights.incidents.actions import IncidentDraft, open_incident
from kefu.insights.incidents.models import Incident, IncidentKind
from kefu.jobs import embedded
from kefu.tickets.sla.policy import ensure_default_policies

MONDAY = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)

TRC20_TITLES = {"en": "TRC20 deposits delayed", "zh-hans": "TRC20 充值延迟"}
TRC20_MESSAGES = {
    "en": "Deposits on TRC20 are delayed; they will be credited automatically.",
    "zh-hans": "TRC20 网络充值延迟，到账后将自动入账。",
}
RESOLVED = {
    "en": "TRC20 deposits are back to normal.",
    "zh-hans": "TRC20 充值已恢复正常。",
}


@pytest.fixture(autouse=True)
def keep_test_connection(monkeypatch: pytest.MonkeyPatch) -> None:
    """Jobs run inline here close "old" connections before and after; inside the test's
    transaction that would really close PostgreSQL's (scaled mode) and lose the test data."""
    monkeypatch.setattr(embedded, "close_old_connections", lambda: None)


@pytest.fixture
def desk(db: None) -> None:
    load_demo_accounts()
    ensure_default_policies()


@pytest.fixture
def frozen() -> Iterator[datetime]:
    with clock.frozen(MONDAY):
        yield MONDAY


@pytest.fixture
def supervisor(desk: None) -> Agent:
    return Agent.objects.get(username="supervisor")


@pytest.fixture
def wang(desk: None) -> Agent:
    return Agent.objects.get(username="agent.wang")


def trc20_draft(**changes: Any) -> IncidentDraft:
    values: dict[str, Any] = {
        "kind": IncidentKind.DEPOSITS_DELAYED,
        "titles": dict(TRC20_TITLES),
        "messages": dict(TRC20_MESSAGES),
        "coins": ["USDT"],
        "networks": ["TRC20"],
        "categories": ["deposit"],
    }
    values.update(changes)
    return IncidentDraft(**values)


@pytest.fixture
def open_trc20(supervisor: Agent) -> Callable[..., Incident]:
    def make(**changes: Any) -> Incident:
        return open_incident(trc20_draft(**changes), by=supervisor)

    return make


def heard_by(group: str, action: Callable[[], None]) -> dict[str, Any]:
    """The first layer message ``group`` gets while ``action`` runs, heard in one event loop as
    a socket hears it (the Redis pub/sub layer is per loop)."""

    async def listen() -> dict[str, Any]:
        layer = get_channel_layer()
        assert layer is not None
        channel = await layer.new_channel()
        await layer.group_add(group, channel)
        await sync_to_async(action)()
        event: dict[str, Any] = await layer.receive(channel)
        await layer.group_discard(group, channel)
        return event

    return async_to_sync(listen)()
