"""What a customer is told when something they sent was masked: which kind of secret, and that
staff never ask for one. The same words on every channel (chat, portal, email), so a scammer's
"support agent" asking for a seed phrase contradicts what the real desk says every time."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, override

SECRET_NAMES = {
    "seed_phrase": gettext_noop("seed phrase"),
    "private_key": gettext_noop("private key"),
    "api_secret": gettext_noop("API secret"),
    "password": gettext_noop("password"),
    "two_factor_code": gettext_noop("2FA code"),
    "card_number": gettext_noop("card number"),
}

# The kind of message that carries the notice on a ticket (Message.kind).
NOTICE_KIND = "secret_warning"


def secret_names(kinds: Sequence[str]) -> str:
    """The kinds' names in the active language, e.g. "seed phrase, password"."""
    return ", ".join(_(SECRET_NAMES.get(kind, kind)) for kind in kinds)


def secret_notice(kinds: Sequence[str], language: str) -> str:
    with override(language):
        return _(
            "We hid what looked like a secret (%(kinds)s). Staff never ask for passwords, "
            "2FA codes, seed phrases or private keys."
        ) % {"kinds": secret_names(kinds)}
