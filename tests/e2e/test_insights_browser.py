"""The supervisor dashboard in Chromium: a supervisor signs in with both steps, opens the
dashboard, and sees the charts drawn (SVG bars and lines with a real size on screen, not just
markup) and the queue wall filling in and then changing while the page stays open."""

from __future__ import annotations

import secrets
from datetime import timedelta

import pytest
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from kefu.accounts.models import Agent, Customer
from kefu.routing.demo_data import load_demo_routing
from kefu.routing.models import Queue, QueueEntry
from kefu.tickets.models import ChatState, Ticket
from kefu.tickets.sla.policy import ensure_default_policies

from ..insights.metrics.conftest import Story, minutes
from ..staff import code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
WAIT_MS = 15_000


def history() -> None:
    """Two days of General tickets: answered email, a chat the assistant handed over."""
    story = Story()
    sam = Agent.objects.get(username="agent.sam")
    for days_ago, frt in ((2, 12), (1, 30)):
        opened = timezone.now().replace(hour=10, minute=0, second=0, microsecond=0)
        opened -= timedelta(days=days_ago)
        email = story.ticket(opened, category="other", agent=sam)
        story.reply(email, opened + minutes(frt), agent=sam)
        story.solve(email, opened + minutes(90))
        story.rate(email, opened + minutes(120), 4, "quick")
        chat = story.chat(opened + minutes(5))
        story.hand_over(chat, opened + minutes(6), "asked_for_human")
        story.queue(chat, opened + minutes(6))
        story.assign(chat, opened + minutes(7), agent=sam)
        story.say(chat, "agent", opened + minutes(8), agent=sam)
        story.end_chat(chat, opened + minutes(20))


def wait_in(queue: str, customer: Customer) -> None:
    ticket = Ticket.objects.create(
        customer=customer, channel="chat", language="en", chat_state=ChatState.QUEUED
    )
    QueueEntry.objects.create(ticket=ticket, queue=Queue.objects.get(slug=queue))


def test_supervisor_sees_charts_and_a_live_queue_wall(live_server, browser, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    from kefu.accounts.demo_data import load_demo_accounts

    expect.set_options(timeout=WAIT_MS)
    screenshot = tmp_path / "dashboard.png"  # kept by pytest for a look when in doubt
    load_demo_accounts()
    ensure_default_policies()
    load_demo_routing()
    history()
    supervisor = Agent.objects.get(username="supervisor")
    password = secrets.token_urlsafe(12)
    supervisor.set_password(password)
    supervisor.save()
    key = secrets.token_hex(20)
    TOTPDevice.objects.create(user=supervisor, key=key, confirmed=True)
    customer = Customer.objects.get(exchange_uid="100003")
    wait_in("general-en", customer)

    context = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    try:
        page.goto(f"{live_server.url}/en/console/login/")
        page.fill("input[name=username]", "supervisor")
        page.fill("input[name=password]", password)
        page.locator(".login-submit").click()
        page.wait_for_url("**/console/login/code/**")
        page.fill("input[name=code]", code(key))
        page.locator(".login-submit").click()
        page.wait_for_url("**/en/console/")
        page.goto(f"{live_server.url}/en/console/tickets/")
        page.locator(".desk-nav a", has_text="Dashboard").click()
        page.wait_for_url("**/en/console/insights/")

        # -- the charts are drawn: shapes with a size on screen
        contacts = page.locator('[data-chart-key="contacts"] svg')
        expect(contacts).to_be_visible()
        expect(contacts).to_have_attribute("data-empty", "false")
        bars = contacts.locator("rect.chart-bar")
        assert bars.count() == 4  # two days, an email and a chat each
        for i in range(bars.count()):
            box = bars.nth(i).bounding_box()
            assert box is not None and box["width"] > 2 and box["height"] > 2
        frt = page.locator('[data-chart-key="first_response"] svg path.chart-line')
        assert frt.count() == 2  # median and 90th percentile
        expect(frt.first).to_be_visible()
        box = frt.first.bounding_box()
        assert box is not None and box["width"] > 40  # a line from one day to the next
        chart_box = page.locator('[data-chart-key="first_response"] svg').bounding_box()
        assert chart_box is not None and chart_box["width"] > 300 and chart_box["height"] > 120
        # Satisfaction was 100 % both days: a flat line (no height of its own), with its points.
        points = page.locator('[data-chart-key="csat"] svg circle.chart-point')
        assert points.count() >= 2
        expect(points.first).to_be_visible()
        # The SVG's own accessible name, as assistive technology gets it.
        expect(page.get_by_role("img", name="Contacts by channel")).to_be_visible()
        page.screenshot(path=str(screenshot), full_page=True)
        # -- the queue wall fills in from its JSON, then follows the queue
        wall = page.locator('[data-insights="queue-wall"]')
        expect(wall).to_have_attribute("data-state", "live")
        general = wall.locator('tr[data-queue="general-en"] [data-insights="waiting"]')
        expect(general).to_have_text("1")
        expect(wall.locator('[data-total="waiting"]')).to_have_text("1")
        wait_in("general-en", Customer.objects.get(exchange_uid="100004"))
        expect(general).to_have_text("2")
        expect(wall.locator('[data-total="waiting"]')).to_have_text("2")
        assert int(wall.get_attribute("data-refreshes") or 0) >= 2
        # Only the supervisor's teams: General and Security, not Trading.
        assert wall.locator('tr[data-queue="trading-en"]').count() == 0
        assert wall.locator('tr[data-queue="security-en"]').count() == 1
    finally:
        context.close()
