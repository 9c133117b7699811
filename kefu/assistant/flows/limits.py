""" "What are my limits?": the customer's own KYC level, 24-hour limit, what is left of it today
and what the next level would unlock."""

from __future__ import annotations

from django.utils import formats, translation
from django.utils.translation import gettext as _

from kefu.exchange.backoffice import get_backoffice

from .base import Context, Step, finish

NAME = "limits"


def start(context: Context) -> Step:
    uid = context.customer.exchange_uid if context.customer else ""
    limits = get_backoffice().limits(uid)
    context.step("looked up KYC level and limits", f"kyc_level_{limits.kyc_level}")
    finish(context)
    number = lambda value: formats.number_format(value, decimal_pos=0, use_l10n=True)  # noqa: E731
    with translation.override(context.language):
        text = _(
            "You are verified at KYC level %(level)s. Your 24-hour withdrawal limit is "
            "%(limit)s %(currency)s; %(left)s %(currency)s of it is left right now."
        ) % {
            "level": limits.kyc_level,
            "limit": number(limits.withdrawal_limit_24h),
            "left": number(limits.remaining_24h),
            "currency": limits.currency,
        }
        if limits.next_level is not None:
            text += " " + _(
                "Level %(next)s raises it; you can apply under Account → Verification."
            ) % {"next": limits.next_level}
        return Step(NAME, text)


def resume(context: Context) -> Step:
    return start(context)
