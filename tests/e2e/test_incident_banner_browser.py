"""The chat widget shows ongoing incidents above the chat, in its language, under the strict
Content-Security-Policy (headless Chromium; the chat itself needs no socket for this)."""

from __future__ import annotations

import pytest

from kefu.accounts.models import Agent
from kefu.insights.incidents.actions import open_incident

from ..incidents.conftest import desk, trc20_draft  # noqa: F401  (fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_widget_shows_the_banner_above_the_chat(live_server, page, desk) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    open_incident(trc20_draft(), by=Agent.objects.get(username="supervisor"))
    page.goto(live_server.url + "/zh-hans/demo/exchange/?as=anonymous")
    page.locator('[data-kefu="launcher"]').click()
    banner = page.locator('[data-kefu="incidents"]')
    banner.wait_for(state="visible")
    assert "TRC20 充值延迟" in banner.inner_text()
    assert "自动入账" in banner.inner_text()
    above_the_chat = '[data-kefu="panel"] > [data-kefu="incidents"] + [data-kefu="error"]'
    assert page.locator(above_the_chat).count() == 1
