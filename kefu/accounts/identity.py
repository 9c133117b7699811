"""Who is chatting: the exchange vouches for its signed-in user with an HMAC signature.

The exchange's page computes ``hex(HMAC-SHA256(KEFU_WIDGET_SECRET, user_id))`` server-side and
passes both to Kefu. A valid signature identifies the customer (account lookups and actions are
allowed); no signature means an anonymous visitor; a wrong signature is refused, never
downgraded silently, so integration mistakes show up at once.
"""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings

from kefu.errors import ApiError

from .models import Customer


def sign_customer(uid: str) -> str:
    return hmac.new(settings.KEFU_WIDGET_SECRET.encode(), uid.encode(), hashlib.sha256).hexdigest()


def identify(uid: str | None, signature: str | None) -> Customer | None:
    """The identified customer, ``None`` for anonymous; ``ApiError`` for a bad signature."""
    if not uid:
        if signature:
            raise ApiError("bad_signature", "A signature was given without a customer id.", 403)
        return None
    if not signature or not hmac.compare_digest(sign_customer(uid), signature.lower()):
        raise ApiError("bad_signature", "The customer signature does not match.", 403)
    customer, _ = Customer.objects.get_or_create(exchange_uid=uid)
    return customer
