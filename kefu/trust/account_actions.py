"""Account actions with their rules: who may freeze, unfreeze or look up which customer.

- A customer may freeze only their own account, and only when the exchange vouched for them
  (a signed identity); nobody can freeze someone else's account by typing a user id.
- Staff: an agent may look up or freeze the customer of a ticket or chat assigned to them;
  a supervisor the customer of a ticket or chat of their teams; administrators any customer;
  content editors never.
- Unfreezing is for supervisors (of that customer's ticket) and administrators only: it hands an
  account back, which is what an attacker who talked an agent round would want.

Every allowed action and every refusal is an access record; the exchange actions record their
events as before. Refusals raise :class:`~kefu.errors.ApiError` with a stable code.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from kefu.accounts.models import Agent, Customer, Role
from kefu.errors import ApiError
from kefu.exchange import actions as exchange
from kefu.exchange.backoffice import FreezeResult

from .access import can_supervise
from .audit import record_access, ticket_ref
from .records import AccessAction

STAFF_ROLES = frozenset({Role.AGENT, Role.SUPERVISOR, Role.ADMIN})
SENIOR_ROLES = frozenset({Role.SUPERVISOR, Role.ADMIN})


def is_staff_member(user: Any) -> bool:
    return isinstance(user, Agent) and user.is_authenticated and user.is_active


def works_on(agent: Any, ticket: Any) -> bool:
    """Whether ``agent`` may act for the customer of ``ticket``: it is assigned to them, it
    belongs to a team they supervise, or they are an administrator."""
    if not is_staff_member(agent) or agent.role not in STAFF_ROLES:
        return False
    if agent.role == Role.ADMIN:
        return True
    if ticket is None:
        return False
    if agent.role == Role.SUPERVISOR:
        return can_supervise(agent, ticket)
    return bool(ticket.assignee_id == agent.pk)


def _uid_of(ticket: Any) -> str | None:
    customer = getattr(ticket, "customer", None)
    return customer.exchange_uid if customer is not None else None


def _refuse(
    action: AccessAction,
    customer: Customer | str,
    code: str,
    message: str,
    *,
    staff: Any = None,
    ticket: Any = None,
    ip: str | None = None,
) -> ApiError:
    record_access(
        action,
        customer,
        staff=staff,
        ticket_ref=ticket_ref(ticket),
        detail=code,
        ip=ip,
        refused=True,
    )
    return ApiError(code, message, 403)


def customer_freeze(
    customer: Customer | None,
    *,
    reason: str,
    uid: str | None = None,
    ticket: Any = None,
    ip: str | None = None,
) -> FreezeResult:
    """The customer freezes their own account (the assistant, the portal)."""
    if customer is None:
        raise ApiError(
            "not_identified", "Sign in on the exchange to freeze your account from here.", 403
        )
    if uid is not None and uid != customer.exchange_uid:
        raise _refuse(
            AccessAction.FREEZE_ACCOUNT,
            uid,
            "not_your_account",
            "A customer can freeze only their own account.",
            ticket=ticket,
            ip=ip,
        )
    with transaction.atomic():
        result = exchange.freeze_account(customer.exchange_uid, reason=reason)
        record_access(
            AccessAction.FREEZE_ACCOUNT,
            customer,
            ticket_ref=ticket_ref(ticket),
            detail=f"by the customer: {result.outcome}",
            ip=ip,
        )
    return result


def staff_freeze(
    agent: Any, uid: str, *, reason: str, ticket: Any = None, ip: str | None = None
) -> FreezeResult:
    """Staff freeze an account: agents for the customer of a ticket they work on."""
    target = _customer_or_uid(uid)
    allowed = works_on(agent, ticket) and (
        getattr(agent, "role", None) == Role.ADMIN or _uid_of(ticket) == uid
    )
    if not allowed:
        raise _refuse(
            AccessAction.FREEZE_ACCOUNT,
            target,
            "not_working_on_customer",
            "Freeze an account from a ticket or chat of that customer assigned to you.",
            staff=agent,
            ticket=ticket,
            ip=ip,
        )
    with transaction.atomic():
        result = exchange.freeze_account(uid, reason=reason, actor=agent)
        record_access(
            AccessAction.FREEZE_ACCOUNT,
            target,
            staff=agent,
            ticket_ref=ticket_ref(ticket),
            detail=str(result.outcome),
            ip=ip,
        )
    return result


def staff_unfreeze(
    agent: Any, uid: str, *, reason: str, ticket: Any = None, ip: str | None = None
) -> FreezeResult:
    """Lift a freeze: supervisors and administrators only."""
    target = _customer_or_uid(uid)
    senior = is_staff_member(agent) and agent.role in SENIOR_ROLES
    if not senior or not (agent.role == Role.ADMIN or _uid_of(ticket) == uid):
        raise _refuse(
            AccessAction.UNFREEZE_ACCOUNT,
            target,
            "supervisor_required",
            "Only an administrator, or a supervisor from a ticket of that customer in their "
            "teams, can unfreeze an account.",
            staff=agent,
            ticket=ticket,
            ip=ip,
        )
    if agent.role != Role.ADMIN and not works_on(agent, ticket):
        raise _refuse(
            AccessAction.UNFREEZE_ACCOUNT,
            target,
            "not_working_on_customer",
            "Unfreeze an account from a ticket or chat of that customer in your teams.",
            staff=agent,
            ticket=ticket,
            ip=ip,
        )
    with transaction.atomic():
        result = exchange.unfreeze_account(uid, reason=reason, actor=agent)
        record_access(
            AccessAction.UNFREEZE_ACCOUNT,
            target,
            staff=agent,
            ticket_ref=ticket_ref(ticket),
            detail=str(result.outcome),
            ip=ip,
        )
    return result


def authorise_profile_lookup(agent: Any, ticket: Any, *, ip: str | None = None) -> Customer:
    """Allow ``agent`` to look up the exchange profile of ``ticket``'s customer, and record it;
    refuse (recorded) when the ticket is not theirs to work on."""
    customer = getattr(ticket, "customer", None)
    if customer is None:
        raise ApiError("not_identified", "This conversation's customer is not identified.", 404)
    if not works_on(agent, ticket):
        raise _refuse(
            AccessAction.VIEW_PROFILE_FROM_EXCHANGE,
            customer,
            "not_working_on_customer",
            "Look up a customer's profile from a ticket or chat assigned to you.",
            staff=agent,
            ticket=ticket,
            ip=ip,
        )
    record_access(
        AccessAction.VIEW_PROFILE_FROM_EXCHANGE,
        customer,
        staff=agent,
        ticket_ref=ticket_ref(ticket),
        ip=ip,
    )
    return customer


def _customer_or_uid(uid: str) -> Customer | str:
    return Customer.objects.filter(exchange_uid=uid).first() or uid
