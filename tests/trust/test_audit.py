"""The access audit: records on every look at a customer's data and every account action, and
the refusals of account actions outside the rules."""

from __future__ import annotations

import pytest

from kefu.accounts.demo_data import load_demo_accounts
from kefu.accounts.models import Agent, Customer, Team
from kefu.connectors.webchat import service
from kefu.errors import ApiError
from kefu.events.models import Event, ImmutableHistory
from kefu.exchange import demo_data as story
from kefu.exchange.backoffice import get_backoffice
from kefu.exchange.demo_data import load_demo_exchange
from kefu.tickets.models import Channel, ChatState, Ticket
from kefu.tickets.opening import open_ticket
from kefu.trust import account_actions
from kefu.trust.audit import record_access
from kefu.trust.records import AccessAction, AccessRecord
from tests.staff import sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk(db) -> None:  # type: ignore[no-untyped-def]
    load_demo_accounts()
    load_demo_exchange()


def staff(username: str) -> Agent:
    return Agent.objects.get(username=username)


def customer(uid: str) -> Customer:
    return Customer.objects.get(exchange_uid=uid)


def chat_of(uid: str, assignee: Agent | None = None, team: str = "security") -> Ticket:
    return Ticket.objects.create(
        customer=customer(uid),
        team=Team.objects.get(slug=team),
        channel=Channel.CHAT,
        chat_state=ChatState.ASSIGNED if assignee else ChatState.QUEUED,
        assignee=assignee,
    )


def only_record(**match: object) -> AccessRecord:
    return AccessRecord.objects.get(**match)


# -- customers freezing their own account ------------------------------------------------------


def test_an_identified_customer_freezes_their_own_account(desk):
    li_wei = customer(story.LI_WEI)
    result = account_actions.customer_freeze(li_wei, reason="hacked", ip="198.51.100.7")
    assert result.changed and get_backoffice().profile(story.LI_WEI).is_frozen
    record = only_record(action=AccessAction.FREEZE_ACCOUNT)
    assert (record.staff, record.customer, record.refused) == (None, li_wei, False)
    assert record.ip == "198.51.100.7"
    assert Event.objects.filter(kind="exchange.account_frozen", subject_id=story.LI_WEI).exists()


def test_an_anonymous_visitor_cannot_freeze(desk):
    with pytest.raises(ApiError) as refused:
        account_actions.customer_freeze(None, reason="hacked")
    assert refused.value.code == "not_identified"
    assert not get_backoffice().profile(story.LI_WEI).is_frozen


def test_a_customer_cannot_freeze_someone_else(desk):
    with pytest.raises(ApiError) as refused:
        account_actions.customer_freeze(
            customer(story.ALICE_MORGAN), reason="prank", uid=story.LI_WEI
        )
    assert refused.value.code == "not_your_account"
    assert not get_backoffice().profile(story.LI_WEI).is_frozen
    record = only_record(action=AccessAction.FREEZE_ACCOUNT)
    assert record.refused and record.customer_uid == story.LI_WEI


def test_the_assistant_freezes_through_the_rules_and_records_it(desk):
    from kefu.assistant.engine import respond
    from kefu.assistant.models import Conversation

    li_wei = customer(story.LI_WEI)
    offer = respond("有人盗了我的号，快帮我冻结账户", customer=li_wei)
    conversation = Conversation.objects.get(public_id=offer.conversation_id)
    respond("是", conversation=conversation, customer=li_wei)
    assert get_backoffice().profile(story.LI_WEI).is_frozen
    record = only_record(action=AccessAction.FREEZE_ACCOUNT)
    assert record.staff is None and record.customer == li_wei


# -- staff account actions ---------------------------------------------------------------------


def test_an_agent_freezes_only_from_their_own_ticket_of_that_customer(desk):
    wang = staff("agent.wang")
    with pytest.raises(ApiError) as refused:
        account_actions.staff_freeze(wang, story.LI_WEI, reason="takeover")
    assert refused.value.code == "not_working_on_customer"
    others = chat_of(story.ALICE_MORGAN, assignee=wang)
    with pytest.raises(ApiError):  # a ticket of theirs, but of another customer
        account_actions.staff_freeze(wang, story.LI_WEI, reason="takeover", ticket=others)
    unassigned = chat_of(story.LI_WEI)
    with pytest.raises(ApiError):
        account_actions.staff_freeze(wang, story.LI_WEI, reason="takeover", ticket=unassigned)
    assert not get_backoffice().profile(story.LI_WEI).is_frozen
    assert AccessRecord.objects.filter(refused=True, staff=wang).count() == 3

    mine = chat_of(story.LI_WEI, assignee=wang)
    account_actions.staff_freeze(wang, story.LI_WEI, reason="takeover", ticket=mine)
    assert get_backoffice().profile(story.LI_WEI).is_frozen
    record = only_record(refused=False, action=AccessAction.FREEZE_ACCOUNT)
    assert (record.staff, record.ticket_ref) == (wang, mine.number)


def test_content_editors_cannot_act_on_accounts(desk):
    editor = staff("editor")
    with pytest.raises(ApiError):
        account_actions.staff_freeze(editor, story.LI_WEI, reason="x")
    assert only_record(staff=editor).refused


