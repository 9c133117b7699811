""" "I lost my 2FA": a guided reset, asking only whether the customer can still sign in.

The steps and times are those of the help center's lost-2FA article (FACTS.md): selfie check,
review within 3 business days, withdrawals locked for 48 hours afterwards.
"""

from __future__ import annotations

import re

from django.utils import translation
from django.utils.translation import gettext as _

from .base import Context, Step, finish

NAME = "lost_2fa"
YES = re.compile(r"^(是|是的|能|可以|对|yes|y|yeah|yep|i can)\b")
NO = re.compile(r"^(否|不|不能|不可以|没有|no|n|nope|i can'?t|cannot)\b")


def start(context: Context) -> Step:
    context.state.update(flow=NAME, slots={}, asked="other_method")
    context.step("2FA reset guide started")
    with translation.override(context.language):
        return Step(
            NAME,
            _(
                "Do you still have another 2FA method set up, such as SMS or a security key? "
                "(yes / no)"
            ),
            done=False,
        )


def resume(context: Context) -> Step | None:
    answer = context.normalized.strip(" .!。！")
    with translation.override(context.language):
        if YES.search(answer):
            finish(context)
            context.step("customer has another 2FA method", "replace_method")
            return Step(
                NAME,
                _(
                    "Sign in with that method, then replace the lost one under Security → "
                    "Two-factor authentication. No review is needed."
                ),
            )
        if NO.search(answer):
            finish(context)
            context.step("customer has no other 2FA method", "selfie_reset")
            return Step(
                NAME,
                _(
                    "On the sign-in page enter your email and password and tap “Lost 2FA?” (if "
                    "you are signed in: Security → Two-factor authentication → Reset). Complete "
                    "the selfie check; we review it within 3 business days. Withdrawals are "
                    "locked for 48 hours after the reset. If your phone was stolen rather than "
                    "lost, say “freeze my account” first."
                ),
            )
    return None  # not an answer: treat it as a new question
