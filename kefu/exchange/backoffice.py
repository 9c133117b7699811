"""The interface between Kefu and an exchange's back office.

Kefu never owns balances, deposits or orders; it asks the exchange. An exchange plugs in its own
implementation of :class:`BackOffice` by naming it in ``settings.KEFU_EXCHANGE_BACKEND`` (a
dotted path to a class constructed without arguments); the default is the demo back office.

Everything returned is a frozen dataclass of plain values (``Decimal`` amounts, aware UTC
datetimes, stable status codes), so callers never depend on how an exchange stores its data.
Every failure is an :class:`ExchangeError` with a stable ``code``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import ClassVar, Protocol, TypeVar, cast, runtime_checkable

from django.conf import settings
from django.db import models
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

DEFAULT_BACKEND = "kefu.exchange.demo.DemoBackOffice"
MAX_LIMIT = 100

T = TypeVar("T")


# -- status codes ---------------------------------------------------------------------------------


class AccountStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    FROZEN = "frozen", _("Frozen")


class DepositStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for confirmations")
    CREDITED = "credited", _("Credited")
    BELOW_MINIMUM = "below_minimum", _("Below the minimum deposit")
    WRONG_NETWORK = "wrong_network", _("Sent on the wrong network")
    MEMO_MISSING = "memo_missing", _("Memo or tag missing")
    UNDER_REVIEW = "under_review", _("Under review")
    UNSUPPORTED_TOKEN = "unsupported_token", _("Unsupported token")


class WithdrawalStatus(models.TextChoices):
    PROCESSING = "processing", _("Processing")
    UNDER_REVIEW = "under_review", _("Under review")
    COMPLETED = "completed", _("Completed")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


class ReviewReason(models.TextChoices):
    NEW_ADDRESS_24H = "new_address_24h", _("New address, usable 24 hours after it was added")
    LARGE_AMOUNT = "large_amount", _("Large amount")
    SECURITY_CHANGE_LOCK = "security_change_lock", _("Locked after a security change")
    COMPLIANCE = "compliance", _("Compliance review")


class Market(models.TextChoices):
    SPOT = "spot", _("Spot")
    FUTURES = "futures", _("Futures")


class OrderSide(models.TextChoices):
    BUY = "buy", _("Buy")
    SELL = "sell", _("Sell")


class OrderType(models.TextChoices):
    LIMIT = "limit", _("Limit")
    MARKET = "market", _("Market")
    STOP_LIMIT = "stop_limit", _("Stop-limit")
    OCO = "oco", _("OCO")
    TRAILING_STOP = "trailing_stop", _("Trailing stop")


class OrderStatus(models.TextChoices):
    OPEN = "open", _("Open")
    PARTIALLY_FILLED = "partially_filled", _("Partially filled")
    FILLED = "filled", _("Filled")
    CANCELLED = "cancelled", _("Cancelled")
    REJECTED = "rejected", _("Rejected")
    LIQUIDATED = "liquidated", _("Liquidated")


class FreezeOutcome(models.TextChoices):
    FROZEN = "frozen", _("Frozen")
    ALREADY_FROZEN = "already_frozen", _("Already frozen")
    UNFROZEN = "unfrozen", _("Unfrozen")
    ALREADY_ACTIVE = "already_active", _("Already active")


# -- what the back office returns -----------------------------------------------------------------


@dataclass(frozen=True)
class CustomerProfile:
    uid: str
    display_name: str
    vip_tier: int
    kyc_level: int
    country: str  # ISO 3166-1 alpha-2
    status: AccountStatus
    frozen_reason: str | None
    frozen_at: datetime | None
    registered_at: datetime
    anti_phishing_set: bool
    withdrawals_locked_until: datetime | None  # after a password change, 2FA reset or unfreeze

    @property
    def is_frozen(self) -> bool:
        return self.status == AccountStatus.FROZEN


@dataclass(frozen=True)
class Limits:
    """Withdrawal limits in USDT equivalent, and what the next KYC level would change."""

    uid: str
    kyc_level: int
    withdrawal_limit_24h: Decimal
    withdrawn_24h: Decimal  # processing, under review or completed in the last 24 hours
    next_level: int | None
    next_level_limit_24h: Decimal | None
    next_level_unlocks: tuple[str, ...]  # codes, e.g. "withdrawals", "futures", "fiat"
    next_level_requires: tuple[str, ...]  # codes, e.g. "id_document", "selfie"
    currency: str = "USDT"

    @property
    def remaining_24h(self) -> Decimal:
        return max(self.withdrawal_limit_24h - self.withdrawn_24h, Decimal(0))


@dataclass(frozen=True)
class Deposit:
    id: str
    coin: str
    network: str  # the network it was sent on: "BTC", "ERC20", "TRC20", "BEP20", "TON", ...
    amount: Decimal
    address: str
    memo: str | None
    tx_hash: str
    confirmations: int
    required_confirmations: int
    status: DepositStatus
    created_at: datetime
    credited_at: datetime | None
    # For wrong_network: the network the receiving address was issued for.
    address_network: str | None = None


@dataclass(frozen=True)
class Withdrawal:
    id: str
    coin: str
    network: str
    amount: Decimal
    fee: Decimal
    address: str
    memo: str | None
    tx_hash: str | None  # once broadcast
    status: WithdrawalStatus
    review_reason: ReviewReason | None
    expected_by: datetime | None
    created_at: datetime
    completed_at: datetime | None
    failure_reason: str | None  # a code, e.g. "broadcast_rejected"
    refunded_at: datetime | None = None  # failed withdrawals are refunded, fee included


@dataclass(frozen=True)
class Order:
    id: str  # 18 digits, e.g. "230915123456789012"
    market: Market
    symbol: str  # "BTC/USDT"
    side: OrderSide
    type: OrderType
    price: Decimal | None  # None for market orders
    average_price: Decimal | None  # of what was filled
    amount: Decimal
    filled: Decimal
    status: OrderStatus
    reject_reason: str | None  # a code, e.g. "order_value_below_minimum"
    leverage: int | None  # futures only
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class FreezeResult:
    uid: str
    outcome: FreezeOutcome
    status: AccountStatus  # after the call
    reason: str | None  # why the account is frozen (the original reason if it already was)
    at: datetime  # when the status last changed
    cancelled_orders: int = 0  # a freeze cancels open orders
    withdrawals_locked_until: datetime | None = None  # set by an unfreeze

    @property
    def changed(self) -> bool:
        return self.outcome in (FreezeOutcome.FROZEN, FreezeOutcome.UNFROZEN)


# -- errors ---------------------------------------------------------------------------------------


class ExchangeError(Exception):
    """A back office call failed; ``code`` is stable, ``message`` is for logs and staff."""

    http_status: ClassVar[int] = 502

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class CustomerNotFound(ExchangeError):
    http_status = 404

    def __init__(self, message: str = "The exchange has no customer with this uid.") -> None:
        super().__init__("customer_not_found", message)


class NotFound(ExchangeError):
    http_status = 404

    def __init__(self, message: str = "The exchange has no such record.") -> None:
        super().__init__("not_found", message)


class ExchangeUnavailable(ExchangeError):
    """The back office is down or did not answer in time; try again later."""

    http_status = 503

    def __init__(self, message: str = "The exchange back office is unavailable.") -> None:
        super().__init__("exchange_unavailable", message)


class InvalidRequest(ExchangeError):
    http_status = 400

    def __init__(self, message: str) -> None:
        super().__init__("invalid_request", message)


def require(found: T | None, what: str) -> T:
    """Turn an absent lookup result into ``not_found`` for callers that must have the record."""
    if found is None:
        raise NotFound(f"The exchange has no such {what}.")
    return found


# -- the interface --------------------------------------------------------------------------------


@runtime_checkable
class BackOffice(Protocol):
    """What Kefu asks of an exchange. Every method takes the exchange's own user id.

    Lookups of one record return ``None`` when the customer has no such record (including a
    record that belongs to somebody else). Every method raises ``customer_not_found`` for an
    unknown uid, ``invalid_request`` for malformed arguments and ``exchange_unavailable`` when
    the back office cannot be reached.
    """

    def profile(self, uid: str) -> CustomerProfile: ...

    def limits(self, uid: str) -> Limits: ...

    def deposits(
        self,
        uid: str,
        *,
        coin: str | None = None,
        network: str | None = None,
        tx_hash: str | None = None,
        limit: int = 20,
    ) -> list[Deposit]:
        """Newest first."""
        ...

    def deposit_by_tx(self, uid: str, tx_hash: str) -> Deposit | None: ...

    def withdrawals(
        self,
        uid: str,
        *,
        coin: str | None = None,
        status: str | None = None,
        limit: int = 20,
    ) -> list[Withdrawal]:
        """Newest first."""
        ...

    def withdrawal(self, uid: str, withdrawal_id: str) -> Withdrawal | None: ...

    def orders(
        self,
        uid: str,
        *,
        market: str | None = None,
        symbol: str | None = None,
        status: str | None = None,
        limit: int = 20,
    ) -> list[Order]:
        """Newest first."""
        ...

    def order(self, uid: str, order_id: str) -> Order | None: ...

    def freeze(self, uid: str, *, reason: str, actor: str) -> FreezeResult:
        """Freeze at once (sign out, stop trading, withdrawals and API keys, cancel open orders).

        Idempotent: freezing a frozen account reports ``already_frozen``. ``actor`` names who
        asked, for the exchange's own audit log (e.g. "kefu:agent:wang").
        """
        ...

    def unfreeze(self, uid: str, *, reason: str, actor: str) -> FreezeResult:
        """Idempotent: unfreezing an active account reports ``already_active``."""
        ...


def get_backoffice() -> BackOffice:
    """The configured back office; constructed per call so settings overrides take effect."""
    path = getattr(settings, "KEFU_EXCHANGE_BACKEND", DEFAULT_BACKEND)
    return cast(BackOffice, import_string(path)())
