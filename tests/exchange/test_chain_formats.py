"""Demo hashes and addresses are well formed, with valid checksums, and never change."""

from __future__ import annotations

import base64
import re

import base58
import bech32

from kefu.exchange import demo_chain
from kefu.exchange import demo_data as story

HEX64 = re.compile(r"[0-9a-f]{64}")
EVM_HASH = re.compile(r"0x[0-9a-f]{64}")


def test_tx_hashes_are_well_formed_and_stable():
    # Other apps' tests and the docs quote these; changing a seed string breaks them.
    assert story.PENDING_USDT_TX == (
        "dc1524626c8fa03069622e4f650d8a806881ac85754721265e9501e200f40655"
    )
    for tx in (
        story.PENDING_USDT_TX,
        story.CREDITED_BTC_TX,
        story.MEMO_MISSING_TX,
        story.UNDER_REVIEW_DEPOSIT_TX,
        story.COMPLETED_WITHDRAWAL_TX,
    ):
        assert HEX64.fullmatch(tx)
    for tx in (story.WRONG_NETWORK_TX, story.BELOW_MINIMUM_TX, story.UNSUPPORTED_TOKEN_TX):
        assert EVM_HASH.fullmatch(tx)
    assert len({story.PENDING_USDT_TX, story.CREDITED_BTC_TX, story.MEMO_MISSING_TX}) == 3


def test_ids():
    orders = [
        story.OPEN_ORDER,
        story.FILLED_ORDER,
        story.CANCELLED_ORDER,
        story.LIQUIDATED_ORDER,
        story.REJECTED_ORDER,
        story.PARTIALLY_FILLED_ORDER,
        story.FREEZE_CANCELLED_ORDER,
    ]
    assert all(re.fullmatch(r"[1-9]\d{17}", order_id) for order_id in orders)
    assert len(set(orders)) == len(orders)
    assert re.fullmatch(r"W[1-9]\d{11}", story.NEW_ADDRESS_WITHDRAWAL)


def test_eip55_matches_the_specification_vectors():
    for address in (
        "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
        "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
        "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB",
        "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb",
    ):
        assert demo_chain.eip55(address.lower()) == address
    address = demo_chain.evm_address("x")
    assert re.fullmatch(r"0x[0-9a-fA-F]{40}", address) and demo_chain.eip55(address) == address


def test_tron_address():
    address = demo_chain.tron_address("x")
    payload = base58.b58decode_check(address)  # raises on a bad checksum
    assert address.startswith("T") and len(address) == 34
    assert payload[0] == 0x41 and len(payload) == 21


def test_bitcoin_address():
    address = demo_chain.btc_address("x")
    version, program = bech32.decode("bc", address)
    assert address.startswith("bc1q") and version == 0 and program and len(program) == 20


def test_ton_address_checksum_matches_a_real_address():
    real = "EQCD39VS5jcptHL8vMjEXrzGaRcCVYto7HUn4bpAOg8xqB2N"  # TON Foundation's wallet
    for address in (real, story.TON_DEPOSIT_ADDRESS, demo_chain.ton_address("x", bounceable=False)):
        raw = base64.urlsafe_b64decode(address)
        assert len(address) == 48 and len(raw) == 36
        assert demo_chain._crc16_xmodem(raw[:34]) == int.from_bytes(raw[34:], "big")
    assert story.TON_DEPOSIT_ADDRESS.startswith("EQ")
    assert demo_chain.ton_address("x", bounceable=False).startswith("UQ")


def test_solana_address():
    assert len(base58.b58decode(demo_chain.solana_address("x"))) == 32
