"""How long a staff session lasts: it ends after ``KEFU_STAFF_IDLE_MINUTES`` without a
request and ``KEFU_STAFF_SESSION_HOURS`` after signing in, whatever happens in between.

A session is a staff session only once both sign-in steps passed: :func:`begin` (the last step
of the real sign-in) logs the agent in, records the device that verified the code and stamps
the session. Tests and benchmarks that need a signed-in agent call :func:`mark_verified` on a
session of their own, the same stamps the real sign-in writes. Times come from
:mod:`kefu.clock`, so tests can move past a timeout.
"""

from __future__ import annotations

import enum
from datetime import timedelta
from importlib import import_module

from django.conf import settings
from django.contrib import auth
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.base import SessionBase
from django.http import HttpRequest
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp import login as otp_login
from django_otp.models import Device

from kefu import clock

from .models import Agent
from .two_factor import session_device

SIGNED_IN_AT = "kefu_staff_signed_in_at"
SEEN_AT = "kefu_staff_seen_at"
ENDED = "kefu_staff_session_ended"
# Activity is written back at most this often, not on every request.
TOUCH_EVERY = timedelta(seconds=60)
BACKEND = "kefu.accounts.backends.RoleBackend"


class Standing(enum.Enum):
    ACTIVE = "active"
    UNVERIFIED = "unverified"  # signed in without passing the second step
    IDLE = "idle"
    EXPIRED = "expired"


def idle_limit() -> timedelta:
    return timedelta(minutes=settings.KEFU_STAFF_IDLE_MINUTES)


def absolute_limit() -> timedelta:
    return timedelta(hours=settings.KEFU_STAFF_SESSION_HOURS)


def mark_verified(session: SessionBase, agent: Agent, device: Device) -> None:
    """Make ``session`` the session of ``agent`` signed in with both steps through ``device``."""
    now = clock.now().timestamp()
    session[SESSION_KEY] = agent._meta.pk.value_to_string(agent)  # type: ignore[union-attr]
    session[BACKEND_SESSION_KEY] = BACKEND
    session[HASH_SESSION_KEY] = agent.get_session_auth_hash()
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session[SIGNED_IN_AT] = now
    session[SEEN_AT] = now
    # The store forgets the session too once it can no longer be used.
    session.set_expiry(int(absolute_limit().total_seconds()))


def begin(request: HttpRequest, agent: Agent, device: Device) -> None:
    """Sign the agent in after both steps: a new session key, the device, the timestamps."""
    auth.login(request, agent, backend=BACKEND)
    otp_login(request, device)
    mark_verified(request.session, agent, device)


def standing(session: SessionBase, verified: bool) -> Standing:
    """Whether a signed-in session may go on. ``verified``: its device checks out."""
    signed_in_at = session.get(SIGNED_IN_AT)
    seen_at = session.get(SEEN_AT)
    if not verified or signed_in_at is None or seen_at is None:
        return Standing.UNVERIFIED
    now = clock.now().timestamp()
    if now - signed_in_at >= absolute_limit().total_seconds():
        return Standing.EXPIRED
    if now - seen_at >= idle_limit().total_seconds():
        return Standing.IDLE
    return Standing.ACTIVE


def touch(session: SessionBase) -> None:
    """Note activity (at most every ``TOUCH_EVERY``, to spare the session store a write)."""
    now = clock.now().timestamp()
    if now - session.get(SEEN_AT, 0) >= TOUCH_EVERY.total_seconds():
        session[SEEN_AT] = now


def end(request: HttpRequest, why: Standing) -> None:
    """Sign out a session that timed out, leaving word for the sign-in page to explain."""
    auth.logout(request)
    request.session[ENDED] = why.value


def socket_may_connect(session: SessionBase | None, agent: Agent) -> bool:
    """The console socket's check at connect: the same as every HTTP request's, and the
    connection counts as activity."""
    if session is None or session.get(SESSION_KEY) is None:
        return False
    if standing(session, session_device(session, agent) is not None) is not Standing.ACTIVE:
        return False
    touch(session)
    if session.modified:
        session.save()
    return True


def socket_activity(session: SessionBase | None, agent: Agent) -> bool:
    """An agent's action on the open console socket counts as activity, like a request, so an
    agent who works only in the console is not signed out while working. False once the
    session can no longer go on (its absolute limit, or signed out elsewhere): the store is
    re-read, so a sign-out in another tab wins over the socket's copy."""
    if session is None or session.session_key is None:
        return False
    current = import_module(settings.SESSION_ENGINE).SessionStore(session.session_key)
    if current.get(SESSION_KEY) != agent._meta.pk.value_to_string(agent):  # type: ignore[union-attr]
        return False
    if standing(current, session_device(current, agent) is not None) is not Standing.ACTIVE:
        return False
    touch(current)
    if current.modified:
        current.save()
    return True
