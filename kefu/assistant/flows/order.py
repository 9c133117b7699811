""" "What happened to my order?": one order by its id, in plain words."""

from __future__ import annotations

from django.utils import formats, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from kefu.exchange.backoffice import Order, OrderSide, OrderStatus, OrderType, get_backoffice

from ..models import HandoffPriority
from .base import Context, Step, finish

NAME = "order"

FALLBACK_REASON = gettext_noop("it did not pass our checks")
REJECT_REASONS = {
    "order_value_below_minimum": gettext_noop("the order value was below the 5 USDT minimum"),
    "insufficient_balance": gettext_noop("the balance was not enough"),
    "price_out_of_range": gettext_noop("the price was outside the allowed range"),
}


def start(context: Context) -> Step:
    context.state.update(flow=NAME, slots={})
    context.step("order check started")
    return resume(context)


def resume(context: Context) -> Step:
    order_id = context.fact("order_id")
    with translation.override(context.language):
        if not order_id:
            context.state["asked"] = "order_id"
            return Step(
                NAME,
                _("Please send me the order ID; you find it under Orders → Order history."),
                done=False,
            )
        uid = context.customer.exchange_uid if context.customer else ""
        order = get_backoffice().order(uid, order_id)
        context.step(f"looked up order {order_id}")
        finish(context)
        if order is None:
            context.step("order not found on the account", "not_found")
            return Step(
                NAME,
                _(
                    "I can't find order %(id)s on your account. Please check the number; I'm "
                    "passing this to a colleague in case it belongs to a sub-account."
                )
                % {"id": order_id},
                handoff_reason="order_not_found",
                handoff_priority=HandoffPriority.NORMAL,
            )
        return Step(NAME, _describe(order))


def _describe(order: Order) -> str:
    values = {
        "id": order.id,
        "side": OrderSide(order.side).label,
        "symbol": order.symbol,
        "type": OrderType(order.type).label,
        "filled": formats.number_format(order.filled, use_l10n=True),
        "amount": formats.number_format(order.amount, use_l10n=True),
        "reason": _(REJECT_REASONS.get(order.reject_reason or "", FALLBACK_REASON)),
    }
    texts = {
        OrderStatus.OPEN: _(
            "Order %(id)s (%(side)s %(symbol)s, %(type)s) is open and waiting for the market to "
            "reach your price; nothing has been filled yet."
        ),
        OrderStatus.PARTIALLY_FILLED: _(
            "Order %(id)s (%(side)s %(symbol)s) is partly filled: %(filled)s of %(amount)s. The "
            "rest stays open until filled or cancelled."
        ),
        OrderStatus.FILLED: _("Order %(id)s (%(side)s %(symbol)s) is completely filled."),
        OrderStatus.CANCELLED: _(
            "Order %(id)s (%(side)s %(symbol)s) was cancelled; %(filled)s of %(amount)s had been "
            "filled and any reserved funds are back in your account."
        ),
        OrderStatus.REJECTED: _(
            "Order %(id)s (%(side)s %(symbol)s) was rejected because %(reason)s."
        ),
        OrderStatus.LIQUIDATED: _(
            "Order %(id)s on %(symbol)s was closed by liquidation, because the position's "
            "margin ratio reached 100 %%. The Futures → Liquidation article explains how it is "
            "calculated."
        ),
    }
    return str(texts.get(order.status, _("Order %(id)s is %(status)s."))) % {
        **values,
        "status": OrderStatus(order.status).label,
    }
