"""A deposit ticket end to end, in two browsers: the customer opens it in the portal with a
screenshot, an agent answers and solves it on the desk, the customer's open page shows the
answer and the new timeline step by itself, and the customer rates the resolution."""

from __future__ import annotations

import base64
import time

import pytest

from kefu.accounts.demo_data import load_demo_accounts
from kefu.accounts.identity import sign_customer
from kefu.accounts.models import Agent
from kefu.tickets.models import SatisfactionRating, Status, Ticket
from kefu.tickets.sla.policy import ensure_default_policies

from ..staff import code
from ..tickets.conftest import TX, png_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_deposit_ticket_from_portal_to_rating(live_server, browser, tmp_path):
    load_demo_accounts()
    ensure_default_policies()
    agent = Agent.objects.get(username="agent.wang")
    agent.set_password("desk-password-1")
    agent.save()
    screenshot = tmp_path / "deposit.png"
    screenshot.write_bytes(png_bytes(120, 80))

    customer_ctx = browser.new_context(locale="zh-CN")
    customer = customer_ctx.new_page()
    customer.set_default_timeout(15_000)
    expires = int(time.time()) + 600
    customer.goto(
        f"{live_server.url}/zh-hans/portal/sign-in/?uid=100001&expires={expires}"
        f"&signature={sign_customer('100001', expires)}"
    )
    customer.locator("a[href$='/portal/tickets/new/']").click()
    customer.locator("a[href$='/new/deposit/']").click()
    customer.fill("input[name=field_coin]", "USDT")
    customer.fill("input[name=field_network]", "TRC20")
    customer.fill("input[name=field_tx_hash]", "not-a-hash")
    customer.fill("input[name=field_amount]", "250")
    customer.fill("input[name=subject]", "USDT 充值未到账")
    customer.fill("textarea[name=text]", "两个小时前充值的 250 USDT 还没有到账")
    customer.set_input_files("input[name=attachment]", str(screenshot))
    customer.locator("form.portal-form button[type=submit]").click()
    assert customer.locator("p.error[data-field=field_tx_hash]").is_visible()
    assert not Ticket.objects.exists()

    customer.fill("input[name=field_tx_hash]", TX)
    customer.set_input_files("input[name=attachment]", str(screenshot))
    customer.locator("form.portal-form button[type=submit]").click()
    customer.wait_for_url("**/portal/tickets/*-*/")
    assert customer.locator(".timeline li[data-key=received]").is_visible()
    ticket = Ticket.objects.get()
    assert ticket.fields["tx_hash"] == TX and ticket.attachments.count() == 1

    agent_ctx = browser.new_context(locale="en-US")
    desk = agent_ctx.new_page()
    desk.set_default_timeout(15_000)
    desk.goto(f"{live_server.url}/en/console/login/")
    desk.fill("input[name=username]", "agent.wang")
    desk.fill("input[name=password]", "desk-password-1")
    desk.locator(".login-submit").click()
    # First sign-in: set up the authenticator from the key the page shows, as an app would.
    desk.wait_for_url("**/console/login/setup/**")
    assert desk.locator("img[data-console=totp-qr]").is_visible()
    secret = desk.locator("[data-console=totp-secret]").inner_text().replace(" ", "")
    desk.fill("input[name=code]", code(base64.b32decode(secret)))
    desk.locator(".login-submit").click()
    desk.wait_for_url("**/console/**")
    desk.goto(f"{live_server.url}/en/console/tickets/")
    desk.locator(f"tr[data-ticket={ticket.number}] a").click()
    assert desk.locator(".msg a", has_text="deposit.png").is_visible()
    desk.fill("#reply-text", "We found your deposit; it is credited now.")
    desk.select_option("select[name=status_after]", "solved")
    desk.locator("button[name=action][value=reply]").click()
    desk.locator("[data-status=solved]").wait_for()

    # The customer's page was left open: it notices the change and shows it.
    customer.locator(".msg-agent", has_text="credited now").wait_for()
    assert customer.locator(".timeline li[data-key=resolved]").is_visible()
    customer.locator("label[for=id_score_4]").click()
    customer.fill("textarea[name=comment]", "很快，谢谢")
    customer.locator("button[name=rate]").click()
    customer.locator("[data-rating='5']").wait_for()

    rating = SatisfactionRating.objects.get(ticket=ticket)
    assert (rating.score, rating.comment) == (5, "很快，谢谢")
    ticket.refresh_from_db()
    assert ticket.status == Status.SOLVED and ticket.first_response_at is not None
    customer_ctx.close()
    agent_ctx.close()
