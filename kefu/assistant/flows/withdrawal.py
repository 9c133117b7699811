""" "Where is my withdrawal?": the newest withdrawal still on its way, its review reason and
when it is expected."""

from __future__ import annotations

from django.utils import formats, translation
from django.utils.translation import gettext as _

from kefu.exchange.backoffice import ReviewReason, Withdrawal, WithdrawalStatus, get_backoffice

from ..models import HandoffPriority
from .base import Context, Step, finish

NAME = "withdrawal"
IN_FLIGHT = {WithdrawalStatus.PROCESSING, WithdrawalStatus.UNDER_REVIEW}


def start(context: Context) -> Step:
    context.state.update(flow=NAME, slots={})
    context.step("withdrawal check started")
    return resume(context)


def resume(context: Context) -> Step:
    uid = context.customer.exchange_uid if context.customer else ""
    recent = get_backoffice().withdrawals(uid, coin=context.fact("coin"), limit=10)
    context.step(f"listed recent withdrawals: {len(recent)}")
    finish(context)
    with translation.override(context.language):
        if not recent:
            return Step(NAME, _("I can't see any recent withdrawals on your account."))
        chosen = next((w for w in recent if w.status in IN_FLIGHT), recent[0])
        return _explain(context, chosen)


def _when(withdrawal: Withdrawal) -> str:
    if withdrawal.expected_by is None:
        return ""
    return formats.date_format(withdrawal.expected_by, "DATETIME_FORMAT") + " UTC"


def _explain(context: Context, withdrawal: Withdrawal) -> Step:
    context.step(f"withdrawal {withdrawal.id} status {withdrawal.status}", withdrawal.status)
    values = {
        "amount": f"{formats.number_format(withdrawal.amount, use_l10n=True)} {withdrawal.coin}",
        "network": withdrawal.network,
        "when": _when(withdrawal),
        "tx": withdrawal.tx_hash or "",
    }
    reasons = {
        ReviewReason.NEW_ADDRESS_24H: _("it goes to an address added less than 24 hours ago"),
        ReviewReason.LARGE_AMOUNT: _("the amount is larger than usual for your account"),
        ReviewReason.SECURITY_CHANGE_LOCK: _(
            "withdrawals are locked for 24 hours after a security change"
        ),
        ReviewReason.COMPLIANCE: _("it needs a compliance check"),
    }
    status = withdrawal.status
    if status == WithdrawalStatus.UNDER_REVIEW:
        reason = reasons.get(withdrawal.review_reason) if withdrawal.review_reason else None
        values["reason"] = str(reason or _("of a routine check"))
        text = _("Your %(amount)s withdrawal on %(network)s is under review because %(reason)s.")
        if values["when"]:
            text += " " + _("It is expected to be processed by %(when)s.")
        return Step(NAME, text % values)
    if status == WithdrawalStatus.PROCESSING:
        return Step(
            NAME,
            _(
                "Your %(amount)s withdrawal on %(network)s is being processed and will be "
                "broadcast to the network shortly."
            )
            % values,
        )
    if status == WithdrawalStatus.COMPLETED:
        return Step(
            NAME,
            _(
                "Your %(amount)s withdrawal on %(network)s is complete; the transaction hash is "
                "%(tx)s. If the receiving wallet doesn't show it, give them this hash."
            )
            % values,
        )
    if status == WithdrawalStatus.FAILED:
        return Step(
            NAME,
            _(
                "Your %(amount)s withdrawal on %(network)s failed and the amount, fee included, "
                "is refunded to your spot account."
            )
            % values,
        )
    return Step(
        NAME,
        _("Your %(amount)s withdrawal on %(network)s needs a colleague's help.") % values,
        handoff_reason=f"withdrawal_{status}",
        handoff_priority=HandoffPriority.NORMAL,
    )
