"""Live chat end to end, in two browsers: a customer on the demo exchange and an agent in the
console, over real WebSockets, served by ``kefu serve`` exactly as in production.

The server runs as a subprocess with its own ``KEFU_DATA_DIR`` (an SQLite file in WAL mode, the
in-memory channel layer, the routing clock). Django's ``live_server`` speaks HTTP only, and an
in-process ASGI server would share the test database: a transactional test flushes it, and
in-memory SQLite in shared-cache mode fails on lock contention instead of waiting. A separate
process has none of these problems, needs no test database at all (so no assistant training at
session start) and is checked afterwards through its own SQLite file.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from kefu.tickets.models import Message, SatisfactionRating, Ticket

from ..staff import code

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
AGENT = "agent.sam"
AGENT_NAME = "Sam Carter"
CUSTOMER_UID = "100003"  # Alice Morgan, English, VIP 1
STARTUP_SECONDS = 90
WAIT_MS = 15_000

# Demo staff, customers, exchange back office and queues, but no help center: the assistant then
# knows nothing, which is what this test needs, and starts in a second instead of minutes.
SETUP = """
import os
import django

django.setup()
from django.core.management import call_command

from kefu.accounts.demo_data import load_demo_accounts
from kefu.accounts.models import Agent
from kefu.exchange.demo_data import load_demo_exchange
from kefu.routing.demo_data import load_demo_routing

