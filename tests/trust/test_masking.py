"""Secrets never stored: the masker on the public corpus, and what each channel writes to the
database and the logs when a customer sends one."""

from __future__ import annotations

import io
import logging
import time
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.test import Client
from PIL import Image

from kefu.accounts.identity import sign_customer
from kefu.accounts.models import Customer
from kefu.connectors.email.ingest import ingest
from kefu.connectors.email.models import InboundMail, OutboundKind, OutboundMail
from kefu.connectors.webchat import service as chat
from kefu.tickets import actions as tickets
from kefu.tickets.models import Author, Message, Status, Ticket
from kefu.tickets.opening import NewFile, open_ticket
from kefu.tickets.workflow import customer_reply
from kefu.trust.logs import MaskSecretsFilter
from kefu.trust.masking import LABELS, find_secrets, mask_secrets
from kefu.trust.notices import NOTICE_KIND, secret_notice

CORPUS = yaml.safe_load((Path(__file__).parent / "masker_corpus.yaml").read_text("utf-8"))
# BIP39 reference vector and Bitcoin wiki key, as in the corpus.
PHRASE = "legal winner thank year wave sausage worth useful legal winner thank yellow"
KEY = "0C28FCA386C7A227600B2FE50B7CAE11EC86D3BF1FBE471BE89827E19D72AA1D"
TX = "4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b"


def test_the_corpus_is_large_and_covers_every_kind_in_both_languages() -> None:
    assert len(CORPUS) >= 150
    assert len({e["id"] for e in CORPUS}) == len(CORPUS)
    for kind in ("seed_phrase", "private_key", "api_secret", "password", "two_factor_code"):
        for lang in ("en", "zh"):
            assert any(kind in e["kinds"] and e["lang"] == lang for e in CORPUS), (kind, lang)
    assert sum(1 for e in CORPUS if not e["kinds"]) >= 60


@pytest.mark.parametrize("example", CORPUS, ids=[e["id"] for e in CORPUS])
def test_corpus(example: dict[str, Any]) -> None:
    masked, findings = mask_secrets(example["text"])
    assert sorted({f.kind for f in findings}) == example["kinds"]
    for secret in example["masked"]:
        assert secret not in masked
    for kept in example["kept"]:
        assert kept in masked
    for kind in example["kinds"]:
        assert f"[masked: {LABELS[kind]}]" in masked


def test_masking_twice_changes_nothing_more() -> None:
    for example in CORPUS:
        masked, _ = mask_secrets(example["text"])
        assert find_secrets(masked) == []


# Channels ------------------------------------------------------------------------------------


def _texts_stored(ticket: Ticket) -> str:
    messages = Message.objects.filter(ticket=ticket).values_list("text", flat=True)
    return "\n".join([ticket.subject, str(ticket.fields), *messages])


def test_a_chat_message_is_stored_masked(db: None) -> None:
    ticket = tickets.open_chat(None, "en")
    Ticket.objects.filter(pk=ticket.pk).update(chat_state="queued")
    ticket.refresh_from_db()
    message, created, _outbox = chat.customer_message(ticket, f"my words: {PHRASE}", "c-1")
    assert created
    stored = Message.objects.get(pk=message.pk)
    assert PHRASE.split()[2] not in stored.text and "[masked: seed phrase]" in stored.text
    notice = Message.objects.get(ticket=ticket, kind=NOTICE_KIND)
    assert notice.author == Author.SYSTEM and "seed phrase" in notice.text


def _signed(uid: str = "100001") -> dict[str, Any]:
    expires = int(time.time()) + 600
    return {
        "customer_id": uid,
        "customer_expires": expires,
        "customer_signature": sign_customer(uid, expires),
    }


def test_a_portal_ticket_is_stored_masked_but_its_tx_hash_is_kept(db: None) -> None:
    from kefu.accounts.demo_data import load_demo_accounts

    load_demo_accounts()
    body = {
        **_signed(),
        "category": "account_security",
        "subject": "hacked, my password is Hunter2024!",
        "text": f"I gave my private key {KEY} to someone. Deposit tx {TX} is fine.",
        "fields": {"details": f"the site asked for {PHRASE}"},
    }
    created = Client().post("/api/v1/tickets/", body, content_type="application/json")
    assert created.status_code == 201, created.content
    ticket = Ticket.objects.get(public_id=created.json()["public_id"])
    stored = _texts_stored(ticket)
    for secret in ("Hunter2024!", KEY, "sausage"):
        assert secret not in stored
    assert TX in stored and "[masked: private key]" in stored
    notice = ticket.messages.get(kind=NOTICE_KIND)
    assert not notice.internal and notice.author == Author.SYSTEM
    assert notice.text == secret_notice(["seed_phrase", "private_key", "password"], ticket.language)
    # The customer sees the notice in their conversation.
    shown = [m["text"] for m in created.json()["messages"]]
    assert notice.text in shown


