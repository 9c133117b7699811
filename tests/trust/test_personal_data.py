"""Personal data at rest: encrypted columns, keyed-hash lookups, key rotation, and a customer's
export and erasure requests (command line and back office)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import FieldError
from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from PIL import Image

from kefu.accounts.demo_data import load_demo_accounts
from kefu.accounts.models import Agent, Customer
from kefu.assistant.engine import respond
from kefu.events.models import Event
from kefu.tickets.attachments import store_attachment
from kefu.tickets.models import Attachment, Channel, Message, Ticket
from kefu.tickets.opening import open_ticket
from kefu.trust.crypto import decrypt, lookup_hash
from kefu.trust.erasure import erase_customer
from kefu.trust.export import export_customer
from kefu.trust.masks import mask
from kefu.trust.records import AccessAction, AccessRecord
from kefu.trust.rotation import rotate_keys
from tests.staff import sign_in

pytestmark = pytest.mark.django_db

EMAIL = "Li.Wei@Example.com"
PHONE = "+86 138-0013-8000"
REAL_NAME = "李伟"
KYC_NOTES = "Passport E12345678 checked by video call"


@pytest.fixture
def li_wei(db) -> Customer:  # type: ignore[no-untyped-def]
    return Customer.objects.create(
        exchange_uid="100001",
        display_name="Li Wei",
        email=EMAIL,
        phone=PHONE,
        real_name=REAL_NAME,
        kyc_notes=KYC_NOTES,
    )


@pytest.fixture
def media(settings, tmp_path: Path) -> Path:  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def raw_row(customer: Customer) -> dict[str, str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT email, phone, real_name, kyc_notes, email_lookup, phone_lookup "
            "FROM accounts_customer WHERE id = %s",
            [customer.pk],
        )
        names = [c[0] for c in cursor.description]
        return dict(zip(names, cursor.fetchone(), strict=True))


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (20, 20), (200, 10, 10)).save(buffer, format="PNG")
    return buffer.getvalue()


# -- encryption and lookups --------------------------------------------------------------------


def test_the_row_holds_ciphertext_only(li_wei: Customer):
    row = raw_row(li_wei)
    stored = " ".join(row.values())
    for plaintext in (EMAIL, EMAIL.lower(), PHONE, "13800138000", REAL_NAME, "E12345678"):
        assert plaintext not in stored
    assert decrypt(row["email"]) == EMAIL
    fresh = Customer.objects.get(pk=li_wei.pk)
    assert (fresh.email, fresh.phone, fresh.real_name, fresh.kyc_notes) == (
        EMAIL,
        PHONE,
        REAL_NAME,
        KYC_NOTES,
    )


def test_two_saves_of_one_value_differ_in_the_database(li_wei: Customer):
    other = Customer.objects.create(exchange_uid="100009", email=EMAIL)
    assert raw_row(li_wei)["email"] != raw_row(other)["email"]
    assert raw_row(li_wei)["email_lookup"] == raw_row(other)["email_lookup"]


def test_customers_are_found_by_keyed_hash(li_wei: Customer):
    assert Customer.objects.get(email_lookup=lookup_hash("email", " li.wei@EXAMPLE.com ")) == li_wei
    assert Customer.objects.get(phone_lookup=lookup_hash("phone", "8613800138000")) == li_wei
    assert not Customer.objects.filter(email_lookup=lookup_hash("email", "li@example.com"))
    assert not Customer.objects.filter(email_lookup=lookup_hash("email", ""))
    # The hash is keyed: the plain SHA-256 of the address is not what is stored.
    import hashlib

    assert raw_row(li_wei)["email_lookup"] != hashlib.sha256(b"li.wei@example.com").hexdigest()


def test_filtering_on_the_encrypted_column_is_refused(li_wei: Customer):
    with pytest.raises(FieldError):
        list(Customer.objects.filter(email=EMAIL))
    with pytest.raises(FieldError):
        list(Customer.objects.filter(email__icontains="li"))
    assert li_wei not in Customer.objects.filter(email="")  # blank checks still work


def test_saving_only_the_email_refreshes_its_lookup(li_wei: Customer):
    li_wei.email = "new@example.com"
    li_wei.save(update_fields=["email"])
    assert Customer.objects.get(email_lookup=lookup_hash("email", "NEW@example.com")) == li_wei
    assert not Customer.objects.filter(email_lookup=lookup_hash("email", EMAIL))


def test_blank_values_stay_blank(db):  # type: ignore[no-untyped-def]
    customer = Customer.objects.create(exchange_uid="100010")
    assert raw_row(customer) == {
        "email": "",
        "phone": "",
        "real_name": "",
        "kyc_notes": "",
        "email_lookup": "",
        "phone_lookup": "",
    }


def test_masks_show_enough_to_recognise_not_to_contact():
    assert mask("email", "li.wei@example.com") == "l***@example.com"
    assert mask("phone", PHONE) == "***8000"
    assert mask("name", REAL_NAME) == "李***"
    assert mask("email", "") == ""


# -- key rotation ------------------------------------------------------------------------------


def test_rotation_re_encrypts_with_the_newest_key(settings, li_wei: Customer):
    old_key = settings.KEFU_FIELD_KEYS[0]
    new_key = Fernet.generate_key().decode()
    with override_settings(KEFU_FIELD_KEYS=[new_key, old_key]):
        # Before rotation: old rows still read, new writes use the new key.
        assert Customer.objects.get(pk=li_wei.pk).real_name == REAL_NAME
        Customer.objects.create(exchange_uid="100011", email="fresh@example.com")
        result = rotate_keys(batch_size=1)
        assert result.rotated["accounts.Customer.email"] == 1  # the new row was current
        assert result.rotated["accounts.Customer.kyc_notes"] == 1
        again = rotate_keys()
        assert again.changed == 0  # idempotent
    with override_settings(KEFU_FIELD_KEYS=[new_key]):
        # The old key can go: everything reads with the new key alone.
        fresh = Customer.objects.get(pk=li_wei.pk)
        assert (fresh.email, fresh.phone, fresh.real_name, fresh.kyc_notes) == (
            EMAIL,
            PHONE,
            REAL_NAME,
            KYC_NOTES,
        )
        assert Fernet(new_key.encode()).decrypt(raw_row(li_wei)["email"].encode()) == EMAIL.encode()


def test_a_new_lookup_key_is_applied_by_rotation(li_wei: Customer):
    with override_settings(KEFU_LOOKUP_KEY="another lookup key"):
        assert not Customer.objects.filter(email_lookup=lookup_hash("email", EMAIL))
        out = io.StringIO()
        call_command("trust", "rotate-keys", stdout=out)
        assert "accounts.Customer.email_lookup: 1 lookup hashes updated" in out.getvalue()
        assert Customer.objects.get(email_lookup=lookup_hash("email", EMAIL)) == li_wei


# -- export ------------------------------------------------------------------------------------


@pytest.fixture
def history(li_wei: Customer, media: Path) -> Ticket:
    """Li Wei's ticket with a screenshot, an anonymous email ticket from the same address, and
    a chat with the assistant."""
    opened = open_ticket(
        channel=Channel.PORTAL,
        subject="Deposit missing",
        text="My USDT deposit has not arrived, my name is 李伟",
        customer=li_wei,
    )
    store_attachment(opened.ticket, "screenshot.png", png())
    open_ticket(
        channel=Channel.EMAIL,
        subject="Also this",
        text="Sent from my mail",
        requester_email=EMAIL,
    )
    respond("how do I deposit USDT?", customer=li_wei)
    return opened.ticket


def test_export_holds_the_profile_tickets_messages_attachments_and_events(
    history: Ticket, li_wei: Customer
):
    admin = load_admin()
    document = export_customer(li_wei.exchange_uid, staff=admin, ip="203.0.113.9")
    assert document["customer"]["email"] == EMAIL
    assert document["customer"]["kyc_notes"] == KYC_NOTES
    numbers = {t["ticket"]["number"] for t in document["tickets"]}
    assert history.number in numbers and len(numbers) == 2  # the email ticket is theirs too
    mine = next(t for t in document["tickets"] if t["ticket"]["number"] == history.number)
    assert "李伟" in mine["messages"][0]["text"]
    assert mine["attachments"][0]["name"] == "screenshot.png"
    assert mine["attachments"][0]["sha256"]
    assert any(e["kind"] == "ticket.opened" for e in document["events"])
    turns = document["assistant_conversations"][0]["turns"]
    assert turns[0]["text"] == "how do I deposit USDT?"
    json.dumps(document)  # plain JSON
    record = AccessRecord.objects.get(action=AccessAction.EXPORT_CUSTOMER_DATA)
    assert (record.staff, record.customer_uid, record.ip) == (admin, "100001", "203.0.113.9")


def test_export_command_prints_json(history: Ticket, li_wei: Customer):
    out = io.StringIO()
    call_command("customer", "export", "100001", stdout=out)
    document = json.loads(out.getvalue())
    assert document["customer"]["exchange_uid"] == "100001"
    assert AccessRecord.objects.get(action=AccessAction.EXPORT_CUSTOMER_DATA).staff is None


# -- erasure -----------------------------------------------------------------------------------


def test_erasure_removes_personal_data_and_files_and_keeps_the_audit_trail(
    history: Ticket, li_wei: Customer, media: Path, django_capture_on_commit_callbacks
):
    admin = load_admin()
    export_customer("100001", staff=admin)  # an earlier access, to be kept
    files = [media / name for name in Attachment.objects.values_list("file", flat=True)]
    assert files and all(f.exists() for f in files)
    ticket_ids = list(Ticket.objects.values_list("pk", flat=True))
    about_tickets = Event.objects.filter(
        subject_type="tickets.ticket", subject_id__in=[str(i) for i in ticket_ids]
    )
    events_before = about_tickets.count()

    with pytest.raises(FieldError):  # (the email column still cannot be filtered on)
        Customer.objects.filter(email=EMAIL).exists()
    with django_capture_on_commit_callbacks(execute=True):
        done = erase_customer("100001", staff=admin, ip="203.0.113.9")

    assert (done.tickets, done.attachments, done.conversations) == (2, 1, 1)
    assert not Ticket.objects.exists() and not Message.objects.exists()
    assert not any(f.exists() for f in files)
    customer = Customer.objects.get(pk=li_wei.pk)
    assert customer.erased_at is not None
    assert (customer.email, customer.phone, customer.real_name, customer.kyc_notes) == ("",) * 4
    assert customer.display_name == ""
    assert raw_row(customer)["email_lookup"] == ""
    # The audit trail stays: every event, the earlier access record, and the erasure itself.
    assert about_tickets.count() == events_before
    assert Event.objects.filter(kind="customer.personal_data_erased").count() == 1
    actions = set(
        AccessRecord.objects.filter(customer_uid="100001").values_list("action", flat=True)
    )
    assert actions == {AccessAction.EXPORT_CUSTOMER_DATA, AccessAction.ERASE_CUSTOMER_DATA}
    # And the export afterwards shows nothing personal.
    after = export_customer("100001")
    assert after["tickets"] == [] and after["customer"]["email"] == ""
    assert "李伟" not in json.dumps(after, ensure_ascii=False)


def test_erasure_waits_for_a_live_chat_to_end(li_wei: Customer):
    from kefu.tickets.models import ChatState

    Ticket.objects.create(customer=li_wei, channel=Channel.CHAT, chat_state=ChatState.QUEUED)
    from kefu.errors import ApiError

    with pytest.raises(ApiError) as refused:
        erase_customer("100001")
    assert refused.value.code == "chat_in_progress"
    assert Customer.objects.get(pk=li_wei.pk).email == EMAIL


def test_erase_command_needs_confirmation(history: Ticket):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("customer", "erase", "100001")  # no terminal to confirm on
    assert Ticket.objects.exists()
    out = io.StringIO()
    call_command("customer", "erase", "100001", "--yes", stdout=out)
    assert "2 tickets" in out.getvalue()
    with pytest.raises(CommandError):
        call_command("customer", "erase", "999999", "--yes")


# -- the back office ---------------------------------------------------------------------------


def load_admin() -> Agent:
    load_demo_accounts()
    return Agent.objects.get(username="admin")


def test_admins_see_decrypted_values_and_the_view_is_recorded(client, li_wei: Customer):
    sign_in(client, load_admin())
    page = client.get(f"/admin/accounts/customer/{li_wei.pk}/change/")
    assert page.status_code == 200
    assert EMAIL in page.content.decode()
    assert KYC_NOTES in page.content.decode()
    record = AccessRecord.objects.get(customer=li_wei)
    assert record.action == AccessAction.REVEAL_FIELD and record.staff.username == "admin"


def test_other_staff_never_see_the_plaintext(client, li_wei: Customer):
    load_demo_accounts()
    for username in ("supervisor", "agent.wang", "editor"):
        sign_in(client, Agent.objects.get(username=username))
        page = client.get(f"/admin/accounts/customer/{li_wei.pk}/change/")
        assert EMAIL not in page.content.decode() and KYC_NOTES not in page.content.decode()


def test_admins_find_a_customer_by_email(client, li_wei: Customer):
    sign_in(client, load_admin())
    page = client.get("/admin/accounts/customer/", {"q": "LI.WEI@example.com"})
    assert "100001" in page.content.decode()


def test_admin_export_and_erase_actions(client, history: Ticket, li_wei: Customer):
    sign_in(client, load_admin())
    url = "/admin/accounts/customer/"
    exported = client.post(url, {"action": "export_data", "_selected_action": [li_wei.pk]})
    assert exported["Content-Type"].startswith("application/json")
    assert json.loads(exported.content)["customer"]["email"] == EMAIL
    asked = client.post(url, {"action": "erase_data", "_selected_action": [li_wei.pk]})
    assert asked.status_code == 200 and Ticket.objects.exists()  # a confirmation page first
    client.post(url, {"action": "erase_data", "_selected_action": [li_wei.pk], "confirmed": "yes"})
    assert not Ticket.objects.exists()
    assert Customer.objects.get(pk=li_wei.pk).erased_at is not None
