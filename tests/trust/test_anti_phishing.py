"""The anti-phishing code: its rules, the portal page that sets it, the portal header and the
top of every mail sent to the customer (through a real SMTP server)."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from django.test import Client, override_settings

from kefu.accounts.identity import sign_customer
from kefu.accounts.models import Agent, Customer, Role
from kefu.errors import ApiError
from kefu.events.models import Event
from kefu.helpcenter.models import Article
from kefu.tickets.models import Channel
from kefu.tickets.opening import open_ticket
from kefu.tickets.workflow import agent_reply
from kefu.trust.anti_phishing import clean_code, set_code
from tests.email.servers import SmtpSink, smtp_sink

PAGE = "/en/portal/anti-phishing/"


def signed_in(client: Client, uid: str) -> Customer:
    expires = int(time.time()) + 600
    answer = client.get(
        "/en/portal/sign-in/",
        {"uid": uid, "expires": expires, "signature": sign_customer(uid, expires)},
    )
    assert answer.status_code == 302
    return Customer.objects.get(exchange_uid=uid)


@pytest.mark.parametrize("code", ["BlueFox7", "1234", "a" * 20, "灯塔小狐狸", " Spaced7 "])
def test_good_codes(db: None, code: str) -> None:
    customer = Customer.objects.create(exchange_uid="100001")
    assert clean_code(customer, code) == code.strip()


@pytest.mark.parametrize(
    ("code", "error"),
    [
        ("abc", "anti_phishing_code_invalid"),
        ("a" * 21, "anti_phishing_code_invalid"),
        ("two words", "anti_phishing_code_invalid"),
        ("fox-7!", "anti_phishing_code_invalid"),
        ("", "anti_phishing_code_invalid"),
        ("U100001", "anti_phishing_code_is_uid"),
        ("u100001", "anti_phishing_code_is_uid"),
    ],
)
def test_bad_codes(db: None, code: str, error: str) -> None:
    customer = Customer.objects.create(exchange_uid="u100001")
    with pytest.raises(ApiError) as caught:
        clean_code(customer, code)
    assert caught.value.code == error


def test_setting_a_code_is_recorded_without_the_code(db: None) -> None:
    customer = Customer.objects.create(exchange_uid="100001")
    set_code(customer, "BlueFox7")
    set_code(customer, "GreenOwl8")
    customer.refresh_from_db()
    assert customer.anti_phishing_code == "GreenOwl8"
    events = list(
        Event.objects.filter(subject_type="accounts.customer", subject_id=str(customer.pk))
        .filter(kind__startswith="customer.anti_phishing")
        .order_by("id")
    )
    assert [e.kind for e in events] == [
        "customer.anti_phishing_code_set",
        "customer.anti_phishing_code_changed",
    ]
    assert all("Fox" not in str(e.data) and "Owl" not in str(e.data) for e in events)


def test_portal_form_sets_the_code_and_every_page_shows_it(client: Client, db: None) -> None:
    customer = signed_in(client, "100001")
    tickets = client.get("/en/portal/tickets/").content.decode()
    assert "data-anti-phishing" in tickets and "Set it now" in tickets

    answer = client.post(PAGE, {"code": "BlueFox7"})
    assert answer.status_code == 302 and answer["Location"] == PAGE
    customer.refresh_from_db()
    assert customer.anti_phishing_code == "BlueFox7"
    for url in (PAGE, "/en/portal/tickets/", "/en/portal/tickets/new/"):
        page = client.get(url).content.decode()
        assert "Your anti-phishing code: <strong>BlueFox7</strong>" in page, url


@pytest.mark.parametrize(
    ("code", "message"),
    [("abc", "letters or digits"), ("100001", "user ID"), ("<script>x", "letters or digits")],
)
def test_portal_form_refuses_bad_codes(client: Client, db: None, code: str, message: str) -> None:
    customer = signed_in(client, "100001")
    set_code(customer, "BlueFox7")
    answer = client.post(PAGE, {"code": code})
    assert answer.status_code == 400
    page = answer.content.decode()
    assert message in page and "<script>x" not in page
    customer.refresh_from_db()
    assert customer.anti_phishing_code == "BlueFox7"


def test_only_the_signed_in_customer_changes_their_own_code(client: Client, db: None) -> None:
    alice = Customer.objects.create(exchange_uid="alice", anti_phishing_code="AliceCode1")
    anonymous = Client()
    assert anonymous.post(PAGE, {"code": "Hijacked1"}).status_code == 403
    bob = signed_in(client, "bob")
    # The page acts on the session's customer only; another customer's id changes nothing.
    client.post(PAGE, {"code": "BobCode22", "customer": alice.pk, "uid": "alice"})
    alice.refresh_from_db()
    bob.refresh_from_db()
    assert (alice.anti_phishing_code, bob.anti_phishing_code) == ("AliceCode1", "BobCode22")
    assert "AliceCode1" not in client.get("/en/portal/tickets/").content.decode()


def test_portal_page_in_chinese(client: Client, db: None) -> None:
    signed_in(client, "100001")
    page = client.get("/zh-hans/portal/anti-phishing/")
    assert page.status_code == 200
    assert 'lang="zh-hans"' in page.content.decode()


@pytest.fixture
def smtp() -> Iterator[SmtpSink]:
    with (
        smtp_sink() as sink,
        override_settings(
            KEFU_EMAIL_SMTP_URL=sink.url, KEFU_EMAIL_FROM="Beacon Support <support@beacon.test>"
        ),
    ):
        yield sink


def _mail_to(customer: Customer, smtp: SmtpSink) -> str:
    opened = open_ticket(
        channel=Channel.EMAIL,
        subject="Deposit missing",
        text="My deposit has not arrived.",
        customer=customer,
        requester_email=customer.email,
    )
    agent = Agent.objects.create_user(username="agent.mail", password="x" * 12, role=Role.AGENT)
    agent_reply(opened.ticket, agent=agent, text="It is credited now.")
    [reply] = [m for m in smtp.mails() if "It is credited now." in m.get_content()]
    return reply.get_content().replace("\r\n", "\n")


@pytest.mark.django_db(transaction=True)
def test_the_code_is_at_the_top_of_every_mail(smtp: SmtpSink) -> None:
    customer = Customer.objects.create(exchange_uid="hana", email="hana@example.com")
    set_code(customer, "K9Sunrise")
    body = _mail_to(customer, smtp)
    assert body.startswith("Your anti-phishing code: K9Sunrise\n")
    assert body.count("K9Sunrise") == 1


@pytest.mark.django_db(transaction=True)
def test_a_mail_without_a_code_says_how_to_set_one(smtp: SmtpSink) -> None:
    customer = Customer.objects.create(exchange_uid="hana", email="hana@example.com")
    body = _mail_to(customer, smtp)
    assert body.startswith("You have not set an anti-phishing code yet.")


@pytest.mark.parametrize(
    ("text", "lang"),
    [("What is an anti-phishing code?", "en"), ("防钓鱼码是什么", "zh-hans")],
)
def test_the_assistant_explains_the_code(client: Client, db: None, text: str, lang: str) -> None:
    article = Article.objects.get(slug="anti-phishing-code")
    reply = client.post(
        "/api/v1/assistant/reply", {"text": text, "lang": lang}, content_type="application/json"
    ).json()
    assert reply["kind"] == "answer"
    assert reply["article_ids"][0] == article.pk
