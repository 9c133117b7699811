"""Ticket categories and the fields each asks for.

A deposit ticket that arrives without a coin, network and tx hash costs a round trip with the
customer before anyone can look; the category's fields make the portal ask for them up front
and reject what cannot be right (a tx hash that is not one, a negative amount).
Categories live in code, like choices: their fields drive validation, forms and duplicate
detection, so a change to them is a change to the product.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext_lazy as _

from kefu.assistant.entities.assets import COIN_CHAINS, NETWORK_CHAINS
from kefu.errors import ApiError

MAX_TEXT_FIELD = 500
_TX_HASH = re.compile(r"^(?:0x)?[0-9a-fA-F]{64}$|^[1-9A-HJ-NP-Za-km-z]{80,90}$")
_ORDER_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{6,22}[A-Za-z0-9]$")
COINS = sorted({*COIN_CHAINS, "USDT", "USDC", "DOGE", "LTC", "TRX"})
NETWORKS = sorted(NETWORK_CHAINS)


class FieldError(ValueError):
    """A value that cannot be right for its field; the message is shown to the customer."""


def _coin(value: str) -> str:
    coin = value.strip().upper()
    if coin not in COINS:
        raise FieldError(_("Unknown coin."))
    return coin


def _network(value: str) -> str:
    network = value.strip().upper()
    if network not in NETWORKS:
        raise FieldError(_("Unknown network."))
    return network


def _tx_hash(value: str) -> str:
    tx = value.strip()
    if not _TX_HASH.match(tx):
        raise FieldError(_("This is not a transaction hash (TXID)."))
    return tx.lower() if tx[:2].lower() == "0x" or len(tx) == 64 else tx


def _amount(value: str) -> str:
    try:
        amount = Decimal(value.strip().replace(",", ""))
    except InvalidOperation:
        raise FieldError(_("Enter an amount such as 250 or 0.015.")) from None
    if not amount.is_finite() or amount <= 0 or amount.as_tuple().exponent < -18:  # type: ignore[operator]
        raise FieldError(_("Enter a positive amount with at most 18 decimals."))
    return format(amount.normalize(), "f")


def _order_id(value: str) -> str:
    order = value.strip()
    if not _ORDER_ID.match(order):
        raise FieldError(_("This is not an order id."))
    return order


def _moment(value: str) -> str:
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise FieldError(_("Enter a date and time such as 2026-11-20 14:30.")) from None
    return moment.isoformat()


def _text(value: str) -> str:
    text = value.strip()
    if len(text) > MAX_TEXT_FIELD:
        raise FieldError(_("At most 500 characters."))
    return text


KINDS: dict[str, Callable[[str], str]] = {
    "coin": _coin,
    "network": _network,
    "tx_hash": _tx_hash,
    "amount": _amount,
    "order_id": _order_id,
    "datetime": _moment,
    "text": _text,
}


@dataclass(frozen=True)
class FieldSpec:
    name: str
    label: Any
    kind: str
    required: bool = True
    # Fields that identify the case: two open tickets with equal values are the same problem.
    identifying: bool = False


@dataclass(frozen=True)
class Category:
    slug: str
    label: Any
    team: str
    fields: tuple[FieldSpec, ...] = field(default=())
    # A high priority request is granted for these without further rules.
    urgent_by_nature: bool = False


CATEGORIES: dict[str, Category] = {
    c.slug: c
    for c in [
        Category(
            "deposit",
            _("Deposit not received"),
            "deposits-withdrawals",
            (
                FieldSpec("coin", _("Coin"), "coin"),
                FieldSpec("network", _("Network"), "network"),
                FieldSpec("tx_hash", _("Transaction hash (TXID)"), "tx_hash", identifying=True),
                FieldSpec("amount", _("Amount"), "amount"),
            ),
        ),
        Category(
            "withdrawal",
            _("Withdrawal problem"),
            "deposits-withdrawals",
            (
                FieldSpec("coin", _("Coin"), "coin"),
                FieldSpec("network", _("Network"), "network"),
                FieldSpec("amount", _("Amount"), "amount"),
                FieldSpec(
                    "tx_hash", _("Transaction hash (TXID)"), "tx_hash", False, identifying=True
                ),
            ),
        ),
        Category(
            "futures_dispute",
            _("Futures or liquidation dispute"),
            "trading",
            (
                FieldSpec("order_id", _("Order id"), "order_id", identifying=True),
                FieldSpec("occurred_at", _("When it happened"), "datetime"),
            ),
        ),
        Category(
            "account_security",
            _("Account security"),
            "security",
            (FieldSpec("details", _("What happened"), "text", required=False),),
            urgent_by_nature=True,
        ),
        Category("kyc", _("Identity verification (KYC)"), "account-kyc"),
        Category("api", _("API"), "api"),
        Category("complaint", _("Complaint"), "complaints"),
        Category("other", _("Something else"), "general"),
    ]
}


def get_category(slug: str) -> Category:
    try:
        return CATEGORIES[slug]
    except KeyError:
        raise ApiError("unknown_category", f"Unknown category {slug!r}.") from None


def validate_fields(category: Category, values: Any) -> dict[str, str]:
    """The category's fields, normalised; every problem at once, keyed by field name."""
    if values is None:
        values = {}
    if not isinstance(values, dict):
        raise ApiError("invalid_fields", "fields must be an object.")
    known = {spec.name for spec in category.fields}
    unknown = sorted(set(values) - known)
    errors: dict[str, str] = {name: str(_("Not a field of this category.")) for name in unknown}
    clean: dict[str, str] = {}
    for spec in category.fields:
        raw = values.get(spec.name)
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            if spec.required:
                errors[spec.name] = str(_("Required."))
            continue
        if not isinstance(raw, str | int) or isinstance(raw, bool):
            errors[spec.name] = str(_("Enter text."))
            continue
        try:
            clean[spec.name] = KINDS[spec.kind](str(raw))
        except FieldError as problem:
            errors[spec.name] = str(problem)
    if errors:
        raise ApiError("invalid_fields", "Some fields need another look.", details=errors)
    return clean