def test_a_deposit_tickets_validated_tx_hash_is_not_masked(db: None) -> None:
    customer = Customer.objects.create(exchange_uid="900001")
    opened = open_ticket(
        channel="portal",
        subject="deposit",
        text="my key word list is safe, only the tx matters",
        customer=customer,
        category="deposit",
        fields={"coin": "USDT", "network": "TRC20", "tx_hash": KEY.lower(), "amount": "10"},
    )
    assert opened.ticket.fields["tx_hash"] == KEY.lower()
    assert not opened.ticket.messages.filter(kind=NOTICE_KIND).exists()


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (1, 2, 3)).save(buffer, format="PNG")
    return buffer.getvalue()


def test_a_customer_reply_and_its_file_names_are_masked(db: None) -> None:
    customer = Customer.objects.create(exchange_uid="900002")
    ticket = open_ticket(
        channel="portal", subject="withdrawal", text="stuck", customer=customer
    ).ticket
    Ticket.objects.filter(pk=ticket.pk).update(status=Status.PENDING)
    ticket.refresh_from_db()
    message = customer_reply(
        ticket,
        text="验证码：654321，登录密码是 Qwer1234",
        channel="portal",
        files=[NewFile(f"{PHRASE}.png", _png())],
    )
    stored = _texts_stored(ticket)
    assert "654321" not in stored and "Qwer1234" not in stored
    assert "[masked: 2FA code]" in message.text and "[masked: password]" in message.text
    names = list(ticket.attachments.values_list("name", flat=True))
    assert names and not any("winner" in n or "sausage" in n for n in names)
    assert ticket.messages.filter(kind=NOTICE_KIND).count() == 1


def _mail(subject: str, body: str, html: str = "", attachment: str = "") -> bytes:
    message = EmailMessage()
    message["From"] = "mei@example.com"
    message["To"] = "support@beacon.example"
    message["Subject"] = subject
    message["Message-ID"] = f"<{abs(hash((subject, body, html)))}@example.com>"
    message.set_content(body)
    if html:
        message.add_alternative(html, subtype="html")
    if attachment:
        message.add_attachment(_png(), maintype="image", subtype="png", filename=attachment)
    return message.as_bytes()


def test_an_inbound_email_is_stored_masked_and_acknowledged_with_a_notice(db: None) -> None:
    raw = _mail(
        subject="help, 我的密码是Beacon2024abc",
        body=f"My wallet phrase is {PHRASE}.\nThe deposit tx is {TX}.",
        html=f"<p>My wallet phrase is {PHRASE}.</p>",
        attachment="助记词 " + " ".join("的一是在不了有和人这中大") + ".png",
    )
    row = ingest(raw).mail
    assert row.status == "opened"
    assert "Beacon2024abc" not in row.subject and bytes(row.raw) == b""
    ticket = row.ticket
    assert ticket is not None
    stored = _texts_stored(ticket)
    assert "Beacon2024abc" not in stored and "sausage" not in stored and TX in stored
    names = list(ticket.attachments.values_list("name", flat=True))
    assert names and all("的一是" not in n for n in names)
    assert ticket.messages.filter(kind=NOTICE_KIND).count() == 1
    ack = OutboundMail.objects.get(ticket=ticket, kind=OutboundKind.ACKNOWLEDGEMENT)
    assert secret_notice(["seed_phrase", "password"], ticket.language) in ack.body
    assert "Beacon2024abc" not in ack.body


def test_a_secret_only_in_the_html_alternative_drops_the_raw_mail(db: None) -> None:
    raw = _mail("deposit", "see the html part", html=f"<b>seed</b>: {PHRASE}")
    row = ingest(raw).mail
    assert bytes(row.raw) == b""
    clean = ingest(_mail("deposit again", "nothing secret here")).mail
    assert bytes(clean.raw) != b""
    assert not InboundMail.objects.filter(pk=clean.pk, raw=b"").exists()


def test_log_records_are_masked_by_the_installed_filter(caplog: pytest.LogCaptureFixture) -> None:
    root = logging.getLogger()
    assert any(
        isinstance(f, MaskSecretsFilter) for handler in root.handlers for f in handler.filters
    ), "settings.LOGGING installs the filter on the root handlers"
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        (
            "127.0.0.1:5000",
            "GET",
            "/api/v1/helpcenter/search?q=" + PHRASE.replace(" ", "+") + "&lang=en",
            "1.1",
            200,
        ),
        None,
    )
    assert MaskSecretsFilter().filter(record)
    line = record.getMessage()
    assert "sausage" not in line and "[masked: seed phrase]" in line and "lang=en" in line

    logger = logging.getLogger("kefu.tests.masking")
    with caplog.at_level(logging.INFO):
        logger.addFilter(MaskSecretsFilter())
        try:
            logger.info("customer said %s", f"password: Zz@20240601 and tx {TX}")
        finally:
            logger.filters.clear()
    assert "Zz@20240601" not in caplog.text and TX in caplog.text


def test_a_search_query_with_a_secret_searches_without_it(db: None) -> None:
    from kefu.helpcenter.search import engine

    found = engine.search("my password is Hunter2024xyz how to reset it", "en", 5)
    assert "hunter2024xyz" not in {t.lower() for t in found.query.tokens}
    assert found.results  # the articles about passwords are still found
