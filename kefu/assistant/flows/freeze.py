""" "Freeze my account": for an identified customer only; confirm, freeze, hand over urgently.

Freezing is the one account action the assistant takes itself, because at 3 a.m. a hijacked
account cannot wait for a person. It asks once for confirmation (a freeze locks the customer
out too), then freezes and hands over with urgent priority so a person follows up.
"""

from __future__ import annotations

from django.utils import translation
from django.utils.translation import gettext as _

from kefu.exchange.backoffice import FreezeOutcome
from kefu.trust.account_actions import customer_freeze

from .. import guardrails, replies
from ..models import HandoffPriority
from .base import Context, Step

NAME = "freeze"
PENDING = "freeze_confirm"


def offer(context: Context, *, urgent: bool) -> Step:
    """Ask for confirmation; an urgent offer already hands over (the person sees it too)."""
    with translation.override(context.language):
        if context.customer is None:
            context.step("freeze offered but the customer is not identified")
            return Step(
                NAME,
                " ".join(
                    [
                        replies.handoff("urgent", context.language),
                        replies.sign_in_for_checks(context.language),
                    ]
                )
                if urgent
                else replies.sign_in_for_checks(context.language),
                handoff_reason="urgent_security" if urgent else "",
                handoff_priority=HandoffPriority.URGENT if urgent else "",
            )
        context.state["pending"] = PENDING
        context.step("offered an immediate account freeze")
        intro = replies.handoff("urgent", context.language) + " " if urgent else ""
        return Step(NAME, intro + replies.offer_freeze(context.language), done=False)


def confirm(context: Context) -> Step | None:
    """Handle the answer to the confirmation; ``None`` if the message is not an answer."""
    if guardrails.FREEZE_CONFIRM.search(context.normalized):
        context.state.pop("pending", None)
        return _execute(context)
    if guardrails.FREEZE_DECLINE.search(context.normalized):
        context.state.pop("pending", None)
        context.step("customer declined the freeze")
        with translation.override(context.language):
            return Step(NAME, _("All right, your account stays as it is."))
    return None


def _execute(context: Context) -> Step:
    # Only the identified customer's own account; refused (and recorded) otherwise.
    result = customer_freeze(
        context.customer,
        reason="requested by the customer in chat",
        ticket=getattr(context.conversation, "ticket", None),
    )
    context.step("froze the account", str(result.outcome))
    with translation.override(context.language):
        if result.outcome == FreezeOutcome.ALREADY_FROZEN:
            text = _("Your account was already frozen; it stays frozen.")
        else:
            text = _(
                "Done: your account is frozen. Sign-ins, trading and withdrawals are stopped "
                "(%(orders)s open orders cancelled). A security specialist is joining this chat "
                "to help you secure and unfreeze it."
            ) % {"orders": result.cancelled_orders}
    return Step(
        NAME, text, handoff_reason="account_frozen", handoff_priority=HandoffPriority.URGENT
    )
