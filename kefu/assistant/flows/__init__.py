"""Self-service flows against the exchange, and how a conversation enters and leaves them.

Account flows need an identified customer (the widget's signed user id); an anonymous customer
gets the help center's answer and is asked to sign in. A back office error ends the flow with
a hand-over, never with a guess.
"""

from __future__ import annotations

from collections.abc import Callable

from django.utils import translation
from django.utils.translation import gettext as _

from kefu.exchange.backoffice import ExchangeError

from ..models import HandoffPriority
from . import deposit, freeze, limits, lost_2fa, order, withdrawal
from .base import Context, Step, finish

__all__ = [
    "Context",
    "Step",
    "continue_pending",
    "resume",
    "settles_doubt",
    "start_for_article",
    "start_named",
    "start_urgent",
]

Starter = Callable[[Context], Step]
Resumer = Callable[[Context], Step | None]

ACCOUNT_FLOWS: dict[str, tuple[Starter, Resumer]] = {
    deposit.NAME: (deposit.start, deposit.resume),
    withdrawal.NAME: (withdrawal.start, withdrawal.resume),
    order.NAME: (order.start, order.resume),
    limits.NAME: (limits.start, limits.resume),
}
GUIDES: dict[str, tuple[Starter, Resumer]] = {lost_2fa.NAME: (lost_2fa.start, lost_2fa.resume)}

# Help center articles whose question is really "check my account".
ARTICLE_FLOWS = {
    "deposit-not-credited": deposit.NAME,
    "withdrawal-not-received": withdrawal.NAME,
    "withdrawal-under-review": withdrawal.NAME,
    "withdrawal-compliance-review": withdrawal.NAME,
    "order-not-filled": order.NAME,
    "kyc-levels-and-limits": limits.NAME,
    "withdrawal-limits": limits.NAME,
    "freeze-account": freeze.NAME,
    "lost-2fa": lost_2fa.NAME,
}


# The article (and so the flow) for "where is my deposit / withdrawal?", by direction.
STATUS_ARTICLES = {"deposit": "deposit-not-credited", "withdrawal": "withdrawal-not-received"}


def start_for_article(context: Context, slug: str) -> Step | None:
    """Start the flow behind a matched article; ``None`` means: answer with the article."""
    name = ARTICLE_FLOWS.get(slug)
    if name is None and context.fact("order_id") and slug.startswith(("order", "cancel")):
        name = order.NAME
    if name is None:
        return None
    if name == freeze.NAME:
        return freeze.offer(context, urgent=False) if context.customer else None
    if name in GUIDES:
        return GUIDES[name][0](context)
    if context.customer is None:
        return None  # the article answers; account checks need a signed-in customer
    return _guarded(context, ACCOUNT_FLOWS[name][0])


def start_named(context: Context, name: str) -> Step:
    """Start an account flow directly (an order id in the message says which)."""
    step = _guarded(context, ACCOUNT_FLOWS[name][0])
    assert step is not None
    return step


# The entity that, given in the message, confirms a flow the matcher is only fairly sure of.
KEY_ENTITIES = {deposit.NAME: "tx_hash", order.NAME: "order_id"}


def settles_doubt(context: Context, slugs: list[str]) -> bool:
    """Whether a middling match needs no clarifying question: the top matches all lead to the
    same flow, or the message carries the identifier that flow asks for."""
    names = {ARTICLE_FLOWS.get(slug) for slug in slugs}
    if len(names) == 1 and None not in names:
        return True
    top = ARTICLE_FLOWS.get(slugs[0]) if slugs else None
    key = KEY_ENTITIES.get(top or "")
    return key is not None and context.fact_in_message(key)


def resume(context: Context) -> Step | None:
    name = context.state.get("flow")
    handlers = ACCOUNT_FLOWS.get(name or "") or GUIDES.get(name or "")
    if handlers is None:
        finish(context)
        return None
    step = _guarded(context, handlers[1])
    if step is None:
        finish(context)
    return step


def continue_pending(context: Context) -> Step | None:
    """A question the assistant asked that must be answered first (freeze confirmation)."""
    if context.state.get("pending") == freeze.PENDING:
        try:
            return freeze.confirm(context)
        except ExchangeError as error:
            context.state.pop("pending", None)
            return _exchange_failed(context, error)
    return None


def start_urgent(context: Context) -> Step:
    """Account takeover, unauthorised withdrawal, funds missing: freeze offer, priority person."""
    context.step("urgent security matter detected")
    return freeze.offer(context, urgent=True)


def _guarded(context: Context, handler: Resumer) -> Step | None:
    try:
        return handler(context)
    except ExchangeError as error:
        finish(context)
        return _exchange_failed(context, error)


def _exchange_failed(context: Context, error: ExchangeError) -> Step:
    context.step(f"exchange lookup failed: {error.code}", error.code)
    with translation.override(context.language):
        return Step(
            "exchange_error",
            _(
                "I can't reach our account systems right now, so I'm handing you to a "
                "colleague who will check this for you."
            ),
            handoff_reason=f"exchange_{error.code}",
            handoff_priority=HandoffPriority.NORMAL,
        )
