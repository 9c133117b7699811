"""What a mail says: Chinese charsets (labels that lie included), encoded headers, HTML made safe,
quoted history cut off, attachments and inline images kept or refused, broken MIME survived."""

from __future__ import annotations

import base64
import io
from email.message import EmailMessage

from django.test import override_settings
from PIL import Image

from kefu.connectors.email.ingest import retry_failed
from kefu.connectors.email.models import InboundMail, InboundStatus
from kefu.connectors.email.parsing import parse_mail
from kefu.connectors.email.text import html_to_text, strip_quoted
from kefu.tickets.models import Author, Ticket

from .conftest import SUPPORT, Mailbox, mail


def raw_mail(
    body: bytes,
    *,
    subject: str = "Hello",
    charset: str = "utf-8",
    sender: str = "carol@example.com",
    message_id: str = "<raw@example.com>",
    encoding: str = "8bit",
) -> bytes:
    head = (
        f"From: {sender}\r\nTo: {SUPPORT}\r\nSubject: {subject}\r\nMessage-ID: {message_id}\r\n"
        f"MIME-Version: 1.0\r\nContent-Type: text/plain; charset={charset}\r\n"
        f"Content-Transfer-Encoding: {encoding}\r\n\r\n"
    )
    return head.encode("ascii") + body


def b_word(text: str, charset: str) -> str:
    return f"=?{charset}?B?{base64.b64encode(text.encode(charset)).decode()}?="


def png(width: int = 4, height: int = 4) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(buffer, "PNG")
    return buffer.getvalue()


def test_chinese_charsets_and_encoded_headers(mailbox: Mailbox) -> None:
    # Labelled gb2312 but with a GBK-only character (镕), as real mail often is.
    gbk = raw_mail(
        "朱镕基的充值还没到账".encode("gbk"),
        subject=b_word("充值未到账 朱镕基", "gbk").replace("?gbk?", "?gb2312?"),
        charset="gb2312",
        message_id="<gbk@example.com>",
        sender=f"{b_word('朱镕基', 'gbk').replace('?gbk?', '?GB2312?')} <zhu@example.com>",
    )
    big5 = raw_mail(
        "請問我的提款什麼時候到帳".encode("big5"),
        subject=b_word("提款查詢", "big5"),
        charset="big5",
        message_id="<big5@example.com>",
        sender="lin@example.com",
    )
    gb18030 = raw_mail(
        base64.b64encode("我的账户被冻结了".encode("gb18030")),
        subject="=?GB18030?Q?=D5=CB=BB=A7?=",
        charset='"GB18030"',
        encoding="base64",
        message_id="<gb18030@example.com>",
        sender="wang@example.com",
    )
    mailbox.deliver(gbk, big5, gb18030)
    mailbox.poll()

    zhu = Ticket.objects.get(requester_email="zhu@example.com")
    assert zhu.subject == "充值未到账 朱镕基"
    assert zhu.messages.get(seq=1).text == "朱镕基的充值还没到账"
    assert zhu.language == "zh-hans"
    lin = Ticket.objects.get(requester_email="lin@example.com")
    assert (lin.subject, lin.messages.get(seq=1).text) == ("提款查詢", "請問我的提款什麼時候到帳")
    wang = Ticket.objects.get(requester_email="wang@example.com")
    assert (wang.subject, wang.messages.get(seq=1).text) == ("账户", "我的账户被冻结了")
    [ack] = [m for m in mailbox.send() if m["To"] == "zhu@example.com"]
    assert "工单" in ack.get_content()  # answered in Chinese


def test_html_is_sanitised_and_quoted_history_stripped(mailbox: Mailbox) -> None:
    html = (
        "<html><head><style>p{color:red}</style><script>alert('x')</script></head><body>"
        '<p onclick="steal()">My <b>withdrawal</b> is stuck.</p>'
        '<p>See <a href="https://beacon.test/tx/1" onmouseover="x()">the order</a></p>'
        "<img src=x onerror=alert(1)>"
        '<div class="gmail_quote">On Mon, 1 Jan 2024 Beacon wrote:<blockquote>old text'
        "</blockquote></div></body></html>"
    )
    mailbox.deliver(mail(body="", html=html, message_id="<html@example.com>"))
    mailbox.poll()

    text = Ticket.objects.get().messages.get(seq=1).text
    assert text == "My withdrawal is stuck.\n\nSee the order <https://beacon.test/tx/1>"
    for unsafe in ("script", "alert", "steal", "onerror", "color:red", "old text", "<"):
        assert unsafe not in text.replace("<https://", "")


def test_quote_styles_are_stripped() -> None:
    cases = {
        "Thanks, it arrived.\n\nOn Tue, Mar 5, 2024 at 9:14 AM Beacon Support <\n"
        "support@beacon.test> wrote:\n> Your deposit is confirmed.": "Thanks, it arrived.",
        "收到了，谢谢\n\n在 2024年3月5日 09:14，Beacon 客服 <support@beacon.test>\n"
        "写道：\n> 已确认": "收到了，谢谢",
        "Still waiting.\n\n-----Original Message-----\nFrom: Support\nSent: Monday\nHi": (
            "Still waiting."
        ),
        "Please check.\n\nFrom: Beacon Support <support@beacon.test>\nSent: Monday, 4 March\n"
        "To: me@example.com\nSubject: RE: [#K000001]\n\nOld answer": "Please check.",
        "> quoted line\nmy inline answer\n> another quote\n\n-- \nCarol\nSent from phone": (
            "my inline answer"
        ),
        "On Monday I sent 5 BTC.\nIt is missing.": "On Monday I sent 5 BTC.\nIt is missing.",
    }
    for text, expected in cases.items():
        assert strip_quoted(text) == expected, text
    assert html_to_text("<div>a</div><div id=divRplyFwdMsg>From: x</div>") == "a"
    forward = mail(subject="Fwd: Your withdrawal", body="Is this real?\n\n> Click to verify")
    assert parse_mail(forward.as_bytes()).text == "Is this real?\n\n> Click to verify"


