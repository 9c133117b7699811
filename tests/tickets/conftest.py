"""Tickets on the demo staff and customers, with the desk's clock under the test's control."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from PIL import Image

from kefu import clock
from kefu.accounts.demo_data import load_demo_accounts
from kefu.accounts.models import Agent, Customer
from kefu.tickets.sla.policy import ensure_default_policies


@pytest.fixture
def desk(db: None) -> None:
    load_demo_accounts()
    ensure_default_policies()


@pytest.fixture
def frozen_clock() -> Iterator[datetime]:
    start = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # a Monday
    with clock.frozen(start):
        yield start


@pytest.fixture
def li_wei(desk: None) -> Customer:
    customer = Customer.objects.get(exchange_uid="100001")
    customer.email = "li.wei@example.com"
    customer.save(update_fields=["email"])
    return customer


@pytest.fixture
def wang(desk: None) -> Agent:
    return Agent.objects.get(username="agent.wang")


def png_bytes(width: int = 40, height: int = 30) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (10, 120, 200)).save(buffer, format="PNG")
    return buffer.getvalue()


TX = "0x" + "ab" * 32
