"""The demo back office, seeded with the demo exchange's story, for every exchange test."""

from __future__ import annotations

import pytest

from kefu.exchange.demo import DemoBackOffice
from kefu.exchange.demo_data import load_demo_exchange


@pytest.fixture
def backoffice(db: None) -> DemoBackOffice:
    load_demo_exchange()
    return DemoBackOffice()
