"""The public JSON API: shapes, and errors as stable codes rather than stack traces."""

from __future__ import annotations

import pytest

from kefu.helpcenter.models import ArticleFeedback

pytestmark = pytest.mark.django_db


def test_search_returns_documented_shape(client):
    body = client.get(
        "/api/v1/help/search", {"q": "充值未到账", "lang": "zh-hans", "limit": 3}
    ).json()
    assert set(body) >= {"results", "took_ms"}
    assert 1 <= len(body["results"]) <= 3
    first = body["results"][0]
    assert set(first) >= {"id", "title", "url", "snippet", "score", "category"}
    assert first["url"].startswith("/zh-hans/articles/")
    scores = [r["score"] for r in body["results"]]
    assert scores == sorted(scores, reverse=True)


@pytest.mark.parametrize(
    ("params", "status", "code"),
    [
        ({"q": ""}, 400, "query_empty"),
        ({"q": "x" * 10_240}, 400, "query_too_long"),
        ({"q": "deposit", "lang": "klingon"}, 400, "unsupported_language"),
        ({"q": "deposit", "limit": -3}, 400, "invalid_limit"),
        ({"q": "deposit", "limit": "many"}, 422, "invalid_request"),
    ],
)
def test_search_errors(client, params, status, code):
    response = client.get("/api/v1/help/search", params)
    assert response.status_code == status
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["code"] == code
    assert body["message"]


def test_unknown_api_path_is_json_404(client):
    response = client.get("/api/v1/does-not-exist")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_openapi_document_lists_search(client):
    spec = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/help/search" in spec["paths"]


def test_suggest_completes_the_last_word(client):
    body = client.get("/api/v1/help/suggest", {"q": "anti-phish", "lang": "en"}).json()
    assert any("phishing" in s["title"].lower() for s in body["suggestions"])


def test_categories_and_article(client):
    categories = client.get("/api/v1/help/categories", {"lang": "zh-hans"}).json()
    deposits = next(c for c in categories if c["slug"] == "deposits")
    assert deposits["parent"] == "deposits-withdrawals"
    assert deposits["article_count"] >= 5
    article = client.get("/api/v1/help/articles/deposit-not-credited", {"lang": "zh-hans"}).json()
    assert article["language"] == "zh-hans"
    assert "<p>" in article["body_html"]
    assert "<script" not in article["body_html"]


def test_feedback_is_stored(client):
    response = client.post(
        "/api/v1/help/articles/deposit-not-credited/feedback",
        {"helpful": False, "lang": "en", "reason": "unclear", "comment": "Which network?"},
        content_type="application/json",
    )
    assert response.status_code == 201
    stored = ArticleFeedback.objects.get(pk=response.json()["id"])
    assert (stored.helpful, stored.reason, stored.comment) == (False, "unclear", "Which network?")


@pytest.mark.parametrize(
    ("payload", "status", "code"),
    [
        ({"helpful": True, "reason": "because"}, 400, "bad_reason"),
        ({"helpful": True, "comment": "x" * 2001}, 400, "comment_too_long"),
        ({"helpful": True, "lang": "xx"}, 400, "unsupported_language"),
        ({"reason": "unclear"}, 422, "invalid_request"),
    ],
)
def test_feedback_errors_write_nothing(client, payload, status, code):
    before = ArticleFeedback.objects.count()
    response = client.post(
        "/api/v1/help/articles/deposit-not-credited/feedback",
        payload,
        content_type="application/json",
    )
    assert (response.status_code, response.json()["code"]) == (status, code)
    assert ArticleFeedback.objects.count() == before


def test_feedback_on_missing_article_is_404(client):
    response = client.post(
        "/api/v1/help/articles/nope/feedback", {"helpful": True}, content_type="application/json"
    )
    assert (response.status_code, response.json()["code"]) == (404, "not_found")
