"""Deposit or withdrawal: never answered backwards, and "where is it?" starts the status check."""

from __future__ import annotations

import pytest

from kefu.assistant.matching.classifier import Prediction, Ranked
from kefu.assistant.matching.direction import asks_whereabouts, keep_side, side_of
from kefu.assistant.normalize import normalize_message


@pytest.mark.parametrize(
    ("text", "side"),
    [
        ("提现还没到账", "withdrawal"),
        ("我提的币怎么还没到", "withdrawal"),
        ("my USDT withdrawal is stuck", "withdrawal"),
        ("充U选哪个网络", "deposit"),
        ("I topped up yesterday", "deposit"),
        ("充值到账了但不能提现", None),  # both: no side taken
        ("怎么修改密码", None),
    ],
)
def test_side_of(text, side):
    assert side_of(normalize_message(text)) == side


@pytest.mark.parametrize(
    ("text", "asks"),
    [
        ("我的提现到哪了", True),
        ("where is my deposit?", True),
        ("deposit not credited", True),
        ("提现按钮在哪", False),  # a button, not a status
        ("提现手续费多少", False),
    ],
)
def test_asks_whereabouts(text, asks):
    assert asks_whereabouts(normalize_message(text)) is asks


def test_keep_side_drops_the_opposite_direction_and_trusts_what_is_left_less():
    prediction = Prediction(
        "d", 0.76, [Ranked("d", 0.76), Ranked("w", 0.2), Ranked("n", 0.1), Ranked("w2", 0.05)]
    )
    sides = {"d": "deposit", "w": "withdrawal", "w2": "withdrawal", "n": None}
    kept = keep_side(prediction, "withdrawal", sides)
    assert (kept.label, kept.confidence) == ("w", 0.2)
    assert [r.label for r in kept.ranking] == ["w", "n", "w2"]
    same = keep_side(prediction, "deposit", sides)
    assert (same.label, same.confidence) == ("d", 0.76)
    assert "w" not in [r.label for r in same.ranking]


@pytest.mark.django_db
def test_a_withdrawal_that_has_not_arrived_is_never_answered_as_a_deposit(chat):
    reply = chat(None)("提现还没到账")
    assert "deposit-not-credited" not in reply.reply
    assert "withdrawal" in reply.reply  # the withdrawal article's link


@pytest.mark.django_db
def test_where_is_my_withdrawal_checks_the_signed_in_customers_withdrawals(chat, exchange):
    reply = chat("100002")("我的提现到哪了")
    assert reply.kind == "flow", reply.reply
    assert "24" in reply.reply  # Zhang Min's withdrawal is held 24 h for a new address