call_command("migrate", interactive=False, verbosity=0)
load_demo_accounts()
load_demo_exchange()
load_demo_routing()
agent = Agent.objects.get(username=os.environ["KEFU_E2E_AGENT"])
agent.set_password(os.environ["KEFU_E2E_PASSWORD"])
agent.save()
from django_otp.plugins.otp_totp.models import TOTPDevice
TOTPDevice.objects.create(user=agent, key=os.environ["KEFU_E2E_TOTP_KEY"], confirmed=True)
"""

# One list item per stored message, as the customer's widget shows it.
WIDGET_MESSAGES_JS = """() => Array.from(
  document.querySelectorAll('[data-kefu="messages"] > li[data-seq]'),
  (li) => [Number(li.dataset.seq), li.dataset.author,
           (li.querySelector('.kefu-msg__text') || {}).textContent || '']
)"""


@dataclass
class Served:
    url: str
    database: Path
    password: str
    totp_key: str  # the agent's authenticator key (hex)
    log: Path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return bool(response.status == 200)
    except OSError:
        return False


@pytest.fixture(scope="module")
def kefu_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    data_dir = tmp_path_factory.mktemp("kefu-live-chat")
    password = secrets.token_urlsafe(12)
    totp_key = secrets.token_hex(20)
    drop = {"KEFU_DATABASE_URL", "KEFU_REDIS_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env.update(
        DJANGO_SETTINGS_MODULE="kefu.settings",
        KEFU_DATA_DIR=str(data_dir),
        KEFU_ROUTING_TICK_SECONDS="1",
        KEFU_LOG_LEVEL="WARNING",
        KEFU_E2E_AGENT=AGENT,
        KEFU_E2E_PASSWORD=password,
        KEFU_E2E_TOTP_KEY=totp_key,
    )
    log = data_dir / "server.log"
    with log.open("wb") as out:
        setup = subprocess.run(
            [sys.executable, "-c", SETUP],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            timeout=STARTUP_SECONDS,
        )
    if setup.returncode:
        pytest.fail("loading the demo desk failed:\n" + log.read_text(errors="replace"))
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    with log.open("ab") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "kefu.cli", "serve", "--no-demo", "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while not _answers(url + "/healthz"):
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail("kefu serve did not start:\n" + log.read_text(errors="replace"))
            time.sleep(0.2)
        yield Served(url, data_dir / "kefu.sqlite3", password, totp_key, log)
    finally:
        server.terminate()
        try:
            server.wait(15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(5)
        # Shown by pytest only when something failed.
        print("---- kefu serve log ----\n" + log.read_text(errors="replace")[-6000:])


def _query(database: Path, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    with contextlib.closing(sqlite3.connect(database, timeout=20)) as conn:
        return conn.execute(sql, params).fetchall()


def test_customer_chats_with_agent_reloads_and_rates(kefu_server: Served, browser) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
    from playwright.sync_api import expect

    expect.set_options(timeout=WAIT_MS)
    base = kefu_server.url
    customer_context = browser.new_context(locale="en-US", viewport={"width": 390, "height": 844})
    agent_context = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900})
    try:
        customer = customer_context.new_page()
        agent = agent_context.new_page()
        for page in (customer, agent):
            page.set_default_timeout(WAIT_MS)

        # -- the customer opens the widget and asks something the assistant cannot answer
        customer.goto(base + f"/en/demo/exchange/?as={CUSTOMER_UID}")
        customer.locator('[data-kefu="launcher"]').click()
        expect(customer.locator('[data-kefu="panel"]')).to_be_visible()
        widget = customer.locator('[data-kefu="messages"]')
        expect(widget.locator('li[data-author="assistant"]')).to_have_count(1)  # the greeting

        def customer_says(text: str) -> None:
            customer.locator('[data-kefu="input"]').fill(text)
            customer.locator('[data-kefu="send"]').click()
            # stored: the pending bubble became the numbered message
            mine = widget.locator('li[data-author="customer"]').filter(has_text=text)
            expect(mine).to_have_attribute("data-seq", re.compile(r"^\d+$"))

        question = "Which colour is the moon over the Atlantic on a Tuesday?"
        customer_says(question)
        expect(widget.locator('li[data-author="assistant"]')).to_have_count(2)
        expect(widget.locator('li[data-author="assistant"]').last).to_have_attribute(
            "data-kind", "unknown"
        )

        # -- "talk to a person": queued, and nobody is online to give an estimate
        customer.locator('[data-kefu="handoff"]').click()
        expect(customer.locator('[data-kefu="state"]')).to_have_attribute("data-state", "queued")
        queue = customer.locator('[data-kefu="queue"]')
        expect(queue).to_be_visible()
        expect(queue.locator("[data-position]")).to_have_attribute("data-position", "1")
        expect(queue.locator("[data-estimate]")).to_have_attribute("data-estimate", "none")
        expect(queue).to_contain_text("No agent is online")
        conversation = customer.evaluate("() => window.KefuWidget.state.conversation")
        assert uuid.UUID(conversation)

        # -- the agent signs in, goes online and gets the chat
        agent.goto(base + "/en/console/login/")
        agent.locator("input[name=username]").fill(AGENT)
        agent.locator("input[name=password]").fill(kefu_server.password)
        agent.locator(".login-submit").click()
        agent.wait_for_url("**/en/console/login/code/**")
        agent.locator("input[name=code]").fill(code(kefu_server.totp_key))
        agent.locator(".login-submit").click()
        agent.wait_for_url("**/en/console/")
        expect(agent.locator('[data-console="connection"]')).to_have_attribute("data-state", "open")
        agent.locator('[data-console="presence"] button[data-status="online"]').click()
        expect(agent.locator('[data-console="presence"]')).to_have_attribute(
            "data-current", "online"
        )
        pane = agent.locator(f'[data-console="chat"][data-conversation="{conversation}"]')
        accept = agent.locator(f'[data-console="accept"][data-conversation="{conversation}"]')
        try:  # going online with free slots gets the waiting chat at once
            pane.wait_for(timeout=8_000)
        except PlaywrightTimeoutError:  # else take it from the queue, unless routing just did
            with contextlib.suppress(PlaywrightTimeoutError):
                accept.click(timeout=3_000)
        expect(pane).to_have_attribute("data-state", "assigned")
        console = pane.locator('[data-console="messages"]')
        asked = console.locator('li[data-author="customer"]').filter(has_text=question)
        expect(asked).to_have_count(1)  # the agent sees what happened before
        expect(customer.locator('[data-kefu="state"]')).to_have_attribute("data-state", "assigned")
        expect(customer.locator('[data-kefu="state"]')).to_contain_text(AGENT_NAME)
        expect(queue).to_be_hidden()

        def agent_says(text: str) -> None:
            pane.locator('[data-console="input"]').fill(text)
            pane.locator('[data-console="send"]').click()
            expect(widget.locator('li[data-author="agent"]').filter(has_text=text)).to_have_count(1)

        def customer_reaches_agent(text: str) -> None:
            customer_says(text)
            said = console.locator('li[data-author="customer"]').filter(has_text=text)
            expect(said).to_have_count(1)

        # -- both ways
        agent_says("Hi Alice, this is Sam. Let me have a look at that for you.")
        customer_reaches_agent("Thank you Sam, take your time.")
        agent_says("Could you stay with me for a minute?")

        # -- the customer reloads the page mid-chat and loses nothing
        before = customer.evaluate(WIDGET_MESSAGES_JS)
        assert [author for _seq, author, _text in before].count("agent") == 2
        assert len({seq for seq, _author, _text in before}) == len(before)
        customer.reload()
        expect(customer.locator('[data-kefu="panel"]')).to_be_visible()  # it was open
        expect(customer.locator('[data-kefu="root"]')).to_have_attribute("data-connection", "open")
        expect(customer.locator('[data-kefu="state"]')).to_have_attribute("data-state", "assigned")
        expect(widget.locator("li[data-seq]")).to_have_count(len(before))
        assert customer.evaluate(WIDGET_MESSAGES_JS) == before

        customer_reaches_agent("Sure, I am still here after reloading the page.")
        agent_says("Great, I can see your message. All sorted now.")
        after = customer.evaluate(WIDGET_MESSAGES_JS)
        seqs = [seq for seq, _author, _text in after]
        assert after[: len(before)] == before
        assert seqs == sorted(set(seqs)), f"duplicates or disorder: {seqs}"
        assert widget.locator("li:not([data-seq])").count() == 0  # nothing left pending
        console_seqs = console.locator("li[data-seq]").evaluate_all(
            "(items) => items.map((li) => Number(li.dataset.seq))"
        )
        assert console_seqs == sorted(set(console_seqs)), f"console: {console_seqs}"
        assert set(seqs) <= set(console_seqs)

        # -- the agent ends the chat with a resolution; the customer rates it
        pane.locator('[data-console="resolution"]').select_option("solved")
        pane.locator('[data-console="end"]').click()
        expect(pane).to_have_attribute("data-state", "ended")
        expect(pane).to_have_attribute("data-resolution", "solved")
        expect(customer.locator('[data-kefu="state"]')).to_have_attribute("data-state", "ended")
        survey = customer.locator('[data-kefu="survey"]')
        expect(survey).to_be_visible()
        survey.locator('[data-score="5"]').click()
        expect(survey.locator('[data-score="5"]')).to_have_attribute("aria-pressed", "true")
        comment = "Sam sorted it out quickly, thanks!"
        survey.locator('[data-kefu="comment"]').fill(comment)
        survey.locator('[data-kefu="rate"]').click()
        expect(survey.locator(".kefu-survey__thanks")).to_be_visible()
    finally:
        customer_context.close()
        agent_context.close()
        expect.set_options(timeout=5_000)  # Playwright's default, for the tests after this one

    # -- what the server stored
    tickets, ratings = Ticket._meta.db_table, SatisfactionRating._meta.db_table
    rows = _query(
        kefu_server.database,
        f"SELECT t.chat_state, t.status, t.resolution, r.score, r.comment FROM {tickets} t "
        f"JOIN {ratings} r ON r.ticket_id = t.id WHERE t.public_id = ?",
        uuid.UUID(conversation).hex,
    )
    assert rows == [("ended", "solved", "solved", 5, comment)]
    # the widget showed exactly what was stored for the customer, reload or not
    messages = Message._meta.db_table
    stored = _query(
        kefu_server.database,
        f"SELECT m.seq, m.author, m.text FROM {messages} m JOIN {tickets} t ON m.ticket_id = t.id "
        "WHERE t.public_id = ? AND NOT m.internal ORDER BY m.seq",
        uuid.UUID(conversation).hex,
    )
    assert [list(row) for row in stored] == after
