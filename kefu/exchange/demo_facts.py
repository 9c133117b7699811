"""The demo exchange Beacon's rules, as numbers the demo back office computes with.

They restate ``kefu/helpcenter/demo/FACTS.md``; change that file first, then this one.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class KycLevel:
    level: int
    withdrawal_limit_24h: Decimal  # USDT equivalent
    unlocks: tuple[str, ...]
    requires: tuple[str, ...]


KYC_LEVELS: dict[int, KycLevel] = {
    0: KycLevel(0, Decimal(0), ("spot", "deposits"), ("email_or_phone",)),
    1: KycLevel(
        1,
        Decimal(50_000),
        ("withdrawals", "p2p", "futures", "margin", "earn"),
        ("id_document", "selfie"),
    ),
    2: KycLevel(
        2, Decimal(2_000_000), ("higher_limits", "fiat"), ("proof_of_address", "source_of_funds")
    ),
}


def kyc_level(level: int) -> KycLevel:
    """The highest known level at or below ``level`` (Beacon has no level above 2)."""
    return KYC_LEVELS[max(k for k in KYC_LEVELS if k <= max(level, 0))]


@dataclass(frozen=True)
class DepositRule:
    confirmations: int  # credited after
    minimum: Decimal


# (coin, network) -> rule. ERC20 tokens other than USDT follow the ETH network's confirmations.
DEPOSIT_RULES: dict[tuple[str, str], DepositRule] = {
    ("BTC", "BTC"): DepositRule(2, Decimal("0.0001")),
    ("ETH", "ERC20"): DepositRule(12, Decimal("0.005")),
    ("USDT", "ERC20"): DepositRule(12, Decimal(10)),
    ("USDT", "TRC20"): DepositRule(20, Decimal(1)),
    ("USDT", "BEP20"): DepositRule(15, Decimal(1)),
    ("USDT", "SOL"): DepositRule(1, Decimal(1)),
    ("SOL", "SOL"): DepositRule(1, Decimal("0.01")),
    ("XRP", "XRP"): DepositRule(1, Decimal(1)),
    ("TON", "TON"): DepositRule(1, Decimal(1)),
}
NETWORK_CONFIRMATIONS = {
    "BTC": 2,
    "ERC20": 12,
    "TRC20": 20,
    "BEP20": 15,
    "SOL": 1,
    "XRP": 1,
    "TON": 1,
}
MEMO_NETWORKS = frozenset({"XRP", "TON"})

# Fixed withdrawal fees; ERC20 follows gas, so the demo records whatever it charged.
WITHDRAWAL_FEES: dict[tuple[str, str], Decimal] = {
    ("USDT", "TRC20"): Decimal(1),
    ("USDT", "BEP20"): Decimal("0.3"),
    ("USDT", "SOL"): Decimal(1),
    ("BTC", "BTC"): Decimal("0.0002"),
}
WITHDRAWAL_MINIMUMS = {"USDT": Decimal(10), "BTC": Decimal("0.001")}

MIN_ORDER_VALUE_USDT = Decimal(5)
MAX_LEVERAGE = {"BTC": 100, "ETH": 75}  # other pairs: DEFAULT_MAX_LEVERAGE
DEFAULT_MAX_LEVERAGE = 20

# Demo reference prices for USDT-equivalent sums (a real back office uses its own prices).
REFERENCE_PRICES_USDT: dict[str, Decimal] = {
    "USDT": Decimal(1),
    "BTC": Decimal(64_000),
    "ETH": Decimal(3_100),
    "SOL": Decimal(145),
    "TON": Decimal("5.2"),
    "XRP": Decimal("0.52"),
    "BCN": Decimal("1.8"),
}
