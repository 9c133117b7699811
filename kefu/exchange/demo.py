"""The demo back office: the :class:`~kefu.exchange.backoffice.BackOffice` of the demo exchange.

It reads and writes the ``Demo*`` tables seeded by :mod:`kefu.exchange.demo_data`.

Outages can be simulated without mocks, three ways:

- ``DemoBackOffice(unavailable=True)``: every call of that instance fails;
- ``settings.KEFU_EXCHANGE_BACKEND = "kefu.exchange.demo.UnavailableDemoBackOffice"``: every
  caller of :func:`~kefu.exchange.backoffice.get_backoffice` gets a back office that is down;
- ``DemoAccount.simulate_outage = True`` (in the admin): calls about that customer fail, on
  every process, which is how a running demo shows the assistant coping with an outage.

Each fails with ``ExchangeError`` code ``exchange_unavailable``.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.db import models, transaction
from django.db.models import QuerySet
from django.utils import timezone

from . import demo_facts
from .backoffice import (
    MAX_LIMIT,
    AccountStatus,
    CustomerNotFound,
    CustomerProfile,
    Deposit,
    DepositStatus,
    ExchangeUnavailable,
    FreezeOutcome,
    FreezeResult,
    InvalidRequest,
    Limits,
    Market,
    Order,
    OrderSide,
    OrderStatus,
    OrderType,
    ReviewReason,
    Withdrawal,
    WithdrawalStatus,
)
from .models import DemoAccount, DemoDeposit, DemoOrder, DemoWithdrawal

UNFREEZE_WITHDRAWAL_LOCK = timedelta(hours=48)
QUOTE_CURRENCIES = ("USDT", "USDC", "BTC", "ETH", "BCN")
# What still counts against the 24 h limit; failed and cancelled withdrawals were refunded.
COUNTED_WITHDRAWALS = (
    WithdrawalStatus.PROCESSING,
    WithdrawalStatus.UNDER_REVIEW,
    WithdrawalStatus.COMPLETED,
)
LIVE_ORDERS = (OrderStatus.OPEN, OrderStatus.PARTIALLY_FILLED)


def plain(value: Decimal) -> Decimal:
    """Drop the storage's trailing zeros (12.000000000000000000 -> 12) without exponents."""
    normal = value.normalize()
    return normal.quantize(Decimal(1)) if normal == normal.to_integral_value() else normal


def _plain_or_none(value: Decimal | None) -> Decimal | None:
    return None if value is None else plain(value)


def _text(value: str | None, what: str, max_length: int = 128) -> str:
    cleaned = (value or "").strip()
    if not cleaned or len(cleaned) > max_length:
        raise InvalidRequest(f"A {what} of 1 to {max_length} characters is required.")
    return cleaned


def _check_limit(limit: int) -> int:
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
        raise InvalidRequest(f"limit must be an integer from 1 to {MAX_LIMIT}.")
    return limit


def _tx_hash_forms(raw: str) -> list[str]:
    """Hex hashes are case-insensitive and users drop or add the EVM "0x"; match every form."""
    value = _text(raw, "transaction hash")
    bare = value[2:] if value[:2].lower() == "0x" else value
    if not bare:
        raise InvalidRequest("A transaction hash is required.")
    if all(c in "0123456789abcdefABCDEF" for c in bare):
        bare = bare.lower()
        return [bare, "0x" + bare]
    return [value]  # base58 signatures (Solana) are case-sensitive


def normalise_symbol(symbol: str) -> str:
    """Read "btcusdt", "BTC-USDT" and "btc/usdt" alike, as "BTC/USDT"."""
    value = _text(symbol, "symbol", 32).upper().replace("-", "/").replace("_", "/")
    if "/" not in value:
        for quote in QUOTE_CURRENCIES:
            if value.endswith(quote) and len(value) > len(quote):
                return f"{value[: -len(quote)]}/{quote}"
    return value


def _deposit(row: DemoDeposit) -> Deposit:
    return Deposit(
        id=row.deposit_id,
        coin=row.coin,
        network=row.network,
        amount=plain(row.amount),
        address=row.address,
        memo=row.memo or None,
        tx_hash=row.tx_hash,
        confirmations=row.confirmations,
        required_confirmations=row.required_confirmations,
        status=DepositStatus(row.status),
        created_at=row.created_at,
        credited_at=row.credited_at,
        address_network=row.address_network or None,
    )


