"""Security headers and the Content-Security-Policy on every page, no inline code in any page or
template, secure cookies over HTTPS, and how attachments are downloaded."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import time
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from kefu.accounts.demo_data import load_demo_accounts
from kefu.accounts.identity import sign_customer
from kefu.accounts.models import Agent, Customer
from kefu.connectors.webchat.frames import conversation_token
from kefu.helpcenter.models import Article, ArticleStatus
from kefu.tickets.attachments import store_attachment
from kefu.tickets.models import Attachment, Channel, Ticket
from kefu.tickets.opening import NewFile, open_ticket
from tests.staff import sign_in

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE_DIRS = [ROOT / "kefu"]


class InlineCode(HTMLParser):
    """Everything in a page that a strict CSP would block: inline script, style, handlers."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self._script: dict[str, str | None] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=...>")
            if name == "style":
                self.problems.append(f"<{tag} style=...>")
            if name in ("href", "src", "action") and (value or "").strip().lower().startswith(
                "javascript:"
            ):
                self.problems.append(f"<{tag} {name}=javascript:...>")
        if tag == "style":
            self.problems.append("<style>")
        if tag == "script":
            self._script = found

    def handle_data(self, data: str) -> None:
        script = self._script
        if script is None or not data.strip():
            return
        if script.get("type") not in ("application/json",) and not script.get("src"):
            self.problems.append(f"inline <script>: {data.strip()[:60]}")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._script = None


def inline_code(html: str) -> list[str]:
    parser = InlineCode()
    parser.feed(html)
    return parser.problems


def assert_secure_page(response: Any) -> None:
    assert response.status_code == 200, response
    csp = response["Content-Security-Policy"]
    directives = {d.split()[0]: d.split()[1:] for d in csp.split("; ")}
    assert directives["default-src"] == ["'self'"]
    assert directives["script-src"] == ["'self'"] and directives["style-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"] and directives["frame-ancestors"] == ["'none'"]
    assert "ws://testserver" in directives["connect-src"]
    assert "unsafe" not in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"]
    assert inline_code(response.content.decode()) == []


@pytest.fixture
def desk(db: None) -> None:
    load_demo_accounts()


def portal_client(uid: str) -> Client:
    client = Client()
    expires = int(time.time()) + 600
    signature = sign_customer(uid, expires)
    client.get(f"/en/portal/sign-in/?uid={uid}&expires={expires}&signature={signature}")
    return client


def png(width: int = 20, height: int = 10) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


def a_ticket(uid: str = "100001") -> Ticket:
    customer = Customer.objects.get(exchange_uid=uid)
    return open_ticket(
        channel=Channel.PORTAL,
        subject="Card declined",
        text="My card was declined",
        customer=customer,
        category="other",
        files=[NewFile("screen.png", png())],
    ).ticket


# ---------------------------------------------------------------- pages


def test_public_pages_have_the_headers_and_no_inline_code(desk: None) -> None:
    client = Client()
    article = Article.objects.filter(status=ArticleStatus.PUBLISHED).first()
    assert article is not None
    for url in (
        "/en/",
        "/zh-hans/",
        f"/en/categories/{article.category.slug}/",
        f"/en/articles/{article.slug}/",
        "/en/search/?q=deposit",
        "/en/demo/exchange/",
        "/en/demo/exchange/?as=anonymous",
        "/en/console/login/",
        "/api/v1/docs",
    ):
        response = client.get(url, follow=True)
        assert response.redirect_chain == [] or response.status_code == 200, url
        assert_secure_page(response)
    missing = client.get("/en/no-such-page/")
    assert missing.status_code == 404 and inline_code(missing.content.decode()) == []
    assert "Content-Security-Policy" in missing


def test_portal_pages_have_the_headers_and_no_inline_code(desk: None) -> None:
    ticket = a_ticket()
    client = portal_client("100001")
    for url in (
        "/en/portal/tickets/",
        "/en/portal/tickets/new/",
        "/en/portal/tickets/new/other/",
        f"/en/portal/tickets/{ticket.public_id}/",
    ):
        assert_secure_page(client.get(url))


def staff_client(username: str) -> Client:
    return sign_in(Client(), Agent.objects.get(username=username))


def test_console_and_desk_pages_have_the_headers_and_no_inline_code(desk: None) -> None:
    ticket = a_ticket()
    client = staff_client("admin")
    for url in (
        "/en/console/",
        "/en/console/supervisor/",
        "/en/console/tickets/",
        f"/en/console/tickets/{ticket.pk}/",
    ):
        assert_secure_page(client.get(url))


def test_no_template_has_inline_code() -> None:
    """Pages not rendered above (error pages, admin screens of ours) are held to it too."""
    problems = {}
    for path in sorted(ROOT.joinpath("kefu").rglob("templates/**/*.html")):
        found = inline_code(path.read_text())
        if found:
            problems[str(path.relative_to(ROOT))] = found
    assert problems == {}


