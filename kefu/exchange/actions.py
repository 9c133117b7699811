"""Changes Kefu makes at the exchange: each calls the back office and records an event.

The event is written only when the account's status actually changed, so repeating a request
(a customer asking twice, a retried job) leaves one event and the metrics derived from events
stay true. A real back office is outside our database: if recording the event fails after the
exchange froze the account, the freeze stands and the request can simply be repeated.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from kefu.events.services import record_event

from .backoffice import BackOffice, FreezeResult, get_backoffice


def actor_label(actor: Any) -> str:
    """How the exchange's audit log names who asked: an agent, or the customer themselves."""
    if getattr(actor, "is_authenticated", False):
        return f"kefu:agent:{actor.get_username()}"
    return "kefu:self_service"


def _event_data(result: FreezeResult, reason: str) -> dict[str, Any]:
    data: dict[str, Any] = {
        "uid": result.uid,
        "reason": reason,
        "status": str(result.status),
        "at": result.at.isoformat(),
    }
    if result.cancelled_orders:
        data["cancelled_orders"] = result.cancelled_orders
    if result.withdrawals_locked_until:
        data["withdrawals_locked_until"] = result.withdrawals_locked_until.isoformat()
    return data


def freeze_account(
    uid: str, *, reason: str, actor: Any = None, backoffice: BackOffice | None = None
) -> FreezeResult:
    """Freeze the customer's exchange account now; idempotent (see ``FreezeResult.outcome``).

    ``actor`` is the agent who did it, or ``None`` when the customer asked (assistant, portal).
    Raises :class:`~kefu.exchange.backoffice.ExchangeError` with a stable code.
    """
    office = backoffice or get_backoffice()
    with transaction.atomic():
        result = office.freeze(uid, reason=reason, actor=actor_label(actor))
        if result.changed:
            record_event(
                "exchange.account_frozen",
                ("customer", result.uid),
                actor=actor,
                data=_event_data(result, reason.strip()),
            )
    return result


def unfreeze_account(
    uid: str, *, reason: str, actor: Any = None, backoffice: BackOffice | None = None
) -> FreezeResult:
    """Lift a freeze once the customer passed the checks; withdrawals stay locked for 48 h."""
    office = backoffice or get_backoffice()
    with transaction.atomic():
        result = office.unfreeze(uid, reason=reason, actor=actor_label(actor))
        if result.changed:
            record_event(
                "exchange.account_unfrozen",
                ("customer", result.uid),
                actor=actor,
                data=_event_data(result, reason.strip()),
            )
    return result