def _withdrawal(row: DemoWithdrawal) -> Withdrawal:
    return Withdrawal(
        id=row.withdrawal_id,
        coin=row.coin,
        network=row.network,
        amount=plain(row.amount),
        fee=plain(row.fee),
        address=row.address,
        memo=row.memo or None,
        tx_hash=row.tx_hash or None,
        status=WithdrawalStatus(row.status),
        review_reason=ReviewReason(row.review_reason) if row.review_reason else None,
        expected_by=row.expected_by,
        created_at=row.created_at,
        completed_at=row.completed_at,
        failure_reason=row.failure_reason or None,
        refunded_at=row.refunded_at,
    )


def _order(row: DemoOrder) -> Order:
    return Order(
        id=row.order_id,
        market=Market(row.market),
        symbol=row.symbol,
        side=OrderSide(row.side),
        type=OrderType(row.type),
        price=_plain_or_none(row.price),
        average_price=_plain_or_none(row.average_price),
        amount=plain(row.amount),
        filled=plain(row.filled),
        status=OrderStatus(row.status),
        reject_reason=row.reject_reason or None,
        leverage=row.leverage,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _choice(value: str | None, choices: type[models.TextChoices]) -> str:
    cleaned = _text(value, "filter value", 32).lower()
    if cleaned not in choices.values:
        raise InvalidRequest(f"Unknown value {cleaned!r}; expected one of {choices.values}.")
    return cleaned


class DemoBackOffice:
    """The demo exchange's back office over the ``Demo*`` models (see the module docstring)."""

    def __init__(self, *, unavailable: bool = False) -> None:
        self.unavailable = unavailable

    # -- helpers ----------------------------------------------------------------------------------

    def _account(self, uid: str, *, for_update: bool = False) -> DemoAccount:
        if self.unavailable:
            raise ExchangeUnavailable("The demo back office is simulating an outage.")
        accounts = DemoAccount.objects.all()
        if for_update:
            accounts = accounts.select_for_update()
        account = accounts.filter(uid=_text(uid, "uid", 64)).first()
        if account is None:
            raise CustomerNotFound()
        if account.simulate_outage:
            raise ExchangeUnavailable("The demo back office is simulating an outage.")
        return account

    # -- lookups ----------------------------------------------------------------------------------

    def profile(self, uid: str) -> CustomerProfile:
        a = self._account(uid)
        return CustomerProfile(
            uid=a.uid,
            display_name=a.display_name,
            vip_tier=a.vip_tier,
            kyc_level=a.kyc_level,
            country=a.country,
            status=AccountStatus(a.status),
            frozen_reason=a.frozen_reason or None,
            frozen_at=a.frozen_at,
            registered_at=a.registered_at,
            anti_phishing_set=a.anti_phishing_set,
            withdrawals_locked_until=a.withdrawals_locked_until,
        )

    def limits(self, uid: str) -> Limits:
        account = self._account(uid)
        level = demo_facts.kyc_level(account.kyc_level)
        following = demo_facts.KYC_LEVELS.get(level.level + 1)
        since = timezone.now() - timedelta(hours=24)
        recent = account.withdrawals.filter(created_at__gte=since, status__in=COUNTED_WITHDRAWALS)
        used = sum(
            (w.amount * demo_facts.REFERENCE_PRICES_USDT.get(w.coin, Decimal(0)) for w in recent),
            Decimal(0),
        )
        return Limits(
            uid=account.uid,
            kyc_level=account.kyc_level,
            withdrawal_limit_24h=level.withdrawal_limit_24h,
            withdrawn_24h=plain(used.quantize(Decimal("0.01"))),
            next_level=following.level if following else None,
            next_level_limit_24h=following.withdrawal_limit_24h if following else None,
            next_level_unlocks=following.unlocks if following else (),
            next_level_requires=following.requires if following else (),
        )

    def deposits(
        self,
        uid: str,
        *,
        coin: str | None = None,
        network: str | None = None,
        tx_hash: str | None = None,
        limit: int = 20,
    ) -> list[Deposit]:
        rows: QuerySet[DemoDeposit] = self._account(uid).deposits.all()
        if coin is not None:
            rows = rows.filter(coin=_text(coin, "coin", 16).upper())
        if network is not None:
            rows = rows.filter(network=_text(network, "network", 16).upper())
        if tx_hash is not None:
            rows = rows.filter(tx_hash__in=_tx_hash_forms(tx_hash))
        return [_deposit(row) for row in rows[: _check_limit(limit)]]

    def deposit_by_tx(self, uid: str, tx_hash: str) -> Deposit | None:
        found = self.deposits(uid, tx_hash=tx_hash, limit=1)
        return found[0] if found else None

    def withdrawals(
        self,
        uid: str,
        *,
        coin: str | None = None,
        status: str | None = None,
        limit: int = 20,
    ) -> list[Withdrawal]:
        rows: QuerySet[DemoWithdrawal] = self._account(uid).withdrawals.all()
        if coin is not None:
            rows = rows.filter(coin=_text(coin, "coin", 16).upper())
        if status is not None:
            rows = rows.filter(status=_choice(status, WithdrawalStatus))
        return [_withdrawal(row) for row in rows[: _check_limit(limit)]]

    def withdrawal(self, uid: str, withdrawal_id: str) -> Withdrawal | None:
        wanted = _text(withdrawal_id, "withdrawal id", 64)
        row = self._account(uid).withdrawals.filter(withdrawal_id__iexact=wanted).first()
        return _withdrawal(row) if row else None

    def orders(
        self,
        uid: str,
        *,
        market: str | None = None,
        symbol: str | None = None,
        status: str | None = None,
        limit: int = 20,
    ) -> list[Order]:
        rows: QuerySet[DemoOrder] = self._account(uid).orders.all()
        if market is not None:
            rows = rows.filter(market=_choice(market, Market))
        if symbol is not None:
            rows = rows.filter(symbol=normalise_symbol(symbol))
        if status is not None:
            rows = rows.filter(status=_choice(status, OrderStatus))
        return [_order(row) for row in rows[: _check_limit(limit)]]

    def order(self, uid: str, order_id: str) -> Order | None:
        wanted = _text(order_id, "order id", 32)
        row = self._account(uid).orders.filter(order_id=wanted).first()
        return _order(row) if row else None

    # -- changes ----------------------------------------------------------------------------------

    def freeze(self, uid: str, *, reason: str, actor: str) -> FreezeResult:
        reason, actor = _text(reason, "reason", 255), _text(actor, "actor", 100)
        with transaction.atomic():
            account = self._account(uid, for_update=True)
            if account.status == AccountStatus.FROZEN:
                return FreezeResult(
                    uid=account.uid,
                    outcome=FreezeOutcome.ALREADY_FROZEN,
                    status=AccountStatus.FROZEN,
                    reason=account.frozen_reason or None,
                    at=account.status_changed_at or account.registered_at,
                )
            now = timezone.now()
            cancelled = account.orders.filter(status__in=LIVE_ORDERS).update(
                status=OrderStatus.CANCELLED, updated_at=now
            )
            account.status = AccountStatus.FROZEN
            account.frozen_reason, account.frozen_at = reason, now
            account.status_changed_at = now
            account.status_changed_by = actor
            account.save()
        return FreezeResult(
            uid=account.uid,
            outcome=FreezeOutcome.FROZEN,
            status=AccountStatus.FROZEN,
            reason=reason,
            at=now,
            cancelled_orders=cancelled,
        )

    def unfreeze(self, uid: str, *, reason: str, actor: str) -> FreezeResult:
        _text(reason, "reason", 255)
        actor = _text(actor, "actor", 100)
        with transaction.atomic():
            account = self._account(uid, for_update=True)
            if account.status == AccountStatus.ACTIVE:
                return FreezeResult(
                    uid=account.uid,
                    outcome=FreezeOutcome.ALREADY_ACTIVE,
                    status=AccountStatus.ACTIVE,
                    reason=None,
                    at=account.status_changed_at or account.registered_at,
                    withdrawals_locked_until=account.withdrawals_locked_until,
                )
            now = timezone.now()
            account.status = AccountStatus.ACTIVE
            account.frozen_reason, account.frozen_at = "", None
            account.withdrawals_locked_until = now + UNFREEZE_WITHDRAWAL_LOCK
            account.status_changed_at = now
            account.status_changed_by = actor
            account.save()
        return FreezeResult(
            uid=account.uid,
            outcome=FreezeOutcome.UNFROZEN,
            status=AccountStatus.ACTIVE,
            reason=None,
            at=now,
            withdrawals_locked_until=account.withdrawals_locked_until,
        )


class UnavailableDemoBackOffice(DemoBackOffice):
    """The demo back office during an outage; name it in ``KEFU_EXCHANGE_BACKEND`` in demos."""

    def __init__(self) -> None:
        super().__init__(unavailable=True)