def test_scripts_never_parse_text_as_html() -> None:
    for path in sorted(ROOT.joinpath("kefu/web/static").rglob("*.js")):
        lines = path.read_text().splitlines()
        code = "\n".join(line for line in lines if not line.strip().startswith("//"))
        for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
            assert sink not in code, (path.name, sink)


def test_https_turns_on_secure_cookies_and_hsts(tmp_path: Path) -> None:
    code = (
        "from kefu import settings as s; "
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS > 0)"
    )
    env = {**os.environ, "KEFU_DATA_DIR": str(tmp_path), "KEFU_HTTPS": "1"}
    env.pop("KEFU_DATABASE_URL", None)
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.stdout.split() == ["True", "True", "True"], out.stderr
    assert settings.SESSION_COOKIE_HTTPONLY and settings.SESSION_COOKIE_SAMESITE == "Lax"


def test_https_pages_upgrade_requests_and_send_hsts(desk: None, settings: Any) -> None:
    settings.KEFU_HTTPS = True
    settings.SECURE_HSTS_SECONDS = 3600
    response = Client().get("/en/", secure=True)
    assert "upgrade-insecure-requests" in response["Content-Security-Policy"]
    assert "wss://testserver" in response["Content-Security-Policy"]
    assert response["Strict-Transport-Security"].startswith("max-age=3600")


# ---------------------------------------------------------------- forms keep CSRF


def test_forms_need_their_csrf_token(desk: None) -> None:
    client = Client(enforce_csrf_checks=True)
    expires = int(time.time()) + 600
    client.get(
        f"/en/portal/sign-in/?uid=100001&expires={expires}"
        f"&signature={sign_customer('100001', expires)}"
    )
    page = client.get("/en/portal/tickets/new/other/").content.decode()
    assert 'name="csrfmiddlewaretoken"' in page
    forged = client.post("/en/portal/tickets/new/other/", {"subject": "x", "text": "y"})
    assert forged.status_code == 403
    assert not Ticket.objects.exists()
    # The JSON API is signed per request instead, and takes no cookie: no token needed.
    body = {
        "customer_id": "100001",
        "customer_expires": expires,
        "customer_signature": sign_customer("100001", expires),
        "text": "hello",
    }
    api = client.post("/api/v1/tickets/", body, content_type="application/json")
    assert api.status_code == 201


# ---------------------------------------------------------------- downloads


def assert_download_headers(response: Any) -> None:
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"


def test_images_inline_everything_else_as_attachment(desk: None) -> None:
    ticket = a_ticket()
    image = Attachment.objects.get(ticket=ticket)
    pdf = store_attachment(ticket, "statement.svg", b"%PDF-1.4\n%%EOF\n")
    token = conversation_token(ticket)
    client = Client()

    shown = client.get(f"/chat/attachments/{image.pk}?token={token}")
    assert shown.status_code == 200 and shown["Content-Type"] == "image/png"
    assert shown["Content-Disposition"].startswith("inline")
    assert_download_headers(shown)

    saved = client.get(f"/chat/attachments/{pdf.pk}?token={token}")
    assert saved["Content-Disposition"] == 'attachment; filename="statement.pdf"'
    assert_download_headers(saved)

    portal = portal_client("100001")
    from_portal = portal.get(f"/en/portal/tickets/{ticket.public_id}/attachments/{pdf.pk}")
    assert from_portal["Content-Disposition"].startswith("attachment")
    assert_download_headers(from_portal)
    assert portal.get(f"/en/portal/tickets/{ticket.public_id}/attachments/{image.pk}")[
        "Content-Disposition"
    ].startswith("inline")


def test_a_stored_html_or_svg_file_is_never_shown_inline(desk: None) -> None:
    """Even a file stored under a type a browser would render (older data, an import)."""
    ticket = a_ticket()
    for content_type in ("text/html", "image/svg+xml"):
        upload = SimpleUploadedFile("x", b"<svg onload=alert(1)></svg>")
        stored = Attachment.objects.create(
            ticket=ticket,
            file=upload,
            name="x.svg",
            content_type=content_type,
            size=len(b"<svg onload=alert(1)></svg>"),
            sha256="0" * 64,
        )
        response = Client().get(f"/chat/attachments/{stored.pk}?token={conversation_token(ticket)}")
        assert response["Content-Disposition"].startswith("attachment")
        assert_download_headers(response)


def test_uploads_live_outside_every_served_url(desk: None) -> None:
    ticket = a_ticket()
    image = Attachment.objects.get(ticket=ticket)
    path = Path(image.file.path)
    assert path.is_relative_to(settings.MEDIA_ROOT) and path.exists()
    assert not path.is_relative_to(ROOT / "kefu")
    assert Client().get(f"/media/{image.file.name}").status_code == 404
    assert Client().get(f"{settings.MEDIA_URL}{image.file.name}").status_code == 404
