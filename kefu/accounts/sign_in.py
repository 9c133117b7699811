"""Staff sign-in, step by step: the password, then a code from the authenticator (or, for an
account without one, setting it up). Each attempt is recorded as a ``StaffSignIn``; failures
of either step count towards the lockout, and a locked username or address is refused before
its password is even checked.

Between the steps the session holds only a pending sign-in (the account and when its password
passed), never a signed-in user: nothing else in the desk treats it as signed in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth import authenticate
from django.db import transaction
from django.http import HttpRequest
from django.utils import formats
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from kefu import clock
from kefu.events.services import record_event

from . import lockout, two_factor
from .models import Agent, SignInOutcome, StaffSignIn

PENDING = "kefu_staff_sign_in_pending"
# How long the second step may take after the password.
PENDING_LIFETIME = timedelta(minutes=5)


class SignInRefused(Exception):
    """A step failed; ``message`` is what the person signing in is told."""

    def __init__(self, outcome: str, message: str, locked_until: datetime | None = None):
        super().__init__(message)
        self.outcome = outcome
        self.message = message
        self.locked_until = locked_until


@dataclass(frozen=True)
class Attempt:
    """Who is trying, from where: what every sign-in record keeps."""

    username: str
    ip: str | None
    user_agent: str

    @classmethod
    def of(cls, request: HttpRequest, username: str) -> Attempt:
        return cls(
            username=username.strip()[:150],
            ip=request.META.get("REMOTE_ADDR") or None,
            user_agent=request.META.get("HTTP_USER_AGENT", "")[:300],
        )


def _record(attempt: Attempt, outcome: str, agent: Agent | None) -> StaffSignIn:
    return StaffSignIn.objects.create(
        agent=agent,
        username=attempt.username,
        ip=attempt.ip,
        user_agent=attempt.user_agent,
        outcome=outcome,
        at=clock.now(),
    )


def _locked_message(until: datetime) -> str:
    return _(
        "Too many failed attempts: sign-in is locked until %(time)s. "
        "Try again later, or ask an administrator to unlock the account."
    ) % {"time": formats.date_format(until, "H:i e")}


def _refuse_if_locked(attempt: Attempt, agent: Agent | None) -> None:
    lock = lockout.current_lock(attempt.username, attempt.ip)
    if lock is not None:
        _record(attempt, SignInOutcome.LOCKED, agent)
        raise SignInRefused(SignInOutcome.LOCKED, _locked_message(lock.until), lock.until)


@transaction.atomic
def _fail(attempt: Attempt, outcome: str, agent: Agent | None, message: str) -> SignInRefused:
    _record(attempt, outcome, agent)
    lock = lockout.record_failure(attempt.username, attempt.ip)
    if lock is None:
        return SignInRefused(outcome, message)
    subject = agent if agent is not None else ("accounts.username", attempt.username)
    record_event(
        "staff.sign_in_locked",
        subject,
        data={
            "username": attempt.username,
            "ip": attempt.ip,
            "by": lock.scope,
            "until": lock.until.isoformat(),
        },
    )
    return SignInRefused(SignInOutcome.LOCKED, _locked_message(lock.until), lock.until)


def check_password(request: HttpRequest, username: str, password: str) -> Agent:
    """Step one. Returns the account whose password this is; raises ``SignInRefused``."""
    attempt = Attempt.of(request, username)
    known = Agent.objects.filter(username=attempt.username).first()
    _refuse_if_locked(attempt, known)
    user = authenticate(request, username=attempt.username, password=password)
    if not isinstance(user, Agent):
        raise _fail(
            attempt,
            SignInOutcome.BAD_PASSWORD,
            known,
            _("Wrong username or password. Both are case-sensitive."),
        )
    return user


def start_second_step(request: HttpRequest, agent: Agent) -> None:
    """Remember, in a fresh session key, whose password passed and when."""
    request.session.cycle_key()
    request.session[PENDING] = {"agent": agent.pk, "at": clock.now().timestamp()}


def pending_agent(request: HttpRequest) -> Agent | None:
    """The account between its two steps, if the password passed recently enough."""
    pending = request.session.get(PENDING)
    if not isinstance(pending, dict):
        return None
    if clock.now().timestamp() - pending.get("at", 0) > PENDING_LIFETIME.total_seconds():
        forget_pending(request)
        return None
    agent_id = pending.get("agent")
    if not isinstance(agent_id, int):
        return None
    return Agent.objects.filter(pk=agent_id, is_active=True).first()


def forget_pending(request: HttpRequest) -> None:
    request.session.pop(PENDING, None)


def check_code(request: HttpRequest, agent: Agent, code: str) -> TOTPDevice:
    """Step two for an account with an authenticator: returns the device that took the code."""
    attempt = Attempt.of(request, agent.username)
    _refuse_if_locked(attempt, agent)
    device = two_factor.verify(agent, code)
    if device is None:
        raise _fail(
            attempt,
            SignInOutcome.BAD_CODE,
            agent,
            _("That code is not right, or was already used. Enter the newest code."),
        )
    _succeed(attempt, agent, SignInOutcome.SUCCESS)
    return device


def confirm_enrollment(
    request: HttpRequest, agent: Agent, device: TOTPDevice, code: str
) -> TOTPDevice:
    """Step two for an account setting up its authenticator: the first code confirms it."""
    attempt = Attempt.of(request, agent.username)
    _refuse_if_locked(attempt, agent)
    if not two_factor.confirm(device, code):
        raise _fail(
            attempt,
            SignInOutcome.BAD_CODE,
            agent,
            _("That code does not match. Check the app's clock and enter the newest code."),
        )
    _succeed(attempt, agent, SignInOutcome.ENROLLED)
    device.refresh_from_db()
    return device


def _succeed(attempt: Attempt, agent: Agent, outcome: str) -> None:
    _record(attempt, outcome, agent)
    lockout.clear_failures(agent.username)


@transaction.atomic
def unlock(agent: Agent, *, by: Agent) -> bool:
    """An administrator lifts the lock on an account's username; returns whether it was
    locked. Recorded as an event either way."""
    was_locked = lockout.unlock(agent.username)
    record_event("staff.sign_in_unlocked", agent, actor=by, data={"was_locked": was_locked})
    return was_locked
