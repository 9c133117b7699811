"""Public pages, language choice and the "was this helpful?" form."""

from __future__ import annotations

import re

import pytest

from kefu.helpcenter.models import Article, ArticleFeedback

pytestmark = pytest.mark.django_db


def test_root_redirects_by_accept_language(client):
    assert client.get("/", HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9").url == "/zh-hans/"
    assert client.get("/", HTTP_ACCEPT_LANGUAGE="en-US").url == "/en/"


def test_home_lists_categories_and_popular_articles(client):
    Article.objects.filter(slug="lost-2fa").update(view_count=10_000)
    page = client.get("/zh-hans/").content.decode()
    assert "充值与提现" in page
    popular = page.split('id="popular"', 1)[1]
    first_link = re.search(r'href="([^"]+)"', popular).group(1)
    assert first_link == "/zh-hans/articles/lost-2fa/"


def test_article_page_counts_views_and_shows_related(client):
    before = Article.objects.get(slug="deposit-not-credited").view_count
    page = client.get("/en/articles/deposit-not-credited/").content.decode()
    assert Article.objects.get(slug="deposit-not-credited").view_count == before + 1
    assert "Related articles" in page


def test_language_switch_keeps_the_page(client):
    response = client.post(
        "/i18n/setlang/", {"language": "zh-hans", "next": "/en/articles/lost-2fa/"}
    )
    assert response.url == "/zh-hans/articles/lost-2fa/"
    assert "简体中文" in client.get("/en/").content.decode()  # switcher on every page


def test_the_language_switch_names_each_language_in_itself(client):
    # A reader who cannot read this page must still recognise their own language.
    switch = client.get("/zh-hans/").content.decode().split('class="lang-switch"', 1)[1]
    assert ">English</button>" in switch and "英语" not in switch
    switch = client.get("/en/").content.decode().split('class="lang-switch"', 1)[1]
    assert "简体中文</button>" in switch


def test_search_page_highlights(client):
    page = client.get("/en/search/", {"q": "deposit not arrived"}).content.decode()
    assert "<mark>" in page
    assert "/en/articles/deposit-not-credited/" in page


def test_search_page_reports_bad_input(client):
    page = client.get("/en/search/", {"q": "x" * 600}).content.decode()
    assert "limited to 500 characters" in page


def test_feedback_form_vote_then_reason(client):
    url = "/en/articles/withdrawal-fees/"
    page = client.post(url, {"helpful": "no"}).content.decode()
    token = re.search(r'name="feedback_token" value="([^"]+)"', page).group(1)
    feedback = ArticleFeedback.objects.latest("id")
    assert (feedback.article.slug, feedback.helpful, feedback.language) == (
        "withdrawal-fees",
        False,
        "en",
    )
    client.post(url, {"feedback_token": token, "reason": "inaccurate", "comment": "Fee changed"})
    feedback.refresh_from_db()
    assert (feedback.reason, feedback.comment) == ("inaccurate", "Fee changed")


def test_forged_feedback_token_changes_nothing(client):
    client.post("/en/articles/withdrawal-fees/", {"helpful": "yes"})
    feedback = ArticleFeedback.objects.latest("id")
    page = client.post(
        "/en/articles/withdrawal-fees/",
        {"feedback_token": f"{feedback.pk}:forged", "reason": "other"},
    ).content.decode()
    feedback.refresh_from_db()
    assert feedback.reason == ""
    assert "did not work" in page
