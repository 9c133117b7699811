"""A ticket's life: opening with validated fields, priority rules, duplicates, merging,
statuses, reopening, escalation, the public timeline and the immutable record."""

from __future__ import annotations

import pytest

from kefu import clock
from kefu.accounts.models import Agent, Customer
from kefu.errors import ApiError
from kefu.events.models import Event, ImmutableHistory
from kefu.tickets import workflow
from kefu.tickets.models import Channel, Kind, Priority, Status, Ticket
from kefu.tickets.opening import NewFile, open_ticket
from kefu.tickets.timeline import conversation, export, public_timeline

from .conftest import TX, png_bytes

pytestmark = pytest.mark.usefixtures("frozen_clock")


def deposit(customer: Customer, **overrides: object) -> Ticket:
    values: dict = {
        "channel": Channel.PORTAL,
        "subject": "USDT deposit missing",
        "text": "I sent 250 USDT two hours ago and it has not arrived.",
        "customer": customer,
        "category": "deposit",
        "fields": {"coin": "usdt", "network": "trc20", "tx_hash": TX, "amount": "250.50"},
    }
    values.update(overrides)
    return open_ticket(**values).ticket  # type: ignore[arg-type]


def test_category_fields_are_validated_all_at_once(li_wei: Customer) -> None:
    with pytest.raises(ApiError) as caught:
        deposit(li_wei, fields={"coin": "NOPE", "tx_hash": "12345", "amount": "-3", "extra": 1})
    assert caught.value.code == "invalid_fields"
    assert set(caught.value.details) == {"coin", "network", "tx_hash", "amount", "extra"}
    assert not Ticket.objects.exists()


def test_fields_are_normalised_and_the_team_follows_the_category(li_wei: Customer) -> None:
    ticket = deposit(li_wei)
    assert ticket.fields == {"coin": "USDT", "network": "TRC20", "tx_hash": TX, "amount": "250.5"}
    assert ticket.team is not None and ticket.team.slug == "deposits-withdrawals"
    assert ticket.status == Status.NEW and ticket.messages.count() == 1


def test_high_priority_is_granted_by_rules_not_by_asking(li_wei: Customer) -> None:
    asked = deposit(li_wei, requested_priority=Priority.URGENT)
    assert asked.priority == Priority.NORMAL and asked.requested_priority == Priority.URGENT
    security = open_ticket(
        channel=Channel.PORTAL,
        subject="Someone logged in",
        text="A login from another country I do not recognise",
        customer=li_wei,
        category="account_security",
    ).ticket
    assert security.priority == Priority.URGENT
    vip = Customer.objects.get(exchange_uid="100002")  # VIP tier 3
    granted = deposit(vip, requested_priority=Priority.HIGH, fields=None, category="kyc")
    assert granted.priority == Priority.HIGH


def test_repeated_priority_abuse_is_flagged(li_wei: Customer) -> None:
    tickets = [
        open_ticket(
            channel=Channel.PORTAL,
            subject=f"question {n}",
            text=f"different question number {n} about fees {'x' * n}",
            customer=li_wei,
            category=("kyc", "api", "other")[n],
            requested_priority=Priority.URGENT,
        ).ticket
        for n in range(3)
    ]
    assert [t.priority for t in tickets] == [Priority.NORMAL] * 3
    assert "priority-abuse" not in tickets[1].tags
    assert "priority-abuse" in tickets[2].tags


def test_same_tx_hash_is_a_duplicate_and_the_customer_is_told(li_wei: Customer) -> None:
    first = deposit(li_wei)
    opened = open_ticket(
        channel=Channel.EMAIL,
        subject="still waiting",
        text=f"Where is my money? tx {TX}",
        customer=li_wei,
        category="other",
    )
    assert opened.duplicate_of == first
    notice = opened.ticket.messages.get(kind="duplicate_notice")
    assert first.number in notice.text


def test_similar_words_in_the_same_category_are_a_duplicate(li_wei: Customer) -> None:
    first = open_ticket(
        channel=Channel.PORTAL,
        subject="KYC verification stuck",
        text="My identity verification has been pending for three days",
        customer=li_wei,
        category="kyc",
    ).ticket
    again = open_ticket(
        channel=Channel.PORTAL,
        subject="verification stuck",
        text="identity verification pending for three days now",
        customer=li_wei,
        category="kyc",
    )
    other = open_ticket(
        channel=Channel.PORTAL,
        subject="API key",
        text="How do I create an API key with trading permission?",
        customer=li_wei,
        category="api",
    )
    assert again.duplicate_of == first
    assert other.duplicate_of is None


def test_merge_keeps_both_histories_and_later_replies_land_on_the_target(
    li_wei: Customer, wang: Agent
) -> None:
    target = deposit(li_wei)
    source = open_ticket(
        channel=Channel.EMAIL,
        subject="deposit",
        text="second message about it",
        customer=li_wei,
        category="other",
        cc=["friend@example.com"],
    ).ticket
    workflow.merge(source, target, by=wang)
    source.refresh_from_db()
    target.refresh_from_db()
    assert source.status == Status.CLOSED and source.merged_into == target
    assert "friend@example.com" in target.cc
    texts = [m.text for m in conversation(target, internal=True)]
    assert "second message about it" in texts and target.messages.count() == 1
    message = workflow.customer_reply(source, text="any news?", channel=Channel.EMAIL)
    assert message.ticket == target
    with pytest.raises(ApiError) as caught:
        workflow.merge(target, source, by=wang)
    assert caught.value.code == "already_merged"


