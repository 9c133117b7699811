""" "My deposit hasn't arrived": find the deposit, then say exactly where it is.

The tx hash is the only thing that identifies a deposit for sure; without one, a coin (and
network) is enough when the account has a single deposit of that coin that is not yet credited.
"""

from __future__ import annotations

from django.utils import formats, translation
from django.utils.translation import gettext as _

from kefu.exchange.backoffice import Deposit, DepositStatus, get_backoffice

from ..models import HandoffPriority
from .base import Context, Step, finish

NAME = "deposit"
OPEN_STATUSES = {s.value for s in DepositStatus} - {DepositStatus.CREDITED.value}


def start(context: Context) -> Step:
    context.state.update(flow=NAME, slots={})
    context.step("deposit check started")
    return resume(context)


def resume(context: Context) -> Step:
    uid = context.customer.exchange_uid if context.customer else ""
    office = get_backoffice()
    tx_hash = context.fact("tx_hash")
    coin = context.fact("coin")
    with translation.override(context.language):
        if tx_hash:
            deposit = office.deposit_by_tx(uid, tx_hash)
            context.step(f"looked up deposit by tx hash {tx_hash}")
            if deposit is None:
                finish(context)
                context.step("no deposit with this tx hash on the account", "not_found")
                return Step(
                    NAME,
                    _(
                        "I can't find a deposit with that transaction hash on your account. "
                        "Please check that it was sent to your deposit address shown in the "
                        "app. I'm passing this to a colleague who can trace it with you."
                    ),
                    handoff_reason="deposit_not_found",
                    handoff_priority=HandoffPriority.NORMAL,
                )
            return _explain(context, deposit)
        if coin:
            waiting = [
                d
                for d in office.deposits(uid, coin=coin, network=_network(context))
                if d.status in OPEN_STATUSES
            ]
            context.step(f"listed open {coin} deposits: {len(waiting)}")
            if len(waiting) == 1:
                return _explain(context, waiting[0])
        context.state["asked"] = "tx_hash"
        return Step(
            NAME,
            _(
                "Please send me the transaction hash (TxID) of the deposit; you find it in the "
                "withdrawal history of the wallet or exchange you sent it from."
            ),
            done=False,
        )


def _network(context: Context) -> str | None:
    network = context.fact("network")
    return {"Bitcoin": "BTC"}.get(network or "", network)


def _explain(context: Context, deposit: Deposit) -> Step:
    finish(context)
    amount = f"{formats.number_format(deposit.amount, use_l10n=True)} {deposit.coin}"
    context.step(f"deposit {deposit.id} status {deposit.status}", deposit.status)
    values = {
        "amount": amount,
        "network": deposit.network,
        "done": deposit.confirmations,
        "needed": deposit.required_confirmations,
    }
    status = deposit.status
    if status == DepositStatus.PENDING:
        return Step(
            NAME,
            _(
                "Your %(amount)s deposit on %(network)s has %(done)s of %(needed)s "
                "confirmations. It is credited automatically at %(needed)s; nothing else is "
                "needed from you."
            )
            % values,
        )
    if status == DepositStatus.CREDITED:
        return Step(
            NAME,
            _(
                "Your %(amount)s deposit on %(network)s has been credited to your spot account "
                "(%(done)s/%(needed)s confirmations)."
            )
            % values,
        )
    if status == DepositStatus.BELOW_MINIMUM:
        return Step(
            NAME,
            _(
                "Your %(amount)s deposit is below the minimum for %(network)s, so it was not "
                "credited on its own. It will be credited together with your next deposit to the "
                "same address once the total reaches the minimum."
            )
            % values,
        )
    if status == DepositStatus.UNDER_REVIEW:
        return Step(
            NAME,
            _(
                "Your %(amount)s deposit arrived and is under a routine security review. Most "
                "reviews finish within a few hours; you'll get an email when it is credited."
            )
            % values,
        )
    handoffs = {
        DepositStatus.WRONG_NETWORK: _(
            "Your %(amount)s deposit was sent on %(network)s, which this address doesn't "
            "support. It can usually be recovered: I'm handing you to a colleague who will open "
            "a recovery case (7–14 business days)."
        ),
        DepositStatus.MEMO_MISSING: _(
            "Your %(amount)s deposit arrived without the memo/tag, so we couldn't tell it was "
            "yours. I'm handing you to a colleague who will open a memo recovery case "
            "(3–5 business days)."
        ),
    }
    text = handoffs.get(
        status,
        _(
            "Your %(amount)s deposit on %(network)s needs a colleague's help; I'm handing you "
            "over with the details."
        ),
    )
    return Step(
        NAME,
        str(text) % values,
        handoff_reason=f"deposit_{status}",
        handoff_priority=HandoffPriority.NORMAL,
    )
