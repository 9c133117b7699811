"""Reading the seeded demo exchange through the BackOffice interface."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from kefu.exchange import demo_data as story
from kefu.exchange.backoffice import (
    AccountStatus,
    DepositStatus,
    Market,
    OrderStatus,
    OrderType,
    ReviewReason,
    WithdrawalStatus,
)
from kefu.exchange.demo import DemoBackOffice

pytestmark = pytest.mark.django_db


def test_profile(backoffice: DemoBackOffice):
    profile = backoffice.profile(story.ZHANG_MIN)
    assert (profile.display_name, profile.vip_tier, profile.kyc_level) == ("Zhang Min", 3, 2)
    assert profile.status == AccountStatus.ACTIVE and not profile.is_frozen
    assert profile.frozen_reason is None and profile.anti_phishing_set
    assert profile.registered_at.utcoffset() == timedelta(0)


def test_frozen_customer_profile(backoffice: DemoBackOffice):
    profile = backoffice.profile(story.FROZEN_UID)
    assert profile.is_frozen and profile.frozen_reason and "phishing" in profile.frozen_reason
    assert profile.frozen_at is not None and profile.frozen_at < timezone.now()


def test_limits_follow_kyc_level_and_count_recent_withdrawals(backoffice: DemoBackOffice):
    zhang = backoffice.limits(story.ZHANG_MIN)  # KYC 2, 12,000 USDT under review since 3 h
    assert zhang.withdrawal_limit_24h == Decimal(2_000_000)
    assert zhang.withdrawn_24h == Decimal(12_000)
    assert zhang.remaining_24h == Decimal(1_988_000)
    assert zhang.next_level is None and zhang.next_level_unlocks == ()

    # A failed (refunded) withdrawal does not count; one still processing does.
    alice = backoffice.limits(story.ALICE_MORGAN)
    assert alice.withdrawal_limit_24h == Decimal(50_000)
    assert alice.withdrawn_24h == Decimal(120)

    nguyen = backoffice.limits(story.NGUYEN_THI_LAN)  # KYC 0: no withdrawals at all
    assert nguyen.withdrawal_limit_24h == 0 and nguyen.remaining_24h == 0
    assert nguyen.next_level == 1 and nguyen.next_level_limit_24h == Decimal(50_000)
    assert nguyen.next_level_requires == ("id_document", "selfie")
    assert "withdrawals" in nguyen.next_level_unlocks


def test_pending_deposit_by_tx(backoffice: DemoBackOffice):
    deposit = backoffice.deposit_by_tx(story.LI_WEI, story.PENDING_USDT_TX)
    assert deposit is not None
    assert (deposit.coin, deposit.network, deposit.status) == ("USDT", "TRC20", "pending")
    assert (deposit.confirmations, deposit.required_confirmations) == (12, 20)
    assert deposit.credited_at is None
    assert deposit.amount == Decimal(1500) and str(deposit.amount) == "1500"  # no 18 decimals
    assert deposit.address.startswith("T")


@pytest.mark.parametrize(
    "typed",
    [
        story.WRONG_NETWORK_TX,
        story.WRONG_NETWORK_TX.upper().replace("0X", "0x"),
        story.WRONG_NETWORK_TX.removeprefix("0x"),
        f"  {story.WRONG_NETWORK_TX}\n",
    ],
)
def test_tx_hash_as_users_type_it(backoffice: DemoBackOffice, typed: str):
    deposit = backoffice.deposit_by_tx(story.ALICE_MORGAN, typed)
    assert deposit is not None and deposit.tx_hash == story.WRONG_NETWORK_TX


def test_deposit_of_another_customer_is_not_found(backoffice: DemoBackOffice):
    assert backoffice.deposit_by_tx(story.ZHANG_MIN, story.PENDING_USDT_TX) is None
    assert backoffice.deposit_by_tx(story.LI_WEI, "ab" * 32) is None


def test_problem_deposits(backoffice: DemoBackOffice):
    wrong = backoffice.deposit_by_tx(story.ALICE_MORGAN, story.WRONG_NETWORK_TX)
    assert wrong is not None and wrong.status == DepositStatus.WRONG_NETWORK
    assert (wrong.coin, wrong.network, wrong.address_network) == ("USDT", "ERC20", "BEP20")

    memo = backoffice.deposit_by_tx(story.LI_WEI, story.MEMO_MISSING_TX)
    assert memo is not None and memo.status == DepositStatus.MEMO_MISSING
    assert memo.coin == "TON" and memo.memo is None and memo.address == story.TON_DEPOSIT_ADDRESS

    small = backoffice.deposit_by_tx(story.ALICE_MORGAN, story.BELOW_MINIMUM_TX)
    assert small is not None and small.status == DepositStatus.BELOW_MINIMUM
    assert small.amount < Decimal("0.005")

    review = backoffice.deposit_by_tx(story.RAHUL_MEHTA, story.UNDER_REVIEW_DEPOSIT_TX)
    assert review is not None and review.status == DepositStatus.UNDER_REVIEW
    assert review.credited_at is None

    btc = backoffice.deposit_by_tx(story.ZHANG_MIN, story.CREDITED_BTC_TX)
    assert btc is not None and btc.status == DepositStatus.CREDITED
    assert btc.credited_at is not None and btc.credited_at > btc.created_at
    assert btc.confirmations >= btc.required_confirmations == 2


def test_deposit_filters_and_order(backoffice: DemoBackOffice):
    deposits = backoffice.deposits(story.LI_WEI)
    assert [d.created_at for d in deposits] == sorted(
        (d.created_at for d in deposits), reverse=True
    )
    assert deposits[0].tx_hash == story.PENDING_USDT_TX  # the newest
    usdt = backoffice.deposits(story.LI_WEI, coin="usdt", network="trc20")
    assert {d.coin for d in usdt} == {"USDT"} and len(usdt) == 2
    assert len(backoffice.deposits(story.LI_WEI, limit=1)) == 1
    assert backoffice.deposits(story.LI_WEI, coin="BTC") == []


def test_withdrawal_held_for_a_new_address(backoffice: DemoBackOffice):
    withdrawal = backoffice.withdrawal(story.ZHANG_MIN, story.NEW_ADDRESS_WITHDRAWAL)
    assert withdrawal is not None
    assert withdrawal.status == WithdrawalStatus.UNDER_REVIEW
    assert withdrawal.review_reason == ReviewReason.NEW_ADDRESS_24H
    assert withdrawal.expected_by is not None
    assert timezone.now() < withdrawal.expected_by <= withdrawal.created_at + timedelta(hours=24)
    assert withdrawal.tx_hash is None and withdrawal.fee == Decimal(1)


def test_withdrawal_in_compliance_review(backoffice: DemoBackOffice):
    withdrawal = backoffice.withdrawal(story.RAHUL_MEHTA, story.COMPLIANCE_WITHDRAWAL)
    assert withdrawal is not None and withdrawal.review_reason == ReviewReason.COMPLIANCE
    assert withdrawal.amount == Decimal(250_000)
    assert withdrawal.expected_by is not None and withdrawal.expected_by.weekday() < 5
    assert timedelta(days=5) <= withdrawal.expected_by - withdrawal.created_at <= timedelta(days=9)


def test_completed_and_failed_withdrawals(backoffice: DemoBackOffice):
    done = backoffice.withdrawal(story.LI_WEI, story.COMPLETED_WITHDRAWAL)
    assert done is not None and done.status == WithdrawalStatus.COMPLETED
    assert done.tx_hash == story.COMPLETED_WITHDRAWAL_TX
    assert done.completed_at is not None and done.completed_at > done.created_at

    failed = backoffice.withdrawal(story.ALICE_MORGAN, story.FAILED_WITHDRAWAL.lower())
    assert failed is not None and failed.status == WithdrawalStatus.FAILED
    assert failed.failure_reason == "broadcast_rejected" and failed.tx_hash is None
    assert failed.refunded_at is not None
    assert failed.refunded_at - failed.created_at <= timedelta(hours=1)  # FACTS: within 1 hour


def test_withdrawal_filters_and_ownership(backoffice: DemoBackOffice):
    assert backoffice.withdrawal(story.LI_WEI, story.NEW_ADDRESS_WITHDRAWAL) is None
    reviews = backoffice.withdrawals(story.ZHANG_MIN, status="under_review")
    assert [w.id for w in reviews] == [story.NEW_ADDRESS_WITHDRAWAL]
    assert [w.coin for w in backoffice.withdrawals(story.ZHANG_MIN, coin="btc")] == ["BTC"]


def test_orders(backoffice: DemoBackOffice):
    open_order = backoffice.order(story.LI_WEI, story.OPEN_ORDER)
    assert open_order is not None and re.fullmatch(r"[1-9]\d{17}", open_order.id)
    assert (open_order.market, open_order.symbol, open_order.type) == (
        Market.SPOT,
        "BTC/USDT",
        OrderType.LIMIT,
    )
    assert open_order.status == OrderStatus.OPEN and open_order.filled == 0

    liquidated = backoffice.order(story.ZHANG_MIN, story.LIQUIDATED_ORDER)
    assert liquidated is not None and liquidated.status == OrderStatus.LIQUIDATED
    assert liquidated.market == Market.FUTURES and liquidated.leverage == 50

    rejected = backoffice.order(story.ALICE_MORGAN, story.REJECTED_ORDER)
    assert rejected is not None and rejected.reject_reason == "order_value_below_minimum"

    assert backoffice.order(story.ZHANG_MIN, story.OPEN_ORDER) is None  # not hers


def test_order_filters(backoffice: DemoBackOffice):
    futures = backoffice.orders(story.ZHANG_MIN, market="futures")
    assert {o.id for o in futures} == {story.CANCELLED_ORDER, story.LIQUIDATED_ORDER}
    assert [o.id for o in backoffice.orders(story.LI_WEI, symbol="btcusdt")] == [story.OPEN_ORDER]
    assert [o.id for o in backoffice.orders(story.LI_WEI, symbol="ETH-USDT")] == [
        story.FILLED_ORDER
    ]
    statuses = {o.status for o in backoffice.orders(story.RAHUL_MEHTA, status="open")}
    assert statuses == {OrderStatus.OPEN}
