"""The console pages: who may do what, the open form's errors, and an incident opened from a
surge alert in one click (then the words checked, then confirmed)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from kefu.accounts.models import Agent
from kefu.insights.incidents.forms import initial
from kefu.insights.incidents.models import Incident, IncidentStatus, SurgeAlert, SurgeStatus
from kefu.insights.incidents.surges import scan, suggest_incident

from ..staff import sign_in
from .conftest import MONDAY, RESOLVED, TRC20_MESSAGES, TRC20_TITLES
from .test_surges import asked

pytestmark = pytest.mark.usefixtures("frozen")
BASE = "/en/console/incidents/"


def form(**fields: object) -> dict[str, object]:
    data: dict[str, object] = {
        "kind": "deposits_delayed",
        "status": "investigating",
        "banner": "1",
        "coins": ["USDT"],
        "networks": ["TRC20"],
        "categories": ["deposit"],
        "keywords": "TRC20, 波场",
    }
    for lang in ("en", "zh-hans"):
        data[f"title_{lang}"] = TRC20_TITLES[lang]
        data[f"message_{lang}"] = TRC20_MESSAGES[lang]
    data.update(fields)
    return data


def test_supervisors_open_update_and_resolve_from_the_pages(
    client: Client, supervisor: Agent
) -> None:
    sign_in(client, supervisor)
    assert client.get(BASE).status_code == 200
    assert client.get(f"{BASE}new/").status_code == 200
    response = client.post(f"{BASE}new/", form())
    incident = Incident.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/{incident.pk}/")
    assert incident.keywords == ["TRC20", "波场"] and incident.banner
    page = client.get(f"{BASE}{incident.pk}/").content.decode()
    assert "TRC20 充值延迟" in page and "Post an update" in page

    client.post(
        f"{BASE}{incident.pk}/update/",
        {"status": "monitoring", "message_en": "Catching up.", "message_zh-hans": "正在追赶。"},
    )
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.MONITORING
    client.post(f"{BASE}{incident.pk}/resolve/", {f"message_{k}": v for k, v in RESOLVED.items()})
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.RESOLVED


def test_the_form_shows_every_problem_and_keeps_what_was_typed(
    client: Client, supervisor: Agent
) -> None:
    sign_in(client, supervisor)
    response = client.post(
        f"{BASE}new/", form(**{"title_zh-hans": "", "starts_at": "next tuesday"})
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Required in 简体中文." in page and "Enter a date and time" in page
    assert TRC20_MESSAGES["zh-hans"] in page  # nothing typed is lost
    assert not Incident.objects.exists()


def test_an_incident_opens_from_a_surge_alert_in_one_click(
    client: Client, supervisor: Agent
) -> None:
    asked(9, intent="deposit", coins=["USDT"], networks=["TRC20"])
    scan(MONDAY)
    alert = SurgeAlert.objects.get()
    sign_in(client, supervisor)
    assert f"new/?surge={alert.pk}" in client.get(BASE).content.decode()

    page = client.get(f"{BASE}new/?surge={alert.pk}").content.decode()
    assert 'value="USDT" checked' in page and 'value="TRC20" checked' in page
    assert 'value="deposit" checked' in page and 'value="deposits_delayed" selected' in page
    assert "Deposits delayed: USDT, TRC20" in page

    values = initial(suggest_incident(alert))
    values["message_zh-hans"] = "TRC20 充值延迟，我们正在处理。"  # the supervisor edits a message
    values["surge"] = str(alert.pk)
    response = client.post(f"{BASE}new/", {k: v for k, v in values.items() if v not in ("", False)})
    assert response.status_code == 302
    incident = Incident.objects.get()
    alert.refresh_from_db()
    assert alert.status == SurgeStatus.INCIDENT and alert.incident == incident
    assert incident.networks == ["TRC20"] and incident.categories == ["deposit"]
    assert incident.updates.get().messages["zh-hans"] == "TRC20 充值延迟，我们正在处理。"


@pytest.mark.parametrize(
    "path",
    ["", "new/", "surges/"],
)
def test_signed_out_staff_are_sent_to_sign_in(client: Client, desk: None, path: str) -> None:
    response = client.get(f"{BASE}{path}")
    assert response.status_code == 302 and "/console/login/" in response["Location"]


def test_agents_see_incidents_but_only_supervisors_change_them(
    client: Client, wang: Agent, open_trc20: Callable[..., Incident]
) -> None:
    incident = open_trc20()
    sign_in(client, wang)
    assert client.get(BASE).status_code == 200
    assert client.get(f"{BASE}{incident.pk}/").status_code == 200
    assert client.get(f"{BASE}new/").status_code == 403
    assert client.get(f"{BASE}surges/").status_code == 403
    assert client.post(f"{BASE}new/", form()).status_code == 403
    for action in ("update", "resolve", "banner", "unlink"):
        assert client.post(f"{BASE}{incident.pk}/{action}/", {}).status_code == 403
    incident.refresh_from_db()
    assert incident.is_active and Incident.objects.count() == 1


def test_content_editors_see_nothing(
    client: Client, desk: None, open_trc20: Callable[..., Incident]
) -> None:
    incident = open_trc20()
    sign_in(client, Agent.objects.get(username="editor"))
    assert client.get(BASE).status_code == 403
    assert client.get(f"{BASE}{incident.pk}/").status_code == 403
    assert client.post(f"{BASE}{incident.pk}/link/", {"ticket": "1"}).status_code == 403


def test_only_supervisors_consoles_carry_the_way_to_open_an_incident_from_an_alert(
    client: Client, supervisor: Agent, wang: Agent
) -> None:
    """console.js shows a pushed surge alert with an "Open an incident" link built from
    ``data-incidents-url``; an agent's console has no such link (agents may not open one)."""
    sign_in(client, supervisor)
    for page in ("/en/console/", "/en/console/supervisor/"):
        html = client.get(page).content.decode()
        assert f'data-incidents-url="{BASE}"' in html
    client.logout()
    sign_in(client, wang)
    assert "data-incidents-url" not in client.get("/en/console/").content.decode()