def test_only_supervisors_and_admins_unfreeze(desk):
    wang = staff("agent.wang")
    mine = chat_of(story.FROZEN_UID, assignee=wang)
    with pytest.raises(ApiError) as refused:
        account_actions.staff_unfreeze(wang, story.FROZEN_UID, reason="checks passed", ticket=mine)
    assert refused.value.code == "supervisor_required"
    assert get_backoffice().profile(story.FROZEN_UID).is_frozen
    assert only_record(staff=wang, action=AccessAction.UNFREEZE_ACCOUNT).refused

    supervisor = staff("supervisor")  # supervises general and security
    with pytest.raises(ApiError) as refused:  # not from a ticket of that customer
        account_actions.staff_unfreeze(supervisor, story.FROZEN_UID, reason="checks passed")
    assert refused.value.code == "supervisor_required"
    elsewhere = chat_of(story.FROZEN_UID, assignee=wang, team="trading")
    with pytest.raises(ApiError) as refused:  # a ticket of a team they do not supervise
        account_actions.staff_unfreeze(
            supervisor, story.FROZEN_UID, reason="checks passed", ticket=elsewhere
        )
    assert refused.value.code == "not_working_on_customer"
    assert get_backoffice().profile(story.FROZEN_UID).is_frozen
    account_actions.staff_unfreeze(
        supervisor, story.FROZEN_UID, reason="checks passed", ticket=mine
    )
    assert not get_backoffice().profile(story.FROZEN_UID).is_frozen
    record = AccessRecord.objects.filter(
        staff=supervisor, action=AccessAction.UNFREEZE_ACCOUNT
    ).latest("id")
    assert not record.refused and record.staff_username == "supervisor"
    event = Event.objects.get(kind="exchange.account_unfrozen", subject_id=story.FROZEN_UID)
    assert event.actor == supervisor


def test_the_exchange_admin_actions_go_through_the_rules(client, desk):
    from kefu.exchange.models import DemoAccount

    admin = staff("admin")
    sign_in(client, admin)
    account = DemoAccount.objects.get(uid=story.FROZEN_UID)
    client.post(
        "/admin/exchange/demoaccount/", {"action": "unfreeze", "_selected_action": [account.pk]}
    )
    assert not get_backoffice().profile(story.FROZEN_UID).is_frozen
    record = only_record(action=AccessAction.UNFREEZE_ACCOUNT)
    assert record.staff == admin and record.ip == "127.0.0.1"


# -- profile lookups ---------------------------------------------------------------------------


def test_the_console_profile_is_looked_up_for_the_assigned_agent_and_recorded(desk):
    wang = staff("agent.wang")
    chat = chat_of(story.LI_WEI, assignee=wang)
    details = service.chat_details(chat, wang, ip="192.0.2.1")
    assert details["customer"]["id"] == story.LI_WEI
    assert "deposits" in details["customer"]  # the exchange's view
    record = only_record(action=AccessAction.VIEW_PROFILE_FROM_EXCHANGE)
    assert (record.staff, record.customer.exchange_uid, record.ticket_ref, record.ip) == (
        wang,
        story.LI_WEI,
        chat.number,
        "192.0.2.1",
    )


def test_an_agent_not_on_the_chat_gets_no_exchange_lookup(desk):
    wang, sam = staff("agent.wang"), staff("agent.sam")
    chat = chat_of(story.LI_WEI, assignee=wang)
    details = service.chat_details(chat, sam)
    assert details["customer"]["exchange_error"] == "not_working_on_customer"
    assert "deposits" not in details["customer"]
    assert only_record(staff=sam).refused
    with pytest.raises(ApiError):
        account_actions.authorise_profile_lookup(sam, chat)
    supervisor = staff("supervisor")
    assert "deposits" in service.chat_details(chat, supervisor)["customer"]


def test_the_ticket_page_records_who_saw_the_requester(client, desk):
    wang = staff("agent.wang")
    opened = open_ticket(
        channel=Channel.PORTAL,
        subject="Where is my deposit",
        text="USDT deposit missing",
        customer=customer(story.LI_WEI),
    )
    opened.ticket.assignee = wang
    opened.ticket.save(update_fields=["assignee"])
    sign_in(client, wang)
    assert client.get(f"/console/tickets/{opened.ticket.pk}/", follow=True).status_code == 200
    record = only_record(action=AccessAction.VIEW_CUSTOMER)
    assert (record.staff, record.customer_uid, record.ticket_ref) == (
        wang,
        story.LI_WEI,
        opened.ticket.number,
    )


# -- the records themselves --------------------------------------------------------------------


def test_access_records_are_append_only(desk):
    record = record_access(AccessAction.VIEW_CUSTOMER, customer(story.LI_WEI))
    record.detail = "changed"
    with pytest.raises(ImmutableHistory):
        record.save()
    with pytest.raises(ImmutableHistory):
        record.delete()
    with pytest.raises(ImmutableHistory):
        AccessRecord.objects.all().update(detail="x")
    with pytest.raises(ImmutableHistory):
        AccessRecord.objects.all().delete()


def test_supervisors_read_the_audit_and_agents_do_not(client, desk):
    wang = staff("agent.wang")
    record_access(AccessAction.VIEW_CUSTOMER, customer(story.LI_WEI), staff=wang)
    record_access(AccessAction.VIEW_CUSTOMER, customer(story.ALICE_MORGAN), staff=wang)
    sign_in(client, staff("supervisor"))
    page = client.get("/admin/trust/accessrecord/", {"customer_uid": story.LI_WEI})
    assert page.status_code == 200
    body = page.content.decode()
    assert story.LI_WEI in body and f">{story.ALICE_MORGAN}<" not in body
    by_staff = client.get("/admin/trust/accessrecord/", {"staff__id__exact": wang.pk})
    assert by_staff.status_code == 200 and story.ALICE_MORGAN in by_staff.content.decode()
    sign_in(client, wang)
    assert client.get("/admin/trust/accessrecord/").status_code == 403
