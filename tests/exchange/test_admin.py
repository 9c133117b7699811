"""The demo back office in the admin: lists render; freezing goes through the action."""

from __future__ import annotations

import pytest

from kefu.accounts.models import Agent, Role
from kefu.events.models import Event
from kefu.exchange import demo_data as story
from kefu.exchange.demo import DemoBackOffice
from kefu.exchange.models import DemoAccount

from ..staff import sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_user() -> Agent:
    return Agent.objects.create_user(username="admin.exchange", password="x" * 12, role=Role.ADMIN)


@pytest.mark.parametrize("model", ["demoaccount", "demodeposit", "demowithdrawal", "demoorder"])
def test_lists_render(backoffice: DemoBackOffice, client, admin_user, model: str):
    sign_in(client, admin_user)
    assert client.get(f"/admin/exchange/{model}/").status_code == 200


def test_freeze_action(backoffice: DemoBackOffice, client, admin_user):
    sign_in(client, admin_user)
    account = DemoAccount.objects.get(uid=story.LI_WEI)
    response = client.post(
        "/admin/exchange/demoaccount/",
        {"action": "freeze", "_selected_action": [account.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert backoffice.profile(story.LI_WEI).is_frozen
    event = Event.objects.get(kind="exchange.account_frozen", subject_id=story.LI_WEI)
    assert event.actor == admin_user
