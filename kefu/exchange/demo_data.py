"""The demo back office's records: one story per demo customer, always a few hours old.

Times are relative to ``timezone.now()`` at loading, so a fresh demo shows a deposit that is
confirming right now. Hashes, addresses and ids are deterministic (see :mod:`.demo_chain`), so
tests and documentation can quote the constants below. Every number agrees with
``kefu/helpcenter/demo/FACTS.md`` (confirmations, minimums, fees, limits, leverage).

- 100001 Li Wei: USDT TRC20 deposit confirming (12/20); TON deposit without its memo; a
  completed withdrawal; an open and a filled spot order.
- 100002 Zhang Min: credited BTC deposit; withdrawal held 24 h because the address is new;
  futures orders, one cancelled and one liquidated.
- 100003 Alice Morgan: USDT sent over ERC20 to her BEP20 address; ETH below the minimum; a
  failed, refunded BTC withdrawal; a withdrawal processing; rejected and partly filled orders.
- 100004 Rahul Mehta: BTC deposit under review; 250,000 USDT withdrawal in compliance review;
  OCO, trailing-stop and futures orders.
- 100005 Nguyen Thi Lan: froze her account after signing in on a phishing site (the freeze
  cancelled her open order); an unsupported "airdrop" token deposit.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from kefu.accounts.demo_data import CUSTOMERS

from . import demo_facts
from .backoffice import (
    AccountStatus,
    DepositStatus,
    Market,
    OrderSide,
    OrderStatus,
    OrderType,
    ReviewReason,
    WithdrawalStatus,
)
from .demo_chain import (
    btc_address,
    evm_address,
    evm_tx_hash,
    numeric_id,
    solana_address,
    ton_address,
    tron_address,
    tx_hash,
)
from .models import DemoAccount, DemoDeposit, DemoOrder, DemoWithdrawal

LI_WEI, ZHANG_MIN, ALICE_MORGAN, RAHUL_MEHTA, NGUYEN_THI_LAN = (
    "100001",
    "100002",
    "100003",
    "100004",
    "100005",
)
FROZEN_UID = NGUYEN_THI_LAN

# Deposits (owner in the comment).
PENDING_USDT_TX = tx_hash("li-wei:usdt-trc20-confirming")  # 100001, 12/20 confirmations
MEMO_MISSING_TX = tx_hash("li-wei:ton-without-memo")  # 100001
CREDITED_BTC_TX = tx_hash("zhang-min:btc-credited")  # 100002
WRONG_NETWORK_TX = evm_tx_hash("alice:usdt-erc20-to-bep20-address")  # 100003
BELOW_MINIMUM_TX = evm_tx_hash("alice:eth-below-minimum")  # 100003
UNDER_REVIEW_DEPOSIT_TX = tx_hash("rahul:btc-under-review")  # 100004
UNSUPPORTED_TOKEN_TX = evm_tx_hash("nguyen:fake-airdrop-token")  # 100005
TON_DEPOSIT_ADDRESS = ton_address("beacon:ton-deposits")  # shared; the memo says whose it is
LI_WEI_TON_MEMO = numeric_id("li-wei:ton-memo", 9)

# Withdrawals.
COMPLETED_WITHDRAWAL = "W" + numeric_id("li-wei:usdt-to-own-wallet", 12)  # 100001
COMPLETED_WITHDRAWAL_TX = tx_hash("li-wei:usdt-to-own-wallet")
NEW_ADDRESS_WITHDRAWAL = "W" + numeric_id("zhang-min:usdt-to-new-address", 12)  # 100002
FAILED_WITHDRAWAL = "W" + numeric_id("alice:btc-failed", 12)  # 100003, refunded
PROCESSING_WITHDRAWAL = "W" + numeric_id("alice:usdt-sol-processing", 12)  # 100003
COMPLIANCE_WITHDRAWAL = "W" + numeric_id("rahul:usdt-compliance", 12)  # 100004

# Orders (18 digits).
OPEN_ORDER = numeric_id("li-wei:btc-limit-buy", 18)  # 100001, spot
FILLED_ORDER = numeric_id("li-wei:eth-market-buy", 18)  # 100001, spot
CANCELLED_ORDER = numeric_id("zhang-min:eth-futures-cancelled", 18)  # 100002, futures
LIQUIDATED_ORDER = numeric_id("zhang-min:btc-futures-liquidated", 18)  # 100002, futures 50x
REJECTED_ORDER = numeric_id("alice:sol-below-min-value", 18)  # 100003, spot
PARTIALLY_FILLED_ORDER = numeric_id("alice:ton-limit-sell", 18)  # 100003, spot
FREEZE_CANCELLED_ORDER = numeric_id("nguyen:ton-limit-buy", 18)  # 100005, cancelled by freeze

# Seconds per block, to give old records a believable confirmation count.
BLOCK_SECONDS = {"BTC": 600, "ERC20": 12, "TRC20": 3, "BEP20": 3, "TON": 5, "SOL": 1}
Record = dict[str, Any]
MINUTE, HOUR, DAY = timedelta(minutes=1), timedelta(hours=1), timedelta(days=1)


def _confirmations(network: str, age: timedelta) -> int:
    return max(1, int(age.total_seconds()) // BLOCK_SECONDS[network])


def _required(coin: str, network: str) -> int:
    rule = demo_facts.DEPOSIT_RULES.get((coin, network))
    return rule.confirmations if rule else demo_facts.NETWORK_CONFIRMATIONS[network]


def _business_days_after(start: datetime, days: int) -> datetime:
    moment = start
    while days:
        moment += timedelta(days=1)
        if moment.weekday() < 5:
            days -= 1
    return moment


def _accounts(now: datetime) -> list[Record]:
    """The demo customers of kefu.accounts, as the exchange knows them."""
    extra = {  # country, days since registration, anti-phishing code set
        LI_WEI: ("SG", 412, True),
        ZHANG_MIN: ("HK", 1104, True),
        ALICE_MORGAN: ("GB", 203, False),
        RAHUL_MEHTA: ("AE", 760, True),
        NGUYEN_THI_LAN: ("VN", 21, False),
    }
    frozen_at = now - 2 * HOUR
    records = []
    for uid, name, vip, kyc, _language in CUSTOMERS:
        country, days, anti_phishing = extra[uid]
        frozen = uid == FROZEN_UID
        records.append(
            {
                "uid": uid,
                "display_name": name,
                "vip_tier": vip,
                "kyc_level": kyc,
                "country": country,
                "registered_at": now - days * DAY,
                "anti_phishing_set": anti_phishing,
                "status": AccountStatus.FROZEN if frozen else AccountStatus.ACTIVE,
                "frozen_reason": "customer_request: signed in on a phishing site" if frozen else "",
                "frozen_at": frozen_at if frozen else None,
                "status_changed_at": frozen_at if frozen else None,
                "status_changed_by": "kefu:self_service" if frozen else "",
                "withdrawals_locked_until": None,
                "simulate_outage": False,
            }
        )
    return records


def _deposit(
    uid: str,
    seed: str,
    tx: str,
    coin: str,
    network: str,
    amount: str,
    address: str,
    status: DepositStatus,
    age: timedelta,
    now: datetime,
    **extra: Any,
) -> Record:
    credited = status == DepositStatus.CREDITED
    required = _required(coin, network)
    record: Record = {
        "account": uid,
        "deposit_id": "D" + numeric_id(seed, 12),
        "tx_hash": tx,
        "coin": coin,
        "network": network,
        "amount": Decimal(amount),
        "address": address,
        "memo": "",
        "address_network": "",
        "status": status,
        "confirmations": _confirmations(network, age),
        "required_confirmations": required,
        "created_at": now - age,
        "credited_at": now - age + timedelta(seconds=required * BLOCK_SECONDS[network])
        if credited
        else None,
    }
    record.update(extra)
    return record


def _deposits(now: datetime) -> list[Record]:
    return [
        _deposit(
            LI_WEI, "li-wei:usdt-confirming", PENDING_USDT_TX, "USDT", "TRC20", "1500",
            tron_address("li-wei:deposit"), DepositStatus.PENDING, timedelta(seconds=40), now,
            confirmations=12,
        ),
        _deposit(
            LI_WEI, "li-wei:ton", MEMO_MISSING_TX, "TON", "TON", "120", TON_DEPOSIT_ADDRESS,
            DepositStatus.MEMO_MISSING, 3 * HOUR, now,
        ),
        _deposit(
            LI_WEI, "li-wei:usdt-last-month", tx_hash("li-wei:usdt-last-month"), "USDT", "TRC20",
            "300", tron_address("li-wei:deposit"), DepositStatus.CREDITED, 30 * DAY, now,
        ),
        _deposit(
            ZHANG_MIN, "zhang-min:btc", CREDITED_BTC_TX, "BTC", "BTC", "0.85",
            btc_address("zhang-min:deposit"), DepositStatus.CREDITED, 5 * HOUR, now,
        ),
        _deposit(
            ALICE_MORGAN, "alice:wrong-network", WRONG_NETWORK_TX, "USDT", "ERC20", "800",
            evm_address("alice:bep20-deposit"), DepositStatus.WRONG_NETWORK, DAY, now,
            address_network="BEP20",
        ),
        _deposit(
            ALICE_MORGAN, "alice:eth-small", BELOW_MINIMUM_TX, "ETH", "ERC20", "0.003",
            evm_address("alice:erc20-deposit"), DepositStatus.BELOW_MINIMUM, 6 * HOUR, now,
        ),
        _deposit(
            RAHUL_MEHTA, "rahul:btc-review", UNDER_REVIEW_DEPOSIT_TX, "BTC", "BTC", "3.2",
            btc_address("rahul:deposit"), DepositStatus.UNDER_REVIEW, 8 * HOUR, now,
        ),
        _deposit(
            RAHUL_MEHTA, "rahul:usdt-funding", tx_hash("rahul:usdt-funding"), "USDT", "TRC20",
            "260000", tron_address("rahul:deposit"), DepositStatus.CREDITED, 3 * DAY, now,
        ),
        _deposit(
            NGUYEN_THI_LAN, "nguyen:usdt", evm_tx_hash("nguyen:usdt-bep20"), "USDT", "BEP20",
            "50", evm_address("nguyen:bep20-deposit"), DepositStatus.CREDITED, 12 * DAY, now,
        ),
        _deposit(
            NGUYEN_THI_LAN, "nguyen:airdrop", UNSUPPORTED_TOKEN_TX, "BCNAIRDROP", "ERC20",
            "10000", evm_address("nguyen:erc20-deposit"), DepositStatus.UNSUPPORTED_TOKEN,
            DAY, now,
        ),
    ]  # fmt: skip


def _withdrawal(
    uid: str,
    withdrawal_id: str,
    coin: str,
    network: str,
    amount: str,
    fee: str,
    address: str,
    status: WithdrawalStatus,
    created_at: datetime,
    **extra: Any,
) -> Record:
    record: Record = {
        "account": uid,
        "withdrawal_id": withdrawal_id,
        "coin": coin,
        "network": network,
        "amount": Decimal(amount),
        "fee": Decimal(fee),
        "address": address,
        "memo": "",
        "tx_hash": "",
        "status": status,
        "review_reason": "",
        "expected_by": None,
        "created_at": created_at,
        "completed_at": None,
        "failure_reason": "",
        "refunded_at": None,
    }
    record.update(extra)
    return record


def _withdrawals(now: datetime) -> list[Record]:
    fees = demo_facts.WITHDRAWAL_FEES
    completed_at, failed_at = now - timedelta(days=2), now - timedelta(days=2, hours=3)
    address_added_at, compliance_at = now - timedelta(hours=4), now - timedelta(hours=20)
    return [
        _withdrawal(
            LI_WEI, COMPLETED_WITHDRAWAL, "USDT", "TRC20", "200", str(fees["USDT", "TRC20"]),
            tron_address("li-wei:own-wallet"), WithdrawalStatus.COMPLETED,
            completed_at - timedelta(minutes=12), completed_at=completed_at,
            tx_hash=COMPLETED_WITHDRAWAL_TX,
        ),
        _withdrawal(
            LI_WEI, "W" + numeric_id("li-wei:usdt-bep20-cancelled", 12), "USDT", "BEP20", "50",
            str(fees["USDT", "BEP20"]), evm_address("li-wei:bep20-wallet"),
            WithdrawalStatus.CANCELLED, now - timedelta(days=5),
        ),
        _withdrawal(
            ZHANG_MIN, NEW_ADDRESS_WITHDRAWAL, "USDT", "TRC20", "12000",
            str(fees["USDT", "TRC20"]), tron_address("zhang-min:new-address"),
            WithdrawalStatus.UNDER_REVIEW, now - timedelta(hours=3),
            review_reason=ReviewReason.NEW_ADDRESS_24H,
            expected_by=address_added_at + timedelta(hours=24),
        ),
        _withdrawal(
            ZHANG_MIN, "W" + numeric_id("zhang-min:btc-cold-storage", 12), "BTC", "BTC", "0.3",
            str(fees["BTC", "BTC"]), btc_address("zhang-min:cold-storage"),
            WithdrawalStatus.COMPLETED, now - timedelta(days=10, minutes=25),
            completed_at=now - timedelta(days=10), tx_hash=tx_hash("zhang-min:btc-cold-storage"),
        ),
        _withdrawal(
            ALICE_MORGAN, FAILED_WITHDRAWAL, "BTC", "BTC", "0.005", str(fees["BTC", "BTC"]),
            btc_address("alice:hardware-wallet"), WithdrawalStatus.FAILED, failed_at,
            failure_reason="broadcast_rejected", refunded_at=failed_at + timedelta(minutes=45),
        ),
        _withdrawal(
            ALICE_MORGAN, PROCESSING_WITHDRAWAL, "USDT", "SOL", "120", str(fees["USDT", "SOL"]),
            solana_address("alice:phantom-wallet"), WithdrawalStatus.PROCESSING,
            now - timedelta(minutes=5), expected_by=now + timedelta(minutes=25),
        ),
        _withdrawal(
            RAHUL_MEHTA, COMPLIANCE_WITHDRAWAL, "USDT", "ERC20", "250000", "4.2",
            evm_address("rahul:otc-desk"), WithdrawalStatus.UNDER_REVIEW, compliance_at,
            review_reason=ReviewReason.COMPLIANCE,
            expected_by=_business_days_after(compliance_at, 5),
        ),
    ]  # fmt: skip


def _order(
    uid: str,
    order_id: str,
    market: Market,
    symbol: str,
    side: OrderSide,
    type_: OrderType,
    price: str | None,
    amount: str,
    status: OrderStatus,
    created_at: datetime,
    updated_at: datetime | None = None,
    filled: str = "0",
    **extra: Any,
) -> Record:
    record: Record = {
        "account": uid,
        "order_id": order_id,
        "market": market,
        "symbol": symbol,
        "side": side,
        "type": type_,
        "price": None if price is None else Decimal(price),
        "average_price": None,
        "amount": Decimal(amount),
        "filled": Decimal(filled),
        "leverage": None,
        "status": status,
        "reject_reason": "",
        "created_at": created_at,
        "updated_at": updated_at or created_at,
    }
    record.update(extra)
    return record


def _orders(now: datetime) -> list[Record]:
    spot, futures, buy, sell = Market.SPOT, Market.FUTURES, OrderSide.BUY, OrderSide.SELL
    return [
        _order(LI_WEI, OPEN_ORDER, spot, "BTC/USDT", buy, OrderType.LIMIT, "58000", "0.01",
               OrderStatus.OPEN, now - DAY),
        _order(LI_WEI, FILLED_ORDER, spot, "ETH/USDT", buy, OrderType.MARKET, None, "0.5",
               OrderStatus.FILLED, now - 3 * DAY, now - 3 * DAY, filled="0.5",
               average_price=Decimal("3118.42")),
        _order(ZHANG_MIN, CANCELLED_ORDER, futures, "ETH/USDT", sell, OrderType.LIMIT, "3400",
               "2", OrderStatus.CANCELLED, now - 2 * DAY - 6 * HOUR, now - 2 * DAY, leverage=20),
        _order(ZHANG_MIN, LIQUIDATED_ORDER, futures, "BTC/USDT", buy, OrderType.MARKET, None,
               "0.5", OrderStatus.LIQUIDATED, now - 6 * DAY, now - 5 * DAY, filled="0.5",
               average_price=Decimal("66850"), leverage=50),
        _order(ALICE_MORGAN, REJECTED_ORDER, spot, "SOL/USDT", buy, OrderType.LIMIT, "145",
               "0.02", OrderStatus.REJECTED, now - 4 * HOUR,
               reject_reason="order_value_below_minimum"),
        _order(ALICE_MORGAN, PARTIALLY_FILLED_ORDER, spot, "TON/USDT", sell, OrderType.LIMIT,
               "5.35", "100", OrderStatus.PARTIALLY_FILLED, now - 10 * HOUR, now - 7 * HOUR,
               filled="40", average_price=Decimal("5.35")),
        _order(ALICE_MORGAN, numeric_id("alice:btc-stop-limit", 18), spot, "BTC/USDT", sell,
               OrderType.STOP_LIMIT, "60500", "0.004", OrderStatus.OPEN, now - 2 * DAY),
        _order(RAHUL_MEHTA, numeric_id("rahul:btc-oco", 18), spot, "BTC/USDT", sell,
               OrderType.OCO, "72000", "2", OrderStatus.OPEN, now - 4 * DAY),
        _order(RAHUL_MEHTA, numeric_id("rahul:eth-trailing", 18), spot, "ETH/USDT", sell,
               OrderType.TRAILING_STOP, None, "30", OrderStatus.OPEN, now - 30 * HOUR),
        _order(RAHUL_MEHTA, numeric_id("rahul:eth-futures", 18), futures, "ETH/USDT", buy,
               OrderType.LIMIT, "3050", "50", OrderStatus.FILLED, now - 8 * DAY, now - 8 * DAY,
               filled="50", average_price=Decimal("3050"), leverage=10),
        _order(NGUYEN_THI_LAN, FREEZE_CANCELLED_ORDER, spot, "TON/USDT", buy, OrderType.LIMIT,
               "5", "5", OrderStatus.CANCELLED, now - DAY, now - 2 * HOUR),
    ]  # fmt: skip


def _put(model: type[models.Model], lookup: dict[str, Any], values: Record, reset: bool) -> bool:
    """Create the row if missing; with ``reset``, also rewind an existing row to the story."""
    manager = model._default_manager
    if reset:
        _, created = manager.update_or_create(defaults=values, **lookup)
    else:
        _, created = manager.get_or_create(defaults=values, **lookup)
    return created


@transaction.atomic
def load_demo_exchange(*, reset: bool = False) -> dict[str, int]:
    """Seed the demo back office; returns how many rows of each kind were created.

    Safe to call again: existing rows are left as they are (a demo freeze stays frozen) unless
    ``reset`` rewinds them to the story and to times relative to now.
    """
    now = timezone.now()
    created = dict.fromkeys(("accounts", "deposits", "withdrawals", "orders"), 0)
    accounts: dict[str, DemoAccount] = {}
    for values in _accounts(now):
        uid = values.pop("uid")
        created["accounts"] += _put(DemoAccount, {"uid": uid}, values, reset)
        accounts[uid] = DemoAccount.objects.get(uid=uid)
    for kind, model, key, records in (
        ("deposits", DemoDeposit, "deposit_id", _deposits(now)),
        ("withdrawals", DemoWithdrawal, "withdrawal_id", _withdrawals(now)),
        ("orders", DemoOrder, "order_id", _orders(now)),
    ):
        for values in records:
            values["account"] = accounts[values["account"]]
            created[kind] += _put(model, {key: values.pop(key)}, values, reset)
    return created
