"""The demo staff (a supervisor of General and Security, an admin, agents, a content editor),
signed-in clients for them, and the desk's clock stopped on a Monday morning."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from django.test import Client

from kefu import clock
from kefu.accounts.demo_data import load_demo_accounts
from kefu.accounts.models import Agent
from kefu.tickets.sla.policy import ensure_default_policies

from ...staff import sign_in

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # a Monday


@pytest.fixture
def desk(db: None) -> None:
    load_demo_accounts()
    ensure_default_policies()


@pytest.fixture
def frozen_clock() -> Iterator[datetime]:
    with clock.frozen(NOW):
        yield NOW


def staff(username: str) -> Agent:
    return Agent.objects.get(username=username)


@pytest.fixture
def supervisor_client(desk: None) -> Client:
    return sign_in(Client(), staff("supervisor"))


@pytest.fixture
def admin_staff_client(desk: None) -> Client:
    return sign_in(Client(), staff("admin"))


@pytest.fixture
def agent_client(desk: None) -> Client:
    return sign_in(Client(), staff("agent.wang"))


@pytest.fixture
def editor_client(desk: None) -> Client:
    return sign_in(Client(), staff("editor"))
