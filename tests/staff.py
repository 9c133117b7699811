"""Signing staff in, fully verified, for tests: the password step and the authenticator code
are the real sign-in's business (tests/accounts/test_sign_in.py); everywhere else a test needs
an agent who is simply signed in. ``sign_in`` stamps the test client's session exactly as the
real sign-in's last step does (``staff_session.mark_verified``)."""

from __future__ import annotations

import time

from django.conf import settings
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from kefu.accounts.models import Agent
from kefu.accounts.staff_session import mark_verified
from kefu.accounts.two_factor import DEVICE_NAME


def authenticator(agent: Agent) -> TOTPDevice:
    """The agent's confirmed authenticator, created if the agent has none."""
    device = TOTPDevice.objects.filter(user=agent, confirmed=True).first()
    return device or TOTPDevice.objects.create(user=agent, name=DEVICE_NAME, confirmed=True)


def sign_in(client: Client, agent: Agent) -> Client:
    """Make ``client`` the agent's browser after both sign-in steps."""
    session = client.session
    mark_verified(session, agent, authenticator(agent))
    session.save()
    client.cookies[settings.SESSION_COOKIE_NAME] = session.session_key
    return client


def code(key: bytes | str, at: float | None = None) -> str:
    """The authenticator app's code for a key (bytes, or hex as django-otp stores it)."""
    totp = TOTP(bytes.fromhex(key) if isinstance(key, str) else key)
    totp.time = time.time() if at is None else at
    return f"{totp.token():06d}"


def fresh_code(device: TOTPDevice) -> str:
    """A code the device has not accepted yet: the current one, or the next time step's when
    the current one was used already (a device accepts one step either side)."""
    device.refresh_from_db()
    now = time.time()
    step = int((now - device.t0) // device.step)
    if device.last_t >= step:
        now = device.t0 + (device.last_t + 1) * device.step
    return code(device.bin_key, now)
