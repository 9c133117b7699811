"""The assistant's own words, in the customer's language.

Fixed texts for refusals, warnings and hand-overs: these must say exactly the same thing every
time, and translators see them all in one catalogue.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from kefu.trust.notices import secret_names

from .matching.knowledge import ArticleCard


def answer(card: ArticleCard, language: str) -> str:
    with translation.override(language):
        return _("%(summary)s\n\nMore: %(title)s — %(url)s") % {
            "summary": card.summary(language) or card.title(language),
            "title": card.title(language),
            "url": reverse("helpcenter:article", kwargs={"slug": card.slug}),
        }


def clarify(cards: Sequence[ArticleCard], language: str) -> str:
    with translation.override(language):
        options = "\n".join(f"{n}. {c.title(language)}" for n, c in enumerate(cards, 1))
        return _("Which of these do you mean? Reply with its number.\n%(options)s") % {
            "options": options
        }


def unknown(language: str) -> str:
    with translation.override(language):
        return _(
            "Sorry, I'm not sure I understood. Could you say it another way? "
            "You can also type “human” to talk to a person."
        )


def refusal_investment(language: str) -> str:
    with translation.override(language):
        return _(
            "I can't give investment advice or predict prices, and neither can our support "
            "staff. I'm happy to help with your account, deposits, withdrawals, orders or how "
            "a product works."
        )


def secret_warning(kinds: Sequence[str], language: str) -> str:
    with translation.override(language):
        names = secret_names(kinds)
        return _(
            "Please don't share your %(names)s with anyone — I've hidden it from this chat. "
            "%(exchange)s staff will never ask for it. If you think someone else has seen it, "
            "change it now (for a seed phrase or private key, move your funds to a new wallet)."
        ) % {"names": names, "exchange": settings.KEFU_EXCHANGE_NAME}


def handoff(reason: str, language: str) -> str:
    with translation.override(language):
        if reason == "urgent":
            return _(
                "This looks urgent. I'm connecting you to our security team now, ahead of the "
                "queue."
            )
        return _("I'm connecting you to a person now. They will see everything you've told me.")


def offer_freeze(language: str) -> str:
    with translation.override(language):
        return _(
            "If you did not do this, freeze your account now: sign-ins, trading and withdrawals "
            "stop until you unfreeze it with our team. Reply “yes” to freeze it now."
        )


def sign_in_for_checks(language: str) -> str:
    with translation.override(language):
        return _("To check your account I need you to be signed in; please open chat from the app.")


def silent() -> str:
    return ""


def small_talk(kind: str, language: str) -> str:
    """A person's reply to a greeting, thanks or goodbye: short, and says what comes next."""
    with translation.override(language):
        exchange = settings.KEFU_EXCHANGE_NAME
        if kind == "greeting":
            return _(
                "Hello! I'm the %(exchange)s assistant. Tell me what's happening — a deposit "
                "or withdrawal, your account, an order — and I'll help right away. Type “human” "
                "at any time to talk to a person."
            ) % {"exchange": exchange}
        if kind == "thanks":
            return _("You're welcome! Is there anything else I can help with?")
        if kind == "goodbye":
            return _("Thank you for contacting %(exchange)s. Goodbye!") % {"exchange": exchange}
        if kind == "bot_question":
            return _(
                "I'm %(exchange)s's automated assistant. I can answer most questions and check "
                "your deposits and withdrawals right away; type “human” to talk to a person."
            ) % {"exchange": exchange}
        return _("Is there anything else I can help with?")
