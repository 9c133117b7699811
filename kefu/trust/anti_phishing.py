"""The customer's anti-phishing code: a word only they and the exchange know, shown in every
email Kefu sends them and on every portal page, so a message without it is not from us.

The code itself is kept out of events and outbox rows (staff have no need to see it); mail
gets it when it is sent.
"""

from __future__ import annotations

import unicodedata

from django.db import transaction
from django.utils.translation import gettext as _

from kefu.accounts.models import Customer
from kefu.errors import ApiError
from kefu.events.services import record_event

MIN_LENGTH, MAX_LENGTH = 4, 20


def clean_code(customer: Customer, code: str) -> str:
    """``code`` as it will be stored, or :class:`ApiError` saying what is wrong with it."""
    code = unicodedata.normalize("NFKC", code or "").strip()
    if not (MIN_LENGTH <= len(code) <= MAX_LENGTH) or not all(c.isalnum() for c in code):
        raise ApiError(
            "anti_phishing_code_invalid",
            _("Use %(min)d to %(max)d letters or digits, without spaces or symbols.")
            % {"min": MIN_LENGTH, "max": MAX_LENGTH},
        )
    if code.casefold() == customer.exchange_uid.casefold():
        raise ApiError(
            "anti_phishing_code_is_uid",
            _("Choose something other than your user ID: anyone may know that."),
        )
    return code


def set_code(customer: Customer, code: str) -> Customer:
    """Set or change ``customer``'s code."""
    code = clean_code(customer, code)
    with transaction.atomic():
        locked = Customer.objects.select_for_update().get(pk=customer.pk)
        had_code = bool(locked.anti_phishing_code)
        locked.anti_phishing_code = code
        locked.save(update_fields=["anti_phishing_code"])
        record_event(
            "customer.anti_phishing_code_changed"
            if had_code
            else "customer.anti_phishing_code_set",
            locked,
        )
    customer.anti_phishing_code = code
    return customer


def mail_banner(customer: Customer | None) -> str:
    """The first line of every email to ``customer`` (call in the mail's language)."""
    code = customer.anti_phishing_code if customer is not None else ""
    if code:
        return _("Your anti-phishing code: %(code)s") % {"code": code}
    return _(
        "You have not set an anti-phishing code yet. Set one in the support portal "
        "(Anti-phishing code): every email from us will then show it here."
    )
