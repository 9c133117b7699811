"""The whole public API under schemathesis: requests generated from ``/api/v1/openapi.json``,
sent through Django's WSGI handler, must never get a server error and must answer as the
schema says. Signed endpoints are fuzzed twice: as generated (signatures that do not match:
refused, never a 500) and with a valid signature put in, so the fuzzer gets past the check.

A bounded run (``max_examples`` per operation) so it stays part of the suite; deselect it
with ``-m "not fuzz"``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import django
import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.test import Client
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from kefu.accounts.demo_data import load_demo_accounts
from kefu.accounts.identity import sign_customer

pytestmark = pytest.mark.fuzz

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
FUZZ = settings(
    max_examples=12,
    deadline=None,
    derandomize=True,  # the same requests every run: a failure here is reproducible
    suppress_health_check=list(HealthCheck),
    database=None,
)


def openapi_document() -> dict[str, Any]:
    """What ``/api/v1/openapi.json`` serves (checked below), read without a request so the
    tests can be generated at collection time, before any database exists."""
    django.setup()
    from kefu.api import api

    return api.get_openapi_schema(path_prefix="/api/v1/")


schema = schemathesis.openapi.from_dict(openapi_document())
schema.app = get_wsgi_application()


@pytest.fixture
def fuzzed_desk(db: None, settings: Any) -> Iterator[None]:
    load_demo_accounts()
    settings.KEFU_RATE_LIMITS = None  # thousands of requests from one address on purpose
    # The WSGI handler closes "old" connections around each request, which inside the test's
    # transaction would close it for good; Django's own test client does the same as this.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def test_the_fuzzed_document_is_the_served_one(db: None) -> None:
    served = Client().get("/api/v1/openapi.json")
    assert served.status_code == 200
    assert served.json() == json.loads(json.dumps(openapi_document()))


def signed(body: Any, uid: str = "100001") -> Any:
    """The body with a valid signature for a demo customer, if the operation takes one."""
    if not isinstance(body, dict) or "customer_signature" not in body:
        return body
    expires = int(time.time()) + 600
    return {
        **body,
        "customer_id": uid,
        "customer_expires": expires,
        "customer_signature": sign_customer(uid, expires),
    }


@schema.parametrize()
@FUZZ
def test_api_answers_any_request_without_a_server_error(case: Any, fuzzed_desk: None) -> None:
    case.call_and_validate(checks=CHECKS)


@schema.parametrize()
@FUZZ
def test_signed_api_answers_any_request_without_a_server_error(
    case: Any, fuzzed_desk: None
) -> None:
    if not isinstance(case.body, dict) or "customer_signature" not in case.body:
        return  # nothing signed here: the first test covers it
    case.body = signed(case.body)
    case.call_and_validate(checks=CHECKS)
