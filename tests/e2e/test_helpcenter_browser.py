"""A customer on a phone: search in Chinese, open an article, vote, switch to English."""

from __future__ import annotations

import pytest

from kefu.helpcenter.demo_data import load_demo_helpcenter
from kefu.helpcenter.models import Article, ArticleFeedback

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_search_read_vote_and_switch_language(live_server, page, tmp_path):
    if not Article.objects.exists():  # transactional tests before this one flush the database
        load_demo_helpcenter()

    page.goto(live_server.url + "/")
    assert page.url.endswith("/zh-hans/")  # the browser asks for Chinese
    assert page.locator("h1").inner_text() == "需要什么帮助？"

    search = page.locator(".hero input[name=q]")
    search.fill("我的USDT充值三个小时了还没到账")
    suggestion = page.locator(".hero .suggestions a").first
    suggestion.wait_for()  # search-as-you-type answered
    search.press("Enter")
    page.wait_for_url("**/zh-hans/search/**")
    first = page.locator(".result").first
    assert first.locator("mark").count() >= 1
    title = first.locator(".result-title").inner_text()
    first.locator(".result-title").click()

    page.wait_for_url("**/zh-hans/articles/**")
    slug = page.url.rstrip("/").rsplit("/", 1)[1]
    assert page.locator("article h1").inner_text() == title
    page.locator("button[name=helpful][value=yes]").click()
    page.locator(".feedback .thanks").wait_for()
    feedback = ArticleFeedback.objects.get(article__slug=slug)
    assert (feedback.helpful, feedback.language) == (True, "zh-hans")

    page.screenshot(path=str(tmp_path / "article-zh.png"), full_page=True)
    page.locator("button.lang-option[value=en]").click()
    page.wait_for_url(f"**/en/articles/{slug}/")
    english = Article.objects.get(slug=slug).translation("en")
    assert page.locator("article h1").inner_text() == english.title
