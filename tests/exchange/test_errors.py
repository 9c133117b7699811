"""Every failure reaches callers as an ExchangeError with a stable code."""

from __future__ import annotations

import pytest

from kefu.exchange import demo_data as story
from kefu.exchange.backoffice import (
    BackOffice,
    CustomerNotFound,
    ExchangeError,
    get_backoffice,
    require,
)
from kefu.exchange.demo import DemoBackOffice, UnavailableDemoBackOffice
from kefu.exchange.models import DemoAccount

pytestmark = pytest.mark.django_db


def test_default_backend_is_the_demo():
    office = get_backoffice()
    assert isinstance(office, DemoBackOffice) and isinstance(office, BackOffice)


def test_unknown_customer(backoffice: DemoBackOffice):
    for call in (
        lambda: backoffice.profile("999999"),
        lambda: backoffice.limits("999999"),
        lambda: backoffice.deposits("999999"),
        lambda: backoffice.order("999999", story.OPEN_ORDER),
    ):
        with pytest.raises(ExchangeError) as raised:
            call()
        assert raised.value.code == "customer_not_found"
        assert isinstance(raised.value, CustomerNotFound)


def test_require_turns_absence_into_not_found(backoffice: DemoBackOffice):
    with pytest.raises(ExchangeError) as raised:
        require(backoffice.order(story.LI_WEI, "100000000000000000"), "order")
    assert raised.value.code == "not_found" and raised.value.http_status == 404
    found = require(backoffice.order(story.LI_WEI, story.OPEN_ORDER), "order")
    assert found.id == story.OPEN_ORDER


@pytest.mark.parametrize(
    "call",
    [
        lambda office: office.profile("  "),
        lambda office: office.deposits(story.LI_WEI, limit=0),
        lambda office: office.deposits(story.LI_WEI, limit=101),
        lambda office: office.deposit_by_tx(story.LI_WEI, ""),
        lambda office: office.deposit_by_tx(story.LI_WEI, "0x"),
        lambda office: office.withdrawals(story.LI_WEI, status="lost"),
        lambda office: office.orders(story.LI_WEI, market="options"),
        lambda office: office.freeze(story.LI_WEI, reason=" ", actor="kefu:test"),
    ],
)
def test_invalid_requests(backoffice: DemoBackOffice, call):
    with pytest.raises(ExchangeError) as raised:
        call(backoffice)
    assert raised.value.code == "invalid_request"


def test_outage_of_one_instance(backoffice: DemoBackOffice):
    down = DemoBackOffice(unavailable=True)
    for call in (
        lambda: down.profile(story.LI_WEI),
        lambda: down.deposit_by_tx(story.LI_WEI, story.PENDING_USDT_TX),
        lambda: down.freeze(story.LI_WEI, reason="test", actor="kefu:test"),
    ):
        with pytest.raises(ExchangeError) as raised:
            call()
        assert raised.value.code == "exchange_unavailable" and raised.value.http_status == 503
    assert backoffice.profile(story.LI_WEI).status == "active"  # nothing was frozen


def test_outage_configured_in_settings(backoffice: DemoBackOffice, settings):
    settings.KEFU_EXCHANGE_BACKEND = "kefu.exchange.demo.UnavailableDemoBackOffice"
    office = get_backoffice()
    assert isinstance(office, UnavailableDemoBackOffice)
    with pytest.raises(ExchangeError) as raised:
        office.limits(story.LI_WEI)
    assert raised.value.code == "exchange_unavailable"


def test_outage_for_one_customer(backoffice: DemoBackOffice):
    DemoAccount.objects.filter(uid=story.ALICE_MORGAN).update(simulate_outage=True)
    with pytest.raises(ExchangeError) as raised:
        backoffice.orders(story.ALICE_MORGAN)
    assert raised.value.code == "exchange_unavailable"
    assert backoffice.orders(story.LI_WEI)  # everyone else is served