def test_attachments_and_inline_images_stored_renamed_executable_refused(
    mailbox: Mailbox,
) -> None:
    message = mail(body="Screenshots attached.", message_id="<files@example.com>")
    message.add_alternative('<p>Screenshots attached.<img src="cid:shot1"></p>', subtype="html")
    message.get_payload()[1].add_related(
        png(), maintype="image", subtype="png", cid="<shot1>", filename="inline.png"
    )
    message.add_attachment(png(8, 6), maintype="image", subtype="png", filename="deposit.png")
    message.add_attachment(
        b"%PDF-1.4\n%\xe2\xe3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n",
        maintype="application",
        subtype="pdf",
        filename="statement.pdf",
    )
    fake = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200 + b"This program cannot be run in DOS"
    message.add_attachment(fake, maintype="image", subtype="png", filename="screenshot.png")
    with override_settings(KEFU_ATTACHMENT_MAX_BYTES=4096):
        message.add_attachment(b"%PDF-1.4\n" + b"0" * 5000, maintype="application",
                               subtype="pdf", filename="huge.pdf")  # fmt: skip
        mailbox.deliver(message)
        mailbox.poll()

    ticket = Ticket.objects.get()
    names = sorted(a.name for a in ticket.attachments.all())
    assert names == ["deposit.png", "inline.png", "statement.pdf"]
    assert ticket.messages.filter(kind="attachment", author=Author.CUSTOMER).count() == 3
    note = ticket.messages.get(kind="attachment_refused")
    assert "screenshot.png" in note.text and "huge.pdf" in note.text
    assert InboundMail.objects.get().status == InboundStatus.OPENED


def test_malformed_mime_does_not_crash_and_nothing_is_lost(mailbox: Mailbox) -> None:
    broken = [
        # Multipart without its closing boundary, a part with broken base64.
        b"From: dan@example.com\r\nSubject: broken\r\nMessage-ID: <b1@example.com>\r\n"
        b'Content-Type: multipart/mixed; boundary="XX"\r\n\r\n--XX\r\n'
        b"Content-Type: text/plain\r\n\r\nfirst part\r\n--XX\r\n"
        b"Content-Type: image/png\r\nContent-Transfer-Encoding: base64\r\n\r\n@@@not base64",
        # Unknown charset, raw 8-bit subject, no Message-ID at all.
        b"From: erin@example.com\r\nSubject: \xe5\x85\x85\xe5\x80\xbc help\r\n"
        b"Content-Type: text/plain; charset=x-klingon\r\n\r\n\xe5\x85\x85\xe5\x80\xbc failed",
        # Garbage headers and a multipart with no boundary parameter.
        b"From: frank@example.com\r\nSubject: =?utf-8?B?####?=\r\nMessage-ID: <b3@example.com>\r\n"
        b"Content-Type: multipart/alternative\r\nDate: yesterday-ish\r\n\r\nsome body text",
        # An address the ticket refuses: kept as failed, raw bytes and all.
        b"From: bad@nodot\r\nSubject: x\r\nMessage-ID: <b4@example.com>\r\n\r\nhello",
        # Not a mail at all.
        b"\x01\x02 binary junk \xff\xfe",  # (IMAP cannot carry NUL bytes)
    ]
    mailbox.deliver(*broken)
    result = mailbox.poll()
    assert (result.fetched, result.processed, result.errors) == (5, 5, [])

    rows = list(InboundMail.objects.order_by("uid"))
    assert [bytes(r.raw).replace(b"\r\n", b"\n") for r in rows] == [
        raw.replace(b"\r\n", b"\n") for raw in broken
    ]
    assert [r.status for r in rows] == ["opened", "opened", "opened", "failed", "ignored"]
    assert Ticket.objects.get(requester_email="dan@example.com").messages.get(seq=1).text == (
        "first part"
    )
    erin = Ticket.objects.get(requester_email="erin@example.com")
    assert erin.subject == "充值 help" and erin.messages.get(seq=1).text == "充值 failed"
    assert rows[1].message_id.startswith("sha256.")
    assert rows[3].message_id == "b4@example.com" and rows[3].reason
    assert retry_failed(rows[3]).mail.status == "failed"  # the same cause: kept, still one row

    # Read again from the start: the same mails, no second ticket for any of them.
    mailbox.imap.append(mailbox.folder, *broken)
    again = mailbox.poll()
    assert (again.processed, again.skipped) == (0, 5)
    assert InboundMail.objects.count() == 5 and Ticket.objects.count() == 3


def test_parse_reads_what_it_can() -> None:
    parsed = parse_mail(b"Subject: only a subject\r\n\r\n")
    assert (parsed.sender, parsed.automatic, parsed.text) == ("", "no sender address", "")
    multipart: EmailMessage = mail(body="hi")
    assert parse_mail(multipart.as_bytes()).text == "hi"
