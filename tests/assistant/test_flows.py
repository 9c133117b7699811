"""Self-service flows end to end against the demo back office."""

from __future__ import annotations

import pytest
from django.test import override_settings

from kefu.events.models import Event
from kefu.exchange import demo_data
from kefu.exchange.backoffice import get_backoffice

pytestmark = pytest.mark.django_db

LI_WEI, ZHANG_MIN, ALICE = "100001", "100002", "100003"


def test_deposit_flow_asks_for_the_missing_tx_hash_then_reports_confirmations(chat, exchange):
    say = chat(LI_WEI)
    first = say("我的充值还没到账")
    assert first.kind == "flow"
    assert "TxID" in first.reply or "哈希" in first.reply
    second = say(demo_data.PENDING_USDT_TX)
    assert second.kind == "flow"
    deposit = get_backoffice().deposit_by_tx(LI_WEI, demo_data.PENDING_USDT_TX)
    assert f"{deposit.confirmations}" in second.reply
    assert f"{deposit.required_confirmations}" in second.reply


def test_a_tx_hash_in_the_first_message_is_used_without_asking(chat, exchange):
    reply = chat(ZHANG_MIN)(f"my BTC deposit has not arrived, tx {demo_data.CREDITED_BTC_TX}")
    assert reply.kind == "flow"
    assert "credited" in reply.reply


def test_wrong_network_deposit_hands_over_with_what_was_found(chat, exchange):
    reply = chat(ALICE)(f"deposit not credited, hash {demo_data.WRONG_NETWORK_TX}")
    assert reply.kind == "handoff"
    assert reply.handoff["reason"] == "deposit_wrong_network"
    summary = reply.handoff["summary"]
    assert {"kind": "tx_hash", "value": demo_data.WRONG_NETWORK_TX} in summary["entities"]
    assert "wrong_network" in summary["results"]


def test_an_unknown_tx_hash_hands_over(chat, exchange):
    unknown = "f" * 64
    reply = chat(LI_WEI)(f"my deposit is missing, tx hash {unknown}")
    assert reply.kind == "handoff"
    assert reply.handoff["reason"] == "deposit_not_found"


@override_settings(KEFU_EXCHANGE_BACKEND="kefu.exchange.demo.UnavailableDemoBackOffice")
def test_an_exchange_outage_hands_over_instead_of_guessing(chat, exchange):
    reply = chat(LI_WEI)(f"my deposit has not arrived {demo_data.PENDING_USDT_TX}")
    assert reply.kind == "handoff"
    assert reply.handoff["reason"] == "exchange_exchange_unavailable"


def test_anonymous_customers_get_the_article_not_their_account(chat, exchange):
    reply = chat(None)(f"my deposit has not arrived {demo_data.PENDING_USDT_TX}")
    assert reply.kind == "answer"
    assert "confirmations" not in reply.reply.split("More:")[0] or "12 of" not in reply.reply


def test_withdrawal_under_review_gives_the_reason_and_time(chat, exchange):
    reply = chat(ZHANG_MIN)("why is my withdrawal still under review?")
    assert reply.kind == "flow"
    assert "24 hours" in reply.reply
    assert "UTC" in reply.reply


def test_order_status_by_id(chat, exchange):
    reply = chat(ZHANG_MIN)(f"订单{demo_data.LIQUIDATED_ORDER}怎么没了？")
    assert reply.kind == "flow", reply.reply
    assert demo_data.LIQUIDATED_ORDER in reply.reply


def test_my_limits(chat, exchange):
    profile = get_backoffice().profile(LI_WEI)
    reply = chat(LI_WEI)("what is my withdrawal limit?")
    assert reply.kind == "flow"
    assert f"KYC level {profile.kyc_level}" in reply.reply


def test_freeze_needs_confirmation_then_freezes_and_hands_over(chat, exchange):
    say = chat(LI_WEI)
    offer = say("有人盗了我的号，快帮我冻结账户")
    assert offer.kind == "handoff"
    assert offer.handoff["priority"] == "urgent"
    assert not get_backoffice().profile(LI_WEI).is_frozen
    done = say("是")
    assert done.handoff["reason"] == "account_frozen"
    assert get_backoffice().profile(LI_WEI).is_frozen
    assert Event.objects.filter(kind="exchange.account_frozen", subject_id=LI_WEI).exists()


def test_declining_the_freeze_keeps_the_account(chat, exchange):
    say = chat(LI_WEI)
    say("I didn't make this withdrawal, someone hacked me")
    say("no")
    assert not get_backoffice().profile(LI_WEI).is_frozen


def test_lost_2fa_guides_by_the_answer(chat, exchange):
    say = chat(None)
    question = say("I lost my phone with Google Authenticator")
    assert question.kind == "flow"
    steps = say("no")
    assert "selfie" in steps.reply
    assert "48 hours" in steps.reply


def test_flow_replies_speak_the_customers_language(chat, exchange):
    reply = chat(ZHANG_MIN)(f"订单{demo_data.LIQUIDATED_ORDER}怎么没了？")
    assert reply.language == "zh-hans"
    assert "liquidation" not in reply.reply
    assert any("\u4e00" <= ch <= "\u9fff" for ch in reply.reply)


def test_answering_with_only_a_tx_hash_keeps_the_conversations_language(chat, exchange):
    say = chat(LI_WEI)
    assert say("我的充值还没到账").language == "zh-hans"
    second = say(demo_data.PENDING_USDT_TX)
    assert second.language == "zh-hans"
    assert any("\u4e00" <= ch <= "\u9fff" for ch in second.reply)
