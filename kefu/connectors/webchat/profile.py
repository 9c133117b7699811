"""The exchange's view of a customer, as the agent who takes the chat sees it."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from kefu.accounts.models import Agent
from kefu.errors import ApiError
from kefu.exchange.backoffice import ExchangeError, get_backoffice
from kefu.tickets.models import Ticket
from kefu.trust.account_actions import authorise_profile_lookup


def customer_profile(ticket: Ticket, viewer: Agent, *, ip: str | None = None) -> dict[str, Any]:
    """The exchange's view of the chat's customer, for the agent: tier, KYC and recent money
    movements. Looked up only for a chat the agent works on, and recorded; on a chat that is
    merely offered to them the agent sees what Kefu knows until they accept it."""
    customer = ticket.customer
    if customer is None:
        return {"identified": False}
    profile: dict[str, Any] = {
        "identified": True,
        "id": customer.exchange_uid,
        "name": str(customer),
        "vip_tier": customer.vip_tier,
        "kyc_level": customer.kyc_level,
        "language": customer.language,
    }
    try:
        authorise_profile_lookup(viewer, ticket, ip=ip)
    except ApiError as refused:
        profile["exchange_error"] = refused.code
        return profile
    backoffice = get_backoffice()
    try:
        found = backoffice.profile(customer.exchange_uid)
        profile.update(
            {
                "vip_tier": found.vip_tier,
                "kyc_level": found.kyc_level,
                "status": str(found.status),
                "country": found.country,
            }
        )
        profile["deposits"] = [
            _plain(d) for d in backoffice.deposits(customer.exchange_uid, limit=5)
        ]
        profile["withdrawals"] = [
            _plain(w) for w in backoffice.withdrawals(customer.exchange_uid, limit=5)
        ]
    except ExchangeError as exc:
        profile["exchange_error"] = exc.code
    return profile


def _plain(record: Any) -> dict[str, Any]:
    def plain(value: Any) -> Any:
        if isinstance(value, Decimal):
            return str(value)
        if isinstance(value, datetime):
            return value.isoformat()
        if isinstance(value, Enum):
            return str(value.value)
        return value

    return {k: plain(v) for k, v in dataclasses.asdict(record).items()}
