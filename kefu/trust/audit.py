"""Writing access records: called wherever staff see a customer's data or act on the account.

A record is written in the caller's transaction, so an access that fails and rolls back leaves
no claim that it happened. Refusals are recorded too (refused attempts are what an audit looks
for): the checks in :mod:`kefu.trust.account_actions` run before any transaction is opened, so
the refusal is committed even though an error is raised after it.
"""

from __future__ import annotations

from collections.abc import Mapping
from ipaddress import ip_address
from typing import Any

from django.http import HttpRequest

from kefu.accounts.models import Agent, Customer

from .records import AccessAction, AccessRecord


def record_access(
    action: AccessAction | str,
    customer: Customer | str,
    *,
    staff: Any = None,
    ticket_ref: str = "",
    detail: str = "",
    ip: str | None = None,
    refused: bool = False,
) -> AccessRecord:
    """Record that ``staff`` (``None``: the customer themselves or the system) did ``action``
    on ``customer`` (a row, or an exchange user id Kefu has no row for)."""
    row = customer if isinstance(customer, Customer) else None
    uid = row.exchange_uid if row is not None else str(customer)
    member = staff if isinstance(staff, Agent) and staff.is_authenticated else None
    record = AccessRecord(
        action=action,
        staff=member,
        staff_username=member.get_username() if member else "",
        customer=row,
        customer_uid=uid[:64],
        ticket_ref=ticket_ref[:64],
        detail=detail[:200],
        ip=_valid_ip(ip),
        refused=refused,
    )
    record.save()
    return record


def record_ticket_view(staff: Any, ticket: Any, *, ip: str | None = None) -> AccessRecord | None:
    """A ticket page shows its requester (customer, email address, CC): a view of their data.
    Tickets without either (an anonymous chat) record nothing."""
    if ticket.customer is None and not ticket.requester_email:
        return None
    return record_access(
        AccessAction.VIEW_CUSTOMER,
        ticket.customer or "",
        staff=staff,
        ticket_ref=ticket_ref(ticket),
        detail="ticket page",
        ip=ip,
    )


def request_ip(request: HttpRequest | None) -> str | None:
    """The client address of a request as Django sees it (a trusted proxy sets REMOTE_ADDR)."""
    if request is None:
        return None
    return _valid_ip(request.META.get("REMOTE_ADDR"))


def scope_ip(scope: Mapping[str, Any] | None) -> str | None:
    """The client address of an ASGI connection (a WebSocket)."""
    client = (scope or {}).get("client")
    return _valid_ip(client[0]) if client else None


def ticket_ref(ticket: Any) -> str:
    """How records name a ticket or chat: its number, as staff and customers quote it."""
    return str(getattr(ticket, "number", "") or "") if ticket is not None else ""


def _valid_ip(value: Any) -> str | None:
    if not value:
        return None
    try:
        return str(ip_address(str(value)))
    except ValueError:
        return None
