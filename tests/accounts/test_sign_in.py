"""Staff sign-in: password, then a TOTP code (set up on the first sign-in), lockout, session
limits, and a record of every attempt. Through the real pages, the admin and the agent socket."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import channels.db
import pytest
from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from kefu import clock
from kefu.accounts.models import Agent, Role, SignInOutcome, StaffSignIn
from kefu.asgi import application
from kefu.events.models import Event

from ..staff import authenticator, code, fresh_code, sign_in

pytestmark = pytest.mark.django_db

PASSWORD = "lantern-harbour-47-quiet"
LOGIN = "/en/console/login/"
CODE = "/en/console/login/code/"
SETUP = "/en/console/login/setup/"


@pytest.fixture(autouse=True)
def controlled_clock() -> Iterator[None]:
    clock.set_now(clock.now())
    yield
    clock.reset()


@pytest.fixture(autouse=True)
def keep_test_connection(monkeypatch):  # type: ignore[no-untyped-def]
    """As in tests/chat: the socket's database calls must not close the test's connection."""
    monkeypatch.setattr(channels.db, "close_old_connections", lambda: None)


@pytest.fixture
def client() -> Client:
    """A browser from an address of its own: lockouts of one test never reach another."""
    octets = uuid.uuid4().bytes[:3]
    return Client(REMOTE_ADDR=f"10.{octets[0]}.{octets[1]}.{octets[2]}")


def staff(role: str = Role.AGENT, username: str | None = None) -> Agent:
    return Agent.objects.create_user(
        username=username or f"staff.{uuid.uuid4().hex[:8]}", password=PASSWORD, role=role
    )


def password_step(client: Client, agent: Agent, password: str = PASSWORD, **extra: Any) -> Any:
    return client.post(LOGIN, {"username": agent.username, "password": password, **extra})


def full_sign_in(client: Client, agent: Agent, next_url: str = "") -> Any:
    """Both steps, for an agent with an authenticator."""
    device = authenticator(agent)
    step = password_step(client, agent, next=next_url) if next_url else password_step(client, agent)
    assert step.status_code == 302 and step.url.startswith(CODE), step
    return client.post(CODE, {"code": fresh_code(device), "next": next_url})


def outcomes(agent: Agent) -> list[str]:
    return list(
        StaffSignIn.objects.filter(agent=agent).order_by("id").values_list("outcome", flat=True)
    )


def signed_in(client: Client) -> bool:
    response = client.get("/en/console/")
    return response.status_code == 200


# -- two steps ----------------------------------------------------------------------------------


def test_first_sign_in_sets_up_the_authenticator(client):
    agent = staff()
    step = password_step(client, agent)
    assert step.status_code == 302 and step.url.startswith(SETUP)
    assert not signed_in(client)  # the password alone signs nobody in

    page = client.get(SETUP)
    assert page.status_code == 200
    device = TOTPDevice.objects.get(user=agent)
    assert not device.confirmed
    html = page.content.decode()
    assert "otpauth://totp/" in html and "data:image/svg+xml" in html
    secret = page.context["secret"].replace(" ", "")
    assert client.get(SETUP).context["secret"].replace(" ", "") == secret  # same key on reload

    wrong = client.post(SETUP, {"code": "000000" if code(device.bin_key) != "000000" else "111111"})
    assert wrong.status_code == 200 and wrong.context["form"].errors["code"]
    done = client.post(SETUP, {"code": code(device.bin_key)})
    assert done.status_code == 302 and done.url == "/en/console/"
    assert signed_in(client)
    device.refresh_from_db()
    assert device.confirmed
    assert outcomes(agent) == [SignInOutcome.BAD_CODE, SignInOutcome.ENROLLED]
    assert Event.objects.filter(kind="staff.two_factor_enrolled", subject_id=str(agent.pk)).exists()


def test_sign_in_with_a_code_then_the_same_code_is_refused(client):
    agent = staff()
    device = authenticator(agent)
    password_step(client, agent)
    used = code(device.bin_key)
    response = client.post(CODE, {"code": used, "next": "/en/console/tickets/"})
    assert response.status_code == 302 and response.url == "/en/console/tickets/"
    assert signed_in(client)
    client.post("/admin/logout/")
    assert not signed_in(client)

    password_step(client, agent)
    replayed = client.post(CODE, {"code": used})
    assert replayed.status_code == 200 and "already used" in replayed.content.decode()
    assert not signed_in(client)
    assert outcomes(agent) == [SignInOutcome.SUCCESS, SignInOutcome.BAD_CODE]
    record = StaffSignIn.objects.filter(agent=agent).first()
    assert record is not None and record.ip and record.ip.startswith("10.")


def test_the_code_step_needs_the_password_first_and_not_for_long(client):
    agent = staff()
    authenticator(agent)
    assert client.get(CODE).url.startswith(LOGIN)
    password_step(client, agent)
    clock.advance(minutes=6)
    late = client.post(CODE, {"code": fresh_code(authenticator(agent))})
    assert late.status_code == 302 and late.url.startswith(LOGIN)
    assert not signed_in(client)


def test_wrong_password_is_recorded_and_does_not_reveal_the_account(client):
    agent = staff()
    for username in (agent.username, "nobody.here"):
        response = client.post(LOGIN, {"username": username, "password": "not-the-password"})
        assert response.status_code == 200
        assert "Wrong username or password" in response.content.decode()
    assert outcomes(agent) == [SignInOutcome.BAD_PASSWORD]
    assert StaffSignIn.objects.filter(agent=None, username="nobody.here").count() == 1


# -- lockout ------------------------------------------------------------------------------------


def test_failed_passwords_lock_the_account_until_the_period_ends(client, settings):
    settings.KEFU_SIGNIN_MAX_FAILURES = 5
    agent = staff()
    for _ in range(4):
        assert "Wrong username" in password_step(client, agent, "guess").content.decode()
    fifth = password_step(client, agent, "guess").content.decode()
    assert "locked until" in fifth
    # The right password from another address: still refused, the username is locked.
    elsewhere = Client(REMOTE_ADDR="10.200.0.1")
    refused = password_step(elsewhere, agent)
    assert refused.status_code == 200 and "locked until" in refused.content.decode()
    assert outcomes(agent)[-2:] == [SignInOutcome.BAD_PASSWORD, SignInOutcome.LOCKED]
    assert Event.objects.filter(kind="staff.sign_in_locked", subject_id=str(agent.pk)).exists()

    clock.advance(seconds=settings.KEFU_SIGNIN_LOCKOUT_SECONDS + 1)
    assert full_sign_in(elsewhere, agent).status_code == 302
    assert signed_in(elsewhere)


def test_failed_codes_lock_the_account_and_an_admin_unlocks_it(client, settings):
    settings.KEFU_SIGNIN_MAX_FAILURES = 3
    agent = staff()
    device = authenticator(agent)
    good = code(device.bin_key)
    wrong = "123456" if good != "123456" else "654321"
    password_step(client, agent)
    client.post(CODE, {"code": wrong})
    client.post(CODE, {"code": wrong})
    third = client.post(CODE, {"code": wrong})
    assert "locked until" in third.content.decode() and third.context["locked"]
    # The sign-in in progress is gone, and even the right code and password are refused.
    assert client.post(CODE, {"code": good}).url.startswith(LOGIN)
    assert "locked until" in password_step(client, agent).content.decode()
    assert outcomes(agent) == [SignInOutcome.BAD_CODE] * 3 + [SignInOutcome.LOCKED]

    admin = Client()
    sign_in(admin, staff(Role.ADMIN))
    unlocked = admin.post(
        "/admin/accounts/agent/",
        {"action": "unlock_sign_in", "_selected_action": [agent.pk]},
        follow=True,
    )
    assert f"Unlocked: {agent.username}" in unlocked.content.decode()
    assert Event.objects.filter(kind="staff.sign_in_unlocked", subject_id=str(agent.pk)).exists()
    assert full_sign_in(client, agent).status_code == 302
    assert signed_in(client)


def test_only_an_admin_unlocks(client, settings):
    settings.KEFU_SIGNIN_MAX_FAILURES = 1
    locked = staff()
    password_step(client, locked, "guess")
    supervisor = sign_in(Client(), staff(Role.SUPERVISOR))
    supervisor.post(
        "/admin/accounts/agent/", {"action": "unlock_sign_in", "_selected_action": [locked.pk]}
    )
    assert "locked until" in password_step(client, locked).content.decode()


def test_failures_from_one_address_lock_that_address(client, settings):
    settings.KEFU_SIGNIN_IP_MAX_FAILURES = 3
    for _ in range(3):
        password_step(client, staff(), "guess")
    fresh = staff()
    assert "locked until" in password_step(client, fresh).content.decode()
    assert full_sign_in(Client(REMOTE_ADDR="10.201.0.1"), fresh).status_code == 302


def test_a_successful_sign_in_forgets_earlier_failures(client, settings):
    settings.KEFU_SIGNIN_MAX_FAILURES = 3
    agent = staff()
    password_step(client, agent, "guess")
    password_step(client, agent, "guess")
    full_sign_in(client, agent)
    client.post("/admin/logout/")
    password_step(client, agent, "guess")
    password_step(client, agent, "guess")
    assert full_sign_in(client, agent).status_code == 302


# -- session limits ------------------------------------------------------------------------------


def test_an_idle_session_ends_and_activity_keeps_it(client, settings):
    settings.KEFU_STAFF_IDLE_MINUTES = 30
    agent = staff()
    full_sign_in(client, agent)
    for _ in range(3):
        clock.advance(minutes=25)
        assert signed_in(client)  # each visit counts as activity
    clock.advance(minutes=31)
    response = client.get("/en/console/")
    assert response.status_code == 302 and response.url.startswith(LOGIN)
    page = client.get(response.url)
    assert "inactivity" in page.content.decode()
    clock.advance(minutes=1)
    assert not signed_in(client)


def test_a_session_ends_at_its_absolute_limit_however_active(client, settings):
    settings.KEFU_STAFF_SESSION_HOURS = 12
    agent = staff()
    full_sign_in(client, agent)
    for _ in range(28):  # a visit every 25 minutes: never idle
        clock.advance(minutes=25)
        assert signed_in(client)
    clock.advance(minutes=25)  # 12 h 5 min after signing in
    response = client.get("/en/console/tickets/")
    assert response.status_code == 302 and response.url.startswith(LOGIN)
    assert "time limit" in client.get(response.url).content.decode()


# -- the back office ------------------------------------------------------------------------------


def test_admin_login_goes_through_both_steps(client):
    admin = staff(Role.ADMIN)
    device = authenticator(admin)
    first = client.get("/admin/", follow=True)
    assert first.redirect_chain[-1][0] == LOGIN + "?next=%2Fadmin%2F"
    assert password_step(client, admin, next="/admin/").url.startswith(CODE)
    assert client.get("/admin/").status_code == 302  # the password alone is not enough
    done = client.post(CODE, {"code": fresh_code(device), "next": "/admin/"})
    assert done.url == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_sign_in_records_are_read_only_and_for_supervisors_and_admins(client):
    agent = staff()
    full_sign_in(client, agent)
    record = StaffSignIn.objects.get(agent=agent)
    url = "/admin/accounts/staffsignin/"
    for role, status in ((Role.ADMIN, 200), (Role.SUPERVISOR, 200), (Role.AGENT, 403)):
        browser = sign_in(Client(), staff(role))
        assert browser.get(url).status_code == status, role
    admin = sign_in(Client(), staff(Role.ADMIN))
    assert admin.get(f"{url}add/").status_code == 403
    assert admin.post(f"{url}{record.pk}/delete/", {"post": "yes"}).status_code == 403
    with pytest.raises(PermissionError):
        record.delete()
    with pytest.raises(PermissionError):
        StaffSignIn.objects.filter(pk=record.pk).update(outcome=SignInOutcome.SUCCESS)


def test_staff_passwords_must_be_strong():
    agent = Agent(username="mei.lin", email="mei.lin@example.com")
    for weak in ("Short-pw-1", "password1234", "1234567890123", "mei.lin.2024x"):
        with pytest.raises(ValidationError):
            validate_password(weak, agent)
    validate_password(PASSWORD, agent)


# -- a session that skipped the code ---------------------------------------------------------------


def test_a_session_without_the_second_step_is_refused_everywhere(client):
    agent = staff(Role.SUPERVISOR)
    client.force_login(agent)  # signed in by password only, as a stolen password would be
    for url in ("/en/console/", "/en/console/tickets/", "/en/console/supervisor/", "/admin/"):
        response = client.get(url)
        assert response.status_code == 302, url
    assert client.get("/en/console/tickets/").url.startswith(LOGIN)

    async def connect() -> tuple[bool, int | None]:
        communicator = WebsocketCommunicator(
            application,
            "/ws/console/",
            headers=[
                (b"origin", b"http://testserver"),
                (b"host", b"testserver"),
                (b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode()),
            ],
        )
        connected, close_code = await communicator.connect()
        if connected:
            await communicator.disconnect()
        return connected, close_code

    assert async_to_sync(connect)() == (False, 4401)
    sign_in(client, agent)
    assert signed_in(client)
    connected, _ = async_to_sync(connect)()
    assert connected
    clock.advance(hours=13)
    assert async_to_sync(connect)() == (False, 4401)


def test_work_on_the_console_socket_keeps_the_session_and_ends_with_it(client, settings):
    settings.KEFU_STAFF_IDLE_MINUTES = 30
    agent = staff()
    full_sign_in(client, agent)
    cookie = f"sessionid={client.cookies['sessionid'].value}".encode()

    async def work(idle_minutes: list[int]) -> list[dict[str, Any]]:
        """Connect, then after each pause send a piece of work; the frames that came back."""
        communicator = WebsocketCommunicator(
            application,
            "/ws/console/",
            headers=[
                (b"origin", b"http://testserver"),
                (b"host", b"testserver"),
                (b"cookie", cookie),
            ],
        )
        connected, _ = await communicator.connect()
        assert connected
        frames: list[dict[str, Any]] = []
        for minutes in idle_minutes:
            clock.advance(minutes=minutes)
            await communicator.send_json_to({"type": "presence", "status": "online"})
            while True:  # skip queue boards; stop at the answer or at the close
                output = await communicator.receive_output(2)
                if output["type"] == "websocket.close":
                    frames.append({"closed": output.get("code")})
                    break
                frame = json.loads(output["text"])
                if frame["type"] in ("presence", "error"):
                    frames.append(frame)
                if frame["type"] == "presence":
                    break
            if "closed" in frames[-1]:
                break
        await communicator.disconnect()
        return frames

    # Only socket work for 50 minutes: the session is still active afterwards.
    frames = async_to_sync(work)([25, 25])
    assert [f.get("type") for f in frames] == ["presence", "presence"]
    assert signed_in(client)
    # An open socket left idle for 31 minutes: its next piece of work is refused and it closes.
    frames = async_to_sync(work)([31])
    assert frames[0]["type"] == "error" and frames[0]["code"] == "signed_out"
    assert frames[-1] == {"closed": 4401}
    assert not signed_in(client)


def test_an_admin_resets_a_lost_authenticator_and_the_account_sets_up_a_new_one(client):
    agent = staff()
    old = authenticator(agent)
    admin = sign_in(Client(), staff(Role.ADMIN))
    admin.post(
        "/admin/accounts/agent/", {"action": "reset_two_factor", "_selected_action": [agent.pk]}
    )
    assert not TOTPDevice.objects.filter(pk=old.pk).exists()
    assert Event.objects.filter(kind="staff.two_factor_reset", subject_id=str(agent.pk)).exists()
    assert password_step(client, agent).url.startswith(SETUP)
    assert client.get(SETUP).status_code == 200  # shows the new key
    new = TOTPDevice.objects.get(user=agent)
    assert new.key != old.key
    assert client.post(SETUP, {"code": code(new.bin_key)}).status_code == 302
    assert signed_in(client)
