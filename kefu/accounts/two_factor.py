"""Two-factor authentication for staff: one TOTP authenticator (RFC 6238) per account.

django-otp keeps the devices and checks codes: a code is accepted at most once (a device
remembers the last time step it accepted, so a code seen over a shoulder or replayed from a
log is refused), and its ``OTPMiddleware`` tells every request whether its session passed the
second step (``request.user.is_verified()``). An account without a confirmed device sets one up
on its next sign-in: the enrollment page shows the secret, its ``otpauth://`` URI and a QR code,
and the first code typed from the app confirms it.
"""

from __future__ import annotations

from base64 import b32encode

import segno
from django.contrib.sessions.backends.base import SessionBase
from django.db import transaction
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.models import Device
from django_otp.plugins.otp_totp.models import TOTPDevice

from kefu.events.services import record_event

from .models import Agent

DEVICE_NAME = "authenticator"
CODE_DIGITS = 6


def confirmed_device(agent: Agent) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=agent, confirmed=True).order_by("pk").first()


def enrollment_device(agent: Agent) -> TOTPDevice:
    """The account's device being set up: the same one on every visit of the enrollment page,
    so a QR code already scanned stays good until confirmed."""
    device = TOTPDevice.objects.filter(user=agent, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=agent, name=DEVICE_NAME, confirmed=False)
    return device


def secret(device: TOTPDevice) -> str:
    """The key as authenticator apps and ``oathtool --totp -b`` take it (base32)."""
    return b32encode(device.bin_key).decode()


def otpauth_uri(device: TOTPDevice) -> str:
    return str(device.config_url)


def qr_code_data_uri(device: TOTPDevice) -> str:
    """The otpauth URI as an SVG QR code in a data URI: drawn here, nothing loaded elsewhere."""
    return str(segno.make(otpauth_uri(device), error="m").svg_data_uri(scale=5, border=2))


def _well_formed(code: str) -> bool:
    return len(code) == CODE_DIGITS and code.isascii() and code.isdigit()


def verify(agent: Agent, code: str) -> TOTPDevice | None:
    """The confirmed device that accepts this code now, or None (wrong, stale or replayed)."""
    code = code.strip().replace(" ", "")
    if not _well_formed(code):
        return None
    with transaction.atomic():
        device = (
            TOTPDevice.objects.select_for_update()
            .filter(user=agent, confirmed=True)
            .order_by("pk")
            .first()
        )
        if device is not None and device.verify_token(code):
            return device
    return None


def confirm(device: TOTPDevice, code: str) -> bool:
    """Confirm a device being set up with its first code; other unconfirmed devices go."""
    code = code.strip().replace(" ", "")
    if not _well_formed(code):
        return False
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().get(pk=device.pk, confirmed=False)
        if not device.verify_token(code):
            return False
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        TOTPDevice.objects.filter(user_id=device.user_id, confirmed=False).delete()
        record_event(
            "staff.two_factor_enrolled", device.user, actor=device.user, data={"device": device.pk}
        )
    return True


@transaction.atomic
def reset(agent: Agent, *, by: Agent) -> int:
    """Remove an account's authenticators (a lost phone): it sets up a new one at its next
    sign-in, after the password. Returns how many were removed."""
    removed, _ = TOTPDevice.objects.filter(user=agent).delete()
    record_event("staff.two_factor_reset", agent, actor=by, data={"devices": removed})
    return removed


def session_device(session: SessionBase, agent: Agent) -> Device | None:
    """The confirmed device of this agent that verified the session, as OTPMiddleware finds it
    for HTTP requests; for the sockets, which have a session but no middleware."""
    persistent_id = session.get(DEVICE_ID_SESSION_KEY)
    if not persistent_id:
        return None
    device = Device.from_persistent_id(persistent_id)
    if device is None or device.user_id != agent.pk or not device.confirmed:
        return None
    return device
