"""Who is chatting: the exchange vouches for its signed-in user with an HMAC signature.

The exchange's server computes ``hex(HMAC-SHA256(KEFU_WIDGET_SECRET, f"{user_id}.{expires}"))``
with ``expires`` a Unix time, and passes the three values to Kefu. A valid signature identifies
the customer (account lookups and actions are allowed); no user id means an anonymous visitor; a
wrong or expired signature is refused, never downgraded silently, so integration mistakes show up
at once and a leaked signature stops working.
"""

from __future__ import annotations

import hashlib
import hmac
import time

from django.conf import settings

from kefu.errors import ApiError

from .models import Customer

MAX_UID_LENGTH = 64


def sign_customer(uid: str, expires: int) -> str:
    message = f"{uid}.{int(expires)}".encode()
    return hmac.new(settings.KEFU_WIDGET_SECRET.encode(), message, hashlib.sha256).hexdigest()


def identify(
    uid: str | None, signature: str | None, expires: int | str | None = None
) -> Customer | None:
    """The identified customer, ``None`` for anonymous; ``ApiError`` for a bad signature."""
    if not uid:
        if signature:
            raise ApiError("bad_signature", "A signature was given without a customer id.", 403)
        return None
    if not isinstance(uid, str) or len(uid) > MAX_UID_LENGTH:
        raise ApiError("bad_signature", "The customer id is not valid.", 403)
    try:
        expiry = int(expires) if expires is not None else None
    except (TypeError, ValueError):
        expiry = None
    if expiry is None:
        raise ApiError("bad_signature", "The signature's expiry time is missing or invalid.", 403)
    # Compared as bytes: compare_digest refuses str with non-ASCII characters (a TypeError).
    if not isinstance(signature, str) or not hmac.compare_digest(
        sign_customer(uid, expiry).encode(), signature.lower().encode()
    ):
        raise ApiError("bad_signature", "The customer signature does not match.", 403)
    if expiry < time.time():
        raise ApiError("signature_expired", "The customer signature has expired.", 403)
    customer, _ = Customer.objects.get_or_create(exchange_uid=uid)
    return customer
