"""The demo exchange's seed: idempotent, fresh, and in agreement with FACTS.md."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone

from kefu.exchange import demo_data as story
from kefu.exchange import demo_facts
from kefu.exchange.actions import unfreeze_account
from kefu.exchange.backoffice import DepositStatus, Market, OrderStatus, WithdrawalStatus
from kefu.exchange.models import DemoAccount, DemoDeposit, DemoOrder, DemoWithdrawal

pytestmark = pytest.mark.django_db

FACTS = (Path(__file__).parents[2] / "kefu/helpcenter/demo/FACTS.md").read_text()
MODELS = (DemoAccount, DemoDeposit, DemoWithdrawal, DemoOrder)


def counts() -> list[int]:
    return [model.objects.count() for model in MODELS]


def test_seeding_twice_adds_nothing():
    first = story.load_demo_exchange()
    assert first == {"accounts": 5, "deposits": 10, "withdrawals": 7, "orders": 11}
    before = counts()
    assert story.load_demo_exchange() == dict.fromkeys(first, 0)
    assert counts() == before


def test_seeding_again_keeps_demo_changes_unless_reset():
    story.load_demo_exchange()
    unfreeze_account(story.FROZEN_UID, reason="selfie check passed")
    story.load_demo_exchange()
    assert DemoAccount.objects.get(uid=story.FROZEN_UID).status == "active"

    DemoDeposit.objects.filter(tx_hash=story.PENDING_USDT_TX).update(
        created_at=timezone.now() - timedelta(days=3)
    )
    story.load_demo_exchange(reset=True)
    assert DemoAccount.objects.get(uid=story.FROZEN_UID).status == "frozen"
    pending = DemoDeposit.objects.get(tx_hash=story.PENDING_USDT_TX)
    assert timezone.now() - pending.created_at < timedelta(minutes=5)  # fresh again
    assert counts() == [5, 10, 7, 11]


def test_the_story_is_recent():
    story.load_demo_exchange()
    pending = DemoDeposit.objects.get(tx_hash=story.PENDING_USDT_TX)
    assert timezone.now() - pending.created_at < timedelta(minutes=5)
    assert pending.created_at.utcoffset() == timedelta(0)


def test_every_scenario_is_seeded():
    story.load_demo_exchange()
    assert set(DemoDeposit.objects.values_list("status", flat=True)) == set(DepositStatus.values)
    assert set(DemoWithdrawal.objects.values_list("status", flat=True)) == set(
        WithdrawalStatus.values
    )
    assert set(DemoOrder.objects.values_list("status", flat=True)) == set(OrderStatus.values)
    assert set(DemoOrder.objects.values_list("market", flat=True)) == set(Market.values)
    assert DemoAccount.objects.filter(status="frozen").count() == 1


def test_deposits_agree_with_facts():
    story.load_demo_exchange()
    for deposit in DemoDeposit.objects.all():
        rule = demo_facts.DEPOSIT_RULES.get((deposit.coin, deposit.network))
        expected = demo_facts.NETWORK_CONFIRMATIONS[deposit.network]
        assert deposit.required_confirmations == (rule.confirmations if rule else expected)
        if deposit.status == DepositStatus.BELOW_MINIMUM:
            assert rule and deposit.amount < rule.minimum
        elif deposit.status == DepositStatus.CREDITED:
            assert rule and deposit.amount >= rule.minimum
            assert deposit.confirmations >= deposit.required_confirmations
        elif deposit.status == DepositStatus.PENDING:
            assert deposit.confirmations < deposit.required_confirmations
        if deposit.status == DepositStatus.UNSUPPORTED_TOKEN:
            assert rule is None


def test_withdrawals_agree_with_facts():
    story.load_demo_exchange()
    for withdrawal in DemoWithdrawal.objects.select_related("account"):
        assert withdrawal.account.kyc_level >= 1  # level 0 cannot withdraw
        assert withdrawal.amount >= demo_facts.WITHDRAWAL_MINIMUMS[withdrawal.coin]
        fixed_fee = demo_facts.WITHDRAWAL_FEES.get((withdrawal.coin, withdrawal.network))
        if fixed_fee is not None:
            assert withdrawal.fee == fixed_fee


def test_orders_agree_with_facts():
    story.load_demo_exchange()
    for order in DemoOrder.objects.all():
        base = order.symbol.split("/")[0]
        if order.market == Market.FUTURES:
            limit = demo_facts.MAX_LEVERAGE.get(base, demo_facts.DEFAULT_MAX_LEVERAGE)
            assert order.leverage is not None and 1 <= order.leverage <= limit
        else:
            assert order.leverage is None
        price = order.price or order.average_price
        if price is not None:
            below_minimum = order.amount * price < demo_facts.MIN_ORDER_VALUE_USDT
            assert below_minimum == (order.reject_reason == "order_value_below_minimum")
    # The frozen customer's open order was cancelled by the freeze.
    cancelled = DemoOrder.objects.get(order_id=story.FREEZE_CANCELLED_ORDER)
    frozen = DemoAccount.objects.get(uid=story.FROZEN_UID)
    assert cancelled.status == OrderStatus.CANCELLED and cancelled.updated_at == frozen.frozen_at
    assert not frozen.orders.filter(status__in=["open", "partially_filled"]).exists()


def test_facts_md_states_the_numbers_the_demo_computes_with():
    for level in demo_facts.KYC_LEVELS.values():
        if level.withdrawal_limit_24h:
            assert f"| {level.withdrawal_limit_24h:,} USDT equivalent |" in FACTS
    for row in (
        "| BTC (Bitcoin) | 2 confirmations",
        "| ETH (ERC20) and ERC20 tokens | 12 confirmations",
        "| USDT TRC20 (TRON) | 20 confirmations",
        "| USDT BEP20 (BNB Smart Chain) | 15 confirmations",
        "| 0.0001 BTC |",
        "| 0.005 ETH / 10 USDT |",
        "Minimum withdrawal 10 USDT; BTC 0.001",
        "USDT TRC20 1 USDT",
        "BEP20 0.3 USDT",
        "BTC 0.0002 BTC",
        "Minimum order value 5 USDT",
        "Leverage up to 100x on\n  BTC, 75x on ETH, 20x on other pairs",
        "withdrawals locked for 48 hours after unfreezing",
    ):
        assert row in FACTS, row
    assert demo_facts.DEPOSIT_RULES["BTC", "BTC"] == demo_facts.DepositRule(2, Decimal("0.0001"))
