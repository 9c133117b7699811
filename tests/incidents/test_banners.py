"""Banners: the help center's pages and the widget's public API, in both languages, while an
incident is open (and announced maintenance ahead of its window), gone once resolved."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from django.test import Client

from kefu import clock
from kefu.accounts.models import Agent
from kefu.insights.incidents.actions import open_incident, resolve, set_banner
from kefu.insights.incidents.models import Incident, IncidentKind, IncidentStatus

from .conftest import RESOLVED, trc20_draft

pytestmark = pytest.mark.usefixtures("frozen")


def active(client: Client, lang: str) -> list[dict]:
    response = client.get(f"/api/v1/incidents/active?lang={lang}")
    assert response.status_code == 200
    return response.json()["incidents"]


def test_help_center_and_api_show_the_banner_in_each_language_until_resolved(
    open_trc20: Callable[..., Incident], supervisor: Agent, client: Client
) -> None:
    assert active(client, "en") == []
    assert 'data-incidents="banner"' not in client.get("/en/").content.decode()

    incident = open_trc20()
    english = client.get("/en/").content.decode()
    chinese = client.get("/zh-hans/").content.decode()
    assert "TRC20 deposits delayed" in english and "credited automatically" in english
    assert "TRC20 充值延迟" in chinese and "自动入账" in chinese
    assert "TRC20 充值延迟" not in english
    assert f'data-incident="{incident.pk}"' in client.get("/en/search/?q=deposit").content.decode()

    response = client.get("/api/v1/incidents/active?lang=zh-hans")
    assert "max-age" in response["Cache-Control"] and response["Access-Control-Allow-Origin"] == "*"
    [banner] = response.json()["incidents"]
    assert banner["title"] == "TRC20 充值延迟" and banner["status"] == IncidentStatus.INVESTIGATING
    assert banner["message"].startswith("TRC20 网络充值延迟")
    assert active(client, "en")[0]["title"] == "TRC20 deposits delayed"

    resolve(incident, messages=RESOLVED, by=supervisor)
    assert active(client, "en") == [] and active(client, "zh-hans") == []
    assert "TRC20" not in client.get("/en/").content.decode()


def test_the_banner_can_be_taken_down_while_the_incident_stays_open(
    open_trc20: Callable[..., Incident], supervisor: Agent, client: Client
) -> None:
    incident = open_trc20()
    set_banner(incident, False, by=supervisor)
    assert active(client, "en") == []
    assert "TRC20 deposits delayed" not in client.get("/en/").content.decode()
    assert incident.is_active


def test_scheduled_maintenance_is_announced_ahead_with_its_window(
    supervisor: Agent, client: Client, frozen: datetime
) -> None:
    starts = frozen + timedelta(days=2, hours=-8)  # Wednesday 02:00 UTC
    open_incident(
        trc20_draft(
            kind=IncidentKind.MAINTENANCE,
            titles={"en": "System upgrade", "zh-hans": "系统升级"},
            messages={"en": "Trading pauses for two hours.", "zh-hans": "交易将暂停两小时。"},
            coins=[],
            networks=[],
            categories=[],
            status=IncidentStatus.IDENTIFIED,
            starts_at=starts,
            ends_at=starts + timedelta(hours=2),
        ),
        by=supervisor,
    )
    [banner] = active(client, "en")
    assert banner["status"] == "scheduled" and banner["status_label"] == "Scheduled"
    assert banner["window"] == "2026-11-25 02:00 – 04:00 UTC"
    page = client.get("/zh-hans/").content.decode()
    assert "系统升级" in page and "2026-11-25 02:00 – 04:00 UTC" in page

    with clock.frozen(starts + timedelta(minutes=5)):
        assert active(client, "en")[0]["status"] == IncidentStatus.IDENTIFIED


def test_the_api_refuses_an_unknown_language(client: Client, db: None) -> None:
    response = client.get("/api/v1/incidents/active?lang=fr")
    assert response.status_code == 400 and response.json()["code"] == "unsupported_language"
