"""Which language a message is in, and which one the reply uses."""

from __future__ import annotations

import pytest

from kefu.assistant.language import detect_language, reply_language


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("我的USDT充值没到账", "zh"),
        ("where is my USDT deposit", "en"),
        ("hola, no puedo retirar mis fondos de la cuenta", "other"),
        ("TRC20", "undetermined"),
        ("BTC ERC20", "undetermined"),
        ("0x5c504ed432cb51138bcf09aa5e8a410dd4a1e204ef84bfed1be16dfba1b22060", "undetermined"),
        ("ok", "undetermined"),
        ("12345", "undetermined"),
    ],
)
def test_detect_language(text, language):
    assert detect_language(text) == language


def test_a_message_without_language_keeps_the_conversations():
    assert reply_language("undetermined", "zh-hans") == "zh-hans"
    assert reply_language("undetermined", None) == "en"
    assert reply_language("en", "zh-hans") == "en"  # a real English sentence switches
