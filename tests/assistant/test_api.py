"""The reply API: shape, identity and bad input."""

from __future__ import annotations

import uuid

import pytest
from django.test import override_settings

from .conftest import signed

pytestmark = pytest.mark.django_db


def test_an_answer_has_the_documented_shape(api):
    status, body = api({"text": "How do I set up 2FA?", "lang": "en"})
    assert status == 200
    assert body["kind"] == "answer"
    assert body["article_ids"] and 0 <= body["confidence"] <= 1
    assert "/en/" in body["reply"]
    status, again = api({"conversation_id": body["conversation_id"], "text": "转人工"})
    assert (status, again["kind"]) == (200, "handoff")
    assert again["handoff"]["reason"] == "customer_request"


def test_entities_come_back_validated(api):
    status, body = api({"text": "USDT on TRC20 to TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t"})
    assert status == 200
    kinds = {(e["kind"], e["value"]) for e in body["entities"]}
    assert ("network", "TRC20") in kinds
    assert ("address", "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t") in kinds


@pytest.mark.parametrize(
    ("payload", "status", "code"),
    [
        ({"text": "   "}, 400, "text_empty"),
        ({"text": "x" * 10_240}, 400, "text_too_long"),
        ({"text": 123}, 422, "invalid_request"),
        ({}, 422, "invalid_request"),
        ({"text": "hi", "lang": "fr"}, 422, "invalid_request"),
        ({"text": "hi", "conversation_id": str(uuid.uuid4())}, 404, "conversation_not_found"),
        ({"text": "hi", "customer_id": "100001", "customer_signature": "00"}, 403, "bad_signature"),
        ({"text": "hi", "customer_id": "100001"}, 403, "bad_signature"),
    ],
)
def test_bad_input_gets_a_stable_code(api, payload, status, code):
    got_status, body = api(payload)
    assert (got_status, body["code"]) == (status, code)


def test_a_conversation_cannot_be_continued_as_someone_else(api, exchange):
    _, mine = api({"text": "what is my withdrawal limit?", **signed("100001")})
    status, body = api(
        {"conversation_id": mine["conversation_id"], "text": "and now?", **signed("100002")}
    )
    assert (status, body["code"]) == (404, "conversation_not_found")
    status, body = api({"conversation_id": mine["conversation_id"], "text": "and now?"})
    assert status == 404


@override_settings(KEFU_WIDGET_SECRET="another-secret")
def test_signatures_depend_on_the_shared_secret(api):
    payload = {"text": "hi", "customer_id": "100001", "customer_signature": "ab" * 32}
    assert api(payload)[1]["code"] == "bad_signature"
