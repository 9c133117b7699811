"""What the bot says of itself, in the user's language (Telegram's ``language_code``: any
Chinese variant gets zh-Hans, everything else English). Plain text, no parse mode: nothing
needs escaping and nothing a user or agent typed can turn into formatting or a link."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import override


def language_of(code: str | None) -> str:
    """The desk's language for a Telegram ``language_code`` ("zh-hans", "zh-TW", "en-US")."""
    return "zh-hans" if (code or "").lower().startswith("zh") else "en"


def _exchange() -> str:
    return str(settings.KEFU_EXCHANGE_NAME)


def greeting(language: str, *, linked: bool) -> str:
    with override(language):
        lines = [
            _("Hi, I'm the %(exchange)s support assistant. Ask me anything.")
            % {"exchange": _exchange()},
            _("Send /human to talk to a person, /end to finish the conversation."),
        ]
        if linked:
            lines.append(_("This Telegram account is linked to your exchange account."))
        else:
            lines.append(
                _(
                    "For answers about your own account here, open “Connect Telegram” in your "
                    "account on the %(exchange)s website. Until then I only answer general "
                    "questions."
                )
                % {"exchange": _exchange()}
            )
        lines.append(never_ask())
        return "\n\n".join(lines)


def never_ask() -> str:
    return _(
        "Staff never ask for passwords, 2FA codes, seed phrases or private keys, and never "
        "message you first."
    )


def group_pointer(language: str, link: str) -> str:
    """The public answer in a group: generic, never about anyone's account."""
    with override(language):
        return "\n\n".join(
            [
                _(
                    "Hi! Questions about an account can't be answered in a group. Please "
                    "message me privately and I'll help you there: %(link)s"
                )
                % {"link": link},
                never_ask(),
            ]
        )


def chat_ended(language: str, *, survey: bool) -> str:
    with override(language):
        text = _("This conversation has ended. Write again any time to start a new one.")
        if survey:
            text += "\n\n" + _("How did we do? Tap a rating.")
        return text


def rated(language: str) -> str:
    with override(language):
        return _("Thank you for your rating.")


def already_rated(language: str) -> str:
    with override(language):
        return _("This conversation has already been rated.")


def no_conversation(language: str) -> str:
    with override(language):
        return _("There is no open conversation. Just write to start one.")


def unsupported(language: str) -> str:
    with override(language):
        return _("I can read text, photos and documents (images and PDF files).")


def too_long(language: str, limit: int) -> str:
    with override(language):
        return _("Messages are limited to %(limit)d characters. Please send it in parts.") % {
            "limit": limit
        }


def slow_down(language: str, seconds: int) -> str:
    with override(language):
        return _("Too many messages. Please try again in %(seconds)d seconds.") % {
            "seconds": seconds
        }


def linked(language: str) -> str:
    with override(language):
        return _(
            "Done: this Telegram account is now linked to your %(exchange)s account, so I can "
            "look up your deposits, withdrawals and orders here. Send /unlink to undo it."
        ) % {"exchange": _exchange()}


def link_failed(language: str) -> str:
    with override(language):
        return _(
            "This link has expired or was already used. Open “Connect Telegram” on the "
            "%(exchange)s website again."
        ) % {"exchange": _exchange()}


def unlinked(language: str) -> str:
    with override(language):
        return _("This Telegram account is no longer linked to an exchange account.")


def file_refused(language: str, name: str, code: str) -> str:
    with override(language):
        reasons = {
            "attachment_too_large": _("it is too large"),
            "attachment_type": _("only images and PDF documents are accepted"),
            "attachment_dimensions": _("the image is too large"),
            "attachment_empty": _("the file is empty"),
        }
        return _("The file %(name)s was not kept: %(reason)s.") % {
            "name": name,
            "reason": reasons.get(code, _("it could not be read")),
        }


def contact_note(username: str, user_id: int, customer: str | None) -> str:
    """The internal note agents see at the top of a Telegram conversation."""
    who = f"@{username} " if username else ""
    if customer:
        return _("Telegram %(who)s(user id %(id)s), linked to exchange account %(customer)s.") % {
            "who": who,
            "id": user_id,
            "customer": customer,
        }
    return _(
        "Telegram %(who)s(user id %(id)s), not linked to an exchange account: do not discuss "
        "account details here."
    ) % {"who": who, "id": user_id}


def continued_as_ticket(language: str, number: str) -> str:
    with override(language):
        return _(
            "We continue your request as ticket %(number)s and will answer here. Just write "
            "to add anything."
        ) % {"number": number}
