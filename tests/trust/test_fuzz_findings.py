"""What the API fuzzer (test_api_fuzz.py) found, kept as plain tests so they run even when the
fuzzer is deselected: each of these was a 500."""

from __future__ import annotations

import time

import pytest
from django.test import Client

from kefu.accounts.demo_data import load_demo_accounts


@pytest.fixture
def desk(db: None) -> None:
    load_demo_accounts()


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/assistant/reply",
        "/api/v1/tickets/",
        "/api/v1/tickets/e3e70682-c209-1cac-a29f-6fbed82c07cd/read",
    ],
)
def test_a_non_ascii_signature_is_refused_not_a_crash(desk: None, path: str) -> None:
    body = {
        "customer_id": "100001",
        "customer_expires": int(time.time()) + 600,
        "customer_signature": "签名" * 10,
        "text": "hello",
    }
    response = Client().post(path, body, content_type="application/json")
    assert response.status_code == 403 and response.json()["code"] == "bad_signature"


def test_an_empty_customer_id_is_refused_not_a_crash(desk: None) -> None:
    body = {"customer_id": "", "customer_expires": 0, "customer_signature": "", "text": "hi"}
    response = Client().post("/api/v1/tickets/", body, content_type="application/json")
    assert response.status_code == 403 and response.json()["code"] == "bad_signature"


def test_every_operation_documents_its_error_shape(db: None) -> None:
    document = Client().get("/api/v1/openapi.json").json()
    assert document["components"]["schemas"]["Error"]["required"] == ["code", "message"]
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            assert "default" in operation["responses"], (method, path)