def test_pending_reopen_window_and_follow_up(li_wei: Customer, wang: Agent) -> None:
    ticket = deposit(li_wei)
    workflow.agent_reply(ticket, agent=wang, text="Please send a screenshot.")
    ticket.refresh_from_db()
    assert ticket.status == Status.PENDING and ticket.first_response_at is not None
    workflow.customer_reply(
        ticket, text="here", channel=Channel.PORTAL, files=[NewFile("s.png", png_bytes())]
    )
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN and ticket.attachments.count() == 1
    workflow.agent_reply(ticket, agent=wang, text="Credited.", status=Status.SOLVED)
    clock.advance(days=2)
    workflow.customer_reply(ticket, text="It is back again", channel=Channel.PORTAL)
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN and ticket.reopened_count == 1
    workflow.change_status(ticket, Status.SOLVED, by=wang)
    clock.advance(days=8)
    late = workflow.customer_reply(ticket, text="one more thing", channel=Channel.PORTAL)
    assert late.ticket != ticket and late.ticket.subject.startswith("Follow-up")
    workflow.change_status(ticket, Status.CLOSED, by=wang)
    with pytest.raises(ApiError) as caught:
        workflow.change_status(ticket, Status.OPEN, by=wang)
    assert caught.value.code == "invalid_status"


def test_escalation_opens_after_a_day_and_at_once_for_complaints(li_wei: Customer) -> None:
    ticket = deposit(li_wei)
    with pytest.raises(ApiError) as caught:
        workflow.request_escalation(ticket)
    assert caught.value.code == "escalation_not_yet"
    clock.advance(hours=25)
    escalated = workflow.request_escalation(ticket)
    assert escalated.escalation_level == 1 and escalated.priority == Priority.HIGH
    with pytest.raises(ApiError):
        workflow.request_escalation(escalated)
    complaint = open_ticket(
        channel=Channel.PORTAL,
        subject="Rude agent",
        text="I want to complain about how my case was handled",
        customer=li_wei,
        category="complaint",
    ).ticket
    assert complaint.kind == Kind.COMPLAINT and complaint.team.slug == "complaints"
    assert workflow.request_escalation(complaint).escalation_level == 1


def test_public_timeline_hides_internal_work(li_wei: Customer, wang: Agent) -> None:
    ticket = deposit(li_wei)
    workflow.add_note(ticket, agent=wang, text="customer seems to have used the wrong memo")
    workflow.agent_reply(ticket, agent=wang, text="Could you confirm the memo?")
    keys = [step.key for step in public_timeline(ticket)]
    assert keys == ["received", "waiting_on_you"]
    public = [m.text for m in conversation(ticket, internal=False)]
    assert "customer seems to have used the wrong memo" not in public
    record = export(ticket)
    assert any(m["internal"] for m in record["messages"])
    assert {"ticket.opened", "ticket.note_added", "ticket.replied"} <= {
        e["kind"] for e in record["events"]
    }


def test_history_cannot_be_rewritten(li_wei: Customer) -> None:
    ticket = deposit(li_wei)
    event = Event.objects.filter(subject_id=str(ticket.pk)).first()
    assert event is not None
    event.data = {"forged": True}
    with pytest.raises(ImmutableHistory):
        event.save()
    with pytest.raises(ImmutableHistory):
        Event.objects.filter(pk=event.pk).update(kind="x")
    with pytest.raises(ImmutableHistory):
        event.delete()


@pytest.mark.parametrize(
    ("name", "data", "code"),
    [
        ("photo.png", b"MZ\x90\x00" + b"\x00" * 200, "attachment_type"),
        ("big.png", b"\x89PNG" + b"\x00" * (5 * 1024 * 1024), "attachment_too_large"),
    ],
)
def test_refused_attachments_leave_nothing_behind(
    li_wei: Customer, name: str, data: bytes, code: str
) -> None:
    with pytest.raises(ApiError) as caught:
        deposit(li_wei, files=[NewFile("ok.pdf", b"%PDF-1.4 ok"), NewFile(name, data)])
    assert caught.value.code == code
    assert not Ticket.objects.exists()


def test_retried_portal_submission_opens_one_ticket(li_wei: Customer) -> None:
    first = open_ticket(
        channel=Channel.PORTAL, subject="s", text="t", customer=li_wei, client_id="form-1"
    )
    again = open_ticket(
        channel=Channel.PORTAL, subject="s", text="t", customer=li_wei, client_id="form-1"
    )
    assert again.ticket == first.ticket and not again.created
    assert Ticket.objects.count() == 1


def test_a_closed_ticket_takes_no_agent_reply(li_wei: Customer, wang: Agent) -> None:
    ticket = deposit(li_wei)
    workflow.change_status(ticket, Status.CLOSED, by=wang)
    with pytest.raises(ApiError) as caught:
        workflow.agent_reply(ticket, agent=wang, text="hello")
    assert caught.value.code == "ticket_closed"
