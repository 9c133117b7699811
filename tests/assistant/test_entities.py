"""Entity extraction: every "valid" example below is a real, published value, re-verified here
with an independent implementation (pure-Python base58, the BIP350 reference decoder,
binascii's CRC), and each has a one-character twin that must be rejected."""

from __future__ import annotations

import binascii
import hashlib
import itertools
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from kefu.assistant.entities import Entity, check_address, extract_entities, invalid_addresses
from kefu.assistant.entities.addresses import eip55_checksum
from kefu.assistant.entities.numerals import parse_number

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 21, 10, 0, tzinfo=SHANGHAI)  # 02:00 UTC

# Real values.
BTC_GENESIS = "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"  # P2PKH, the genesis block's address
BTC_P2SH = "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy"  # P2SH example from BIP13-era docs
BIP173_P2WPKH = "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"
BIP350_P2TR = "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0"
TRON_USDT = "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t"  # the USDT-TRC20 contract
SOLANA_USDC = "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v"  # the USDC mint
TON_FOUNDATION = "EQCD39VS5jcptHL8vMjEXrzGaRcCVYto7HUn4bpAOg8xqB2N"
BTC_GENESIS_COINBASE_TX = "4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b"
ETH_FIRST_TX = "0x5c504ed432cb51138bcf09aa5e8a410dd4a1e204ef84bfed1be16dfba1b22060"
SOLANA_SIGNATURE = (  # the example signature in Solana's JSON-RPC documentation
    "5VERv8NMvzbJMEkV8xnrLkEaWRtSz9CosKDYjCJjBRnbJLgp8uirBgmQpjKhoR4tjF3ZpRzrFmBV6UjKdiSZkQUW"
)
EIP55_VECTORS = [  # EIP-55's own test cases
    "0x52908400098527886E0F7030069857D2E4169EE7",
    "0x8617E340B3D01FA5F11F306F4090FD50E238070D",
    "0xde709f2102306220921060314715629080e2fb77",
    "0x27b1fdb04752bbc536007a920d24acb045561c26",
    "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
    "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
    "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB",
    "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb",
]


def twin(value: str, index: int = -1, to: str | None = None) -> str:
    """``value`` with one character changed."""
    i = index % len(value)
    replacement = to if to is not None else ("b" if value[i] != "b" else "c")
    return value[:i] + replacement + value[i + 1 :]


# --- Independent implementations, to verify the examples without the code under test. ---

_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def ref_b58decode(s: str) -> bytes:
    n = 0
    for ch in s:
        n = n * 58 + _B58.index(ch)
    zeros = len(s) - len(s.lstrip("1"))
    return b"\0" * zeros + (n.to_bytes((n.bit_length() + 7) // 8, "big") if n else b"")


def ref_b58encode_check(payload: bytes) -> str:
    raw = payload + hashlib.sha256(hashlib.sha256(payload).digest()).digest()[:4]
    n, out = int.from_bytes(raw, "big"), ""
    while n:
        n, digit = divmod(n, 58)
        out = _B58[digit] + out
    return "1" * (len(raw) - len(raw.lstrip(b"\0"))) + out


def ref_base58check(s: str) -> bytes | None:
    raw = ref_b58decode(s)
    body, check = raw[:-4], raw[-4:]
    return body if hashlib.sha256(hashlib.sha256(body).digest()).digest()[:4] == check else None


def ref_segwit_decode(addr: str) -> tuple[int, bytes] | None:
    """The BIP350 reference decoder (segwit_addr.py), condensed."""
    charset = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"

    def polymod(values: list[int]) -> int:
        gen = [0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3]
        chk = 1
        for v in values:
            top = chk >> 25
            chk = (chk & 0x1FFFFFF) << 5 ^ v
            for i in range(5):
                chk ^= gen[i] if ((top >> i) & 1) else 0
        return chk

    if addr.lower() != addr and addr.upper() != addr:
        return None
    addr = addr.lower()
    pos = addr.rfind("1")
    hrp, data = addr[:pos], [charset.find(c) for c in addr[pos + 1 :]]
    if hrp != "bc" or -1 in data or len(data) < 7:
        return None
    const = polymod([ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp] + data)
    if const not in (1, 0x2BC830A3):
        return None
    acc = bits = 0
    program = []
    for v in data[1:-6]:
        acc = (acc << 5) | v
        bits += 5
        while bits >= 8:
            bits -= 8
            program.append((acc >> bits) & 0xFF)
    if bits >= 5 or (acc << (8 - bits)) & 0x1F:
        return None
    version = data[0]
    if version > 16 or not 2 <= len(program) <= 40:
        return None
    if version == 0 and len(program) not in (20, 32):
        return None
    if (version == 0) != (const == 1):
        return None
    return version, bytes(program)


def kinds(entities: list[Entity]) -> list[tuple[str, str]]:
    return [(e.kind, e.value) for e in entities]


def of_kind(entities: list[Entity], kind: str) -> list[Entity]:
    return [e for e in entities if e.kind == kind]


def assert_spans_consistent(text: str, entities: list[Entity]) -> None:
    for e in entities:
        assert text[e.start : e.end] == e.text
    for a, b in itertools.pairwise(entities):
        assert a.end <= b.start, f"{a} overlaps {b}"


# --- The examples really are what we claim. ---


def test_reference_examples_are_genuine() -> None:
    genesis = ref_base58check(BTC_GENESIS)
    p2sh = ref_base58check(BTC_P2SH)
    tron = ref_base58check(TRON_USDT)
    assert genesis is not None and genesis[0] == 0x00
    assert genesis[1:].hex() == "62e907b15cbf27d5425399ebf6f0fb50ebb88f18"
    assert p2sh is not None and p2sh[0] == 0x05
    assert tron is not None and tron.hex() == "41a614f803b6fd780986a42c78ec9c7f77e6ded13c"
    assert ref_segwit_decode(BIP173_P2WPKH) == (
        0,
        bytes.fromhex("751e76e8199196d454941c45d1b3a323f1433bd6"),
    )
    assert ref_segwit_decode(BIP350_P2TR) == (
        1,
        bytes.fromhex("79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"),
    )
    assert len(ref_b58decode(SOLANA_USDC)) == 32
    assert len(ref_b58decode(SOLANA_SIGNATURE)) == 64
    raw = binascii.a2b_base64(TON_FOUNDATION.replace("-", "+").replace("_", "/"))
    assert binascii.crc_hqx(raw[:34], 0) == int.from_bytes(raw[34:], "big")
    assert raw[2:34].hex() == "83dfd552e63729b472fcbcc8c45ebcc6691702558b68ec7527e1ba403a0f31a8"


def test_twins_really_break_the_checksum() -> None:
    assert ref_base58check(twin(BTC_GENESIS)) is None
    assert ref_base58check(twin(BTC_P2SH)) is None
    assert ref_base58check(twin(TRON_USDT)) is None
    assert ref_segwit_decode(twin(BIP173_P2WPKH, to="5")) is None
    assert ref_segwit_decode(twin(BIP350_P2TR, to="q")) is None
    assert len(ref_b58decode(twin(SOLANA_USDC, 0, "z"))) == 33


# --- Addresses ---


@pytest.mark.parametrize(
    ("address", "chain", "address_type"),
    [
        (BTC_GENESIS, "bitcoin", "p2pkh"),
        (BTC_P2SH, "bitcoin", "p2sh"),
        (BIP173_P2WPKH, "bitcoin", "bech32"),
        (BIP173_P2WPKH.upper(), "bitcoin", "bech32"),
        (BIP350_P2TR, "bitcoin", "bech32m"),
        (TRON_USDT, "tron", "base58check"),
        (SOLANA_USDC, "solana", "ed25519"),
        (TON_FOUNDATION, "ton", "bounceable"),
    ],
)
def test_valid_address_and_its_twin(address: str, chain: str, address_type: str) -> None:
    verdict = check_address(address)
    assert (verdict.valid, verdict.chain, verdict.address_type) == (True, chain, address_type)
    found = extract_entities(f"please send to {address} thanks", now=NOW)
    assert [(e.kind, e.text, e.attrs["chain"]) for e in found] == [("address", address, chain)]

    broken = twin(address, 0, "z") if chain == "solana" else twin(address, to="q")
    assert broken != address
    assert not check_address(broken).valid
    assert of_kind(extract_entities(f"please send to {broken} thanks", now=NOW), "address") == []


@pytest.mark.parametrize(
    ("broken", "chain", "reason"),
    [
        (twin(BTC_GENESIS), "bitcoin", "bad_checksum"),
        (twin(BTC_P2SH, to="z"), "bitcoin", "bad_checksum"),
        (twin(TRON_USDT, to="u"), "tron", "bad_checksum"),
        (twin(TRON_USDT, to="l"), "tron", "invalid_character"),  # l is not base58
        (twin(BIP173_P2WPKH, to="5"), "bitcoin", "bad_checksum"),
        (twin(TON_FOUNDATION, to="M"), "ton", "bad_checksum"),
        (twin(EIP55_VECTORS[4], -2, "E"), "evm", "bad_checksum"),
        (EIP55_VECTORS[4][:-1], "evm", "bad_length"),
    ],
)
def test_mistyped_addresses_are_reported_not_extracted(
    broken: str, chain: str, reason: str
) -> None:
    text = f"我的地址是{broken}，为什么没到账"
    assert check_address(broken).reason == reason
    reported = invalid_addresses(text)
    assert [(e.text, e.attrs["chain"], e.attrs["reason"]) for e in reported] == [
        (broken, chain, reason)
    ]
    found = extract_entities(text, now=NOW)
    # Neither the address nor any piece of it (digits, "eth", ...) is extracted.
    assert not any(e.overlaps(reported[0].start, reported[0].end) for e in found)


@pytest.mark.parametrize(
    ("address", "reason"),
    [  # BIP350's invalid vectors on mainnet, and BIP173's mixed case
        ("bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqh2y7hd", "wrong_encoding"),
        ("BC1S0XLXVLHEMJA6C4DQV22UAPCTQUPFHLXM9H8Z3K2E72Q4K9HCZ7VQ54WELL", "wrong_encoding"),
        ("bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kemeawh", "wrong_encoding"),
        ("bc1p38j9r5y49hruaue7wxjce0updqjuyyx0kh56v8s25huc6995vvpql3jow4", "invalid_character"),
        ("BC130XLXVLHEMJA6C4DQV22UAPCTQUPFHLXM9H8Z3K2E72Q4K9HCZ7VQ7ZWS8R", "bad_witness_version"),
        ("bc1pw5dgrnzv", "bad_witness_program"),
        (
            "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7v8n0nx0muaewav253zgeav",
            "bad_witness_program",
        ),
        ("BC1QR508D6QEJXTDG4Y5R3ZARVARYV98GJ9P", "bad_witness_program"),
        ("bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7v07qwwzcrf", "bad_witness_program"),
        ("bc1gmk9yu", "bad_length"),
        ("bc1qW508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4", "mixed_case"),
    ],
)
def test_bip350_invalid_vectors(address: str, reason: str) -> None:
    assert ref_segwit_decode(address) is None
    verdict = check_address(address)
    assert (verdict.valid, verdict.reason) == (False, reason)


@pytest.mark.parametrize(
    ("address", "version"),
    [
        ("bc1pw508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7kt5nd6y", 1),
        ("BC1SW50QGDZ25J", 16),
        ("bc1zw508d6qejxtdg4y5r3zarvaryvaxxpcs", 2),
        ("bc1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3qccfmv3", 0),  # P2WSH
    ],
)
def test_bip350_valid_vectors(address: str, version: int) -> None:
    reference = ref_segwit_decode(address)
    assert reference is not None and reference[0] == version
    verdict = check_address(address)
    assert verdict.valid
    assert verdict.attrs["witness_version"] == str(version)
    assert verdict.address_type == ("bech32" if version == 0 else "bech32m")
    assert verdict.normalized == address.lower()


@pytest.mark.parametrize("address", EIP55_VECTORS)
def test_eip55_vectors(address: str) -> None:
    assert eip55_checksum(address.lower()) == address
    verdict = check_address(address)
    assert verdict.valid and verdict.normalized == address
    body = address[2:]
    mixed = body != body.lower() and body != body.upper()
    assert verdict.attrs["checksum"] == ("valid" if mixed else "unchecked")


def test_eip55_rejects_one_flipped_case_but_accepts_single_case() -> None:
    good = "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359"
    assert check_address(good.replace("fB69", "fb69")).reason == "bad_checksum"
    lower = check_address(good.lower())
    assert (lower.valid, lower.attrs["checksum"], lower.normalized) == (True, "unchecked", good)
    upper = check_address("0x" + good[2:].upper())
    assert (upper.valid, upper.attrs["checksum"]) == (True, "unchecked")
    # NIST SHA3-256 (not Keccak) would give another checksum; the vector must not match it.
    sha3 = hashlib.sha3_256(good[2:].lower().encode()).hexdigest()
    sha3_form = "".join(
        c.upper() if c.isalpha() and int(d, 16) >= 8 else c
        for c, d in zip(good[2:].lower(), sha3, strict=False)
    )
    assert "0x" + sha3_form != good


def test_checksummed_but_wrong_version_is_rejected() -> None:
    tron = ref_base58check(TRON_USDT)
    assert tron is not None
    assert ref_b58encode_check(tron) == TRON_USDT  # the encoder agrees with the real address
    wrong_version = ref_b58encode_check(b"\x42" + tron[1:])  # still "T...", 34 characters
    assert wrong_version.startswith("T") and len(wrong_version) == 34
    assert check_address(wrong_version).reason == "bad_version"
    assert [e.attrs["reason"] for e in invalid_addresses(wrong_version)] == ["bad_version"]


def test_solana_accepts_any_32_bytes_but_nothing_else() -> None:
    usdt_mint = "Es9vMFrzaCERmJfrF4H2FYD4KCoNkY11McCe8BenwNYB"
    assert len(ref_b58decode(usdt_mint)) == 32
    assert check_address(usdt_mint).chain == "solana"
    assert check_address(twin(SOLANA_USDC, to="0")).reason == "invalid_character"
    assert check_address(twin(SOLANA_USDC, 0, "z")).reason == "bad_length"  # 33 bytes
    # Solana has no checksum, so a changed-but-decodable twin cannot be caught and is not
    # reported as a typo either.
    assert invalid_addresses(f"addr {twin(SOLANA_USDC, 0, 'z')}") == []


def test_words_and_numbers_are_neither_addresses_nor_typos() -> None:
    text = (
        "Supercalifragilisticexpialidocious 1234567891234567891234567891 "
        "3333333333333333333333333333333333 thequickbrownfoxjumpsoverthelazydog"
    )
    assert extract_entities(text, now=NOW) == []
    assert invalid_addresses(text) == []


def test_full_width_address_is_found_with_original_span() -> None:
    wide = "".join(chr(ord(c) + 0xFEE0) for c in TRON_USDT)
    text = f"地址：{wide}"
    [address] = extract_entities(text, now=NOW)
    assert (address.kind, address.value, address.text) == ("address", TRON_USDT, wide)
    assert text[address.start : address.end] == wide


# --- Transaction hashes ---


def test_tx_hash_forms() -> None:
    shouted_eth = "0x" + ETH_FIRST_TX[2:].upper()
    text = f"txs: {BTC_GENESIS_COINBASE_TX}, {shouted_eth}, {SOLANA_SIGNATURE}"
    hashes = extract_entities(text, now=NOW)
    assert [(e.kind, e.value, e.attrs["chain"]) for e in hashes] == [
        ("tx_hash", BTC_GENESIS_COINBASE_TX, "bitcoin_or_tron"),
        ("tx_hash", ETH_FIRST_TX, "evm"),  # normalised to lower case
        ("tx_hash", SOLANA_SIGNATURE, "solana"),
    ]
    assert hashes[1].text == shouted_eth


@pytest.mark.parametrize(
    ("context", "chain", "value"),
    [
        ("", "bitcoin_or_tron", BTC_GENESIS_COINBASE_TX),
        ("我的BTC充值", "bitcoin", BTC_GENESIS_COINBASE_TX),
        ("USDT TRC20 提币", "tron", BTC_GENESIS_COINBASE_TX),
        ("USDT ERC20 deposit", "evm", "0x" + BTC_GENESIS_COINBASE_TX),
        ("BTC and TRC20", "tron", BTC_GENESIS_COINBASE_TX),  # a named network beats a coin
        ("BTC链和TRC20都试过", "bitcoin_or_tron", BTC_GENESIS_COINBASE_TX),
    ],
)
def test_bare_hex_hash_chain_from_context(context: str, chain: str, value: str) -> None:
    found = extract_entities(f"{context} hash {BTC_GENESIS_COINBASE_TX}", now=NOW)
    [tx] = of_kind(found, "tx_hash")
    assert (tx.value, tx.attrs["chain"], tx.text) == (value, chain, BTC_GENESIS_COINBASE_TX)


@pytest.mark.parametrize(
    "text",
    [
        BTC_GENESIS_COINBASE_TX[:-1],  # 63 hex
        BTC_GENESIS_COINBASE_TX + "a",  # 65 hex
        ETH_FIRST_TX[:-1],
        twin(BTC_GENESIS_COINBASE_TX, 10, "g"),  # not hex
        twin(SOLANA_SIGNATURE, 10, "0"),  # not base58
        "1" + SOLANA_SIGNATURE,  # a leading zero byte: 65 bytes
    ],
)
def test_malformed_tx_hashes_are_not_hashes(text: str) -> None:
    assert of_kind(extract_entities(f"txid {text}", now=NOW), "tx_hash") == []


def test_64_hex_after_private_key_is_extracted_as_is() -> None:
    found = extract_entities(f"my private key is {BTC_GENESIS_COINBASE_TX}", now=NOW)
    assert kinds(found) == [("tx_hash", BTC_GENESIS_COINBASE_TX)]


# --- Coins and networks ---


@pytest.mark.parametrize(
    ("text", "kind", "value"),
    [
        ("USDT", "coin", "USDT"),
        ("泰达币", "coin", "USDT"),
        ("100U", "coin", "USDT"),
        ("提U", "coin", "USDT"),
        ("比特币", "coin", "BTC"),
        ("大饼", "coin", "BTC"),
        ("以太坊", "coin", "ETH"),
        ("以太", "coin", "ETH"),
        ("姨太", "coin", "ETH"),
        ("ETHEREUM", "coin", "ETH"),
        ("BNB", "coin", "BNB"),
        ("索拉纳", "coin", "SOL"),
        ("瑞波币", "coin", "XRP"),
        ("TON", "coin", "TON"),
        ("波场币", "coin", "TRX"),
        ("狗狗币", "coin", "DOGE"),
        ("ADA", "coin", "ADA"),
        ("usdc", "coin", "USDC"),
        ("LINK", "coin", "LINK"),
        ("DOT", "coin", "DOT"),
        ("BCN", "coin", "BCN"),
        ("ｕｓｄｔ", "coin", "USDT"),
        ("以太坊网络", "network", "ERC20"),
        ("erc20", "network", "ERC20"),
        ("via Ethereum", "network", "ERC20"),
        ("trc-20", "network", "TRC20"),
        ("TRC 20", "network", "TRC20"),
        ("ＴＲＣ２０", "network", "TRC20"),
        ("波场", "network", "TRC20"),
        ("TRON", "network", "TRC20"),
        ("BSC", "network", "BEP20"),
        ("BNB Smart Chain", "network", "BEP20"),
        ("币安智能链", "network", "BEP20"),
        ("Solana network", "network", "SOL"),
        ("SOL链", "network", "SOL"),
        ("Bitcoin network", "network", "BTC"),
        ("走BTC链", "network", "BTC"),
        ("TON链", "network", "TON"),
        ("Polygon", "network", "POLYGON"),
        ("Arbitrum", "network", "ARBITRUM"),
        ("Optimism", "network", "OPTIMISM"),
        ("Lightning Network", "network", "LIGHTNING"),
        ("闪电网络", "network", "LIGHTNING"),
    ],
)
def test_assets(text: str, kind: str, value: str) -> None:
    found = [e for e in extract_entities(f"关于 {text} 的问题", now=NOW) if e.kind != "amount"]
    assert kinds(found) == [(kind, value)]


@pytest.mark.parametrize(
    "text",
    [
        "I sold my solution yesterday",
        "the method is wrong",
        "u ok? thank u",
        "a ton of work, click the link, connect the dots",
        "automatic transmission, whether or not, an electron",
        "my U盾 is lost",
        "以太网连不上",
        "USB drive",
    ],
)
def test_no_asset_false_positives(text: str) -> None:
    assert [e for e in extract_entities(text, now=NOW) if e.kind in ("coin", "network")] == []


def test_pair_and_network_suffixes() -> None:
    found = extract_entities("BTC/USDT，USDT-TRC20，USDT(ERC20)", now=NOW)
    assert kinds(found) == [
        ("coin", "BTC"),
        ("coin", "USDT"),
        ("coin", "USDT"),
        ("network", "TRC20"),
        ("coin", "USDT"),
        ("network", "ERC20"),
    ]


# --- Amounts ---


@pytest.mark.parametrize(
    ("text", "amount", "unit", "span"),
    [
        ("提了100 USDT", "100", "USDT", "100"),
        ("send 0.5btc now", "0.5", "BTC", "0.5"),
        ("1,000.50 USDT", "1000.5", "USDT", "1,000.50"),
        ("1万U", "10000", "USDT", "1万"),
        ("1.5万U", "15000", "USDT", "1.5万"),
        ("五百个USDT", "500", "USDT", "五百"),
        ("3千", "3000", "", "3千"),
        ("两百", "200", "", "两百"),
        ("两万五", "25000", "", "两万五"),
        ("一百零五个ETH", "105", "ETH", "一百零五"),
        ("半个BTC", "0.5", "BTC", "半"),
        ("一个半ETH", "1.5", "ETH", "一个半"),
        ("零点五个比特币", "0.5", "BTC", "零点五"),
        ("10k USDT", "10000", "USDT", "10k"),
        ("0.00001234 BTC", "0.00001234", "BTC", "0.00001234"),
        ("$50", "50", "USD", "$50"),
        ("充了100块", "100", "CNY", "100"),
        ("提了500没到账", "500", "", "500"),
        ("I withdrew 250 yesterday", "250", "", "250"),
        ("ｌｏｓｔ　１００　ＵＳＤＴ", "100", "USDT", "１００"),
    ],
)
def test_amounts(text: str, amount: str, unit: str, span: str) -> None:
    [found] = of_kind(extract_entities(text, now=NOW), "amount")
    assert Decimal(found.value) == Decimal(amount)
    assert found.value == amount  # plain digits, no exponent, no float artefacts
    assert (found.attrs["unit"], found.text) == (unit, span)


@pytest.mark.parametrize(
    "text",
    [
        "等了3天",
        "三千人排队",
        "2FA code",
        "I sent 2 emails",
        "千万不要转",
        "稍等一下",
        "十分感谢",
        "5%手续费",
        "第一万名",
        "周三到账",
        "用ERC20网络",
        "2026年",
        "1/2 BTC",
        "there are 3 issues",
    ],
)
def test_numbers_that_are_not_amounts(text: str) -> None:
    assert of_kind(extract_entities(text, now=NOW), "amount") == []


def test_ids_hashes_and_times_are_not_amounts() -> None:
    text = (
        f"订单号 230915123456789012，UID 100001，工单 #100234，"
        f"hash {BTC_GENESIS_COINBASE_TX}，昨天下午3点，3小时前，2026-11-20 14:30，提了100U"
    )
    found = extract_entities(text, now=NOW)
    assert [e.text for e in of_kind(found, "amount")] == ["100"]
    assert_spans_consistent(text, found)


@pytest.mark.parametrize(
    ("numeral", "value"),
    [
        ("三千五", "3500"),
        ("一百五", "150"),
        ("十五", "15"),
        ("二十", "20"),
        ("一万零五", "10005"),
        ("三亿五千万", "350000000"),
        ("1万5", "15000"),
        ("1,000.50", "1000.50"),
        ("一一", None),
        ("十百", None),
    ],
)
def test_parse_number(numeral: str, value: str | None) -> None:
    assert parse_number(numeral) == (None if value is None else Decimal(value))


# --- Times ---


@pytest.mark.parametrize(
    ("text", "value", "precision"),
    [
        ("昨天下午3点", "2026-11-20T15:00:00+08:00", "hour"),
        ("今天上午10点半", "2026-11-21T10:30:00+08:00", "minute"),
        ("前天晚上8点", "2026-11-19T20:00:00+08:00", "hour"),
        ("昨晚11点", "2026-11-20T23:00:00+08:00", "hour"),
        ("凌晨2点", "2026-11-21T02:00:00+08:00", "hour"),
        ("中午1点", "2026-11-21T13:00:00+08:00", "hour"),
        ("十二点一刻", "2026-11-21T12:15:00+08:00", "minute"),
        ("3小时前", "2026-11-21T07:00:00+08:00", "hour"),
        ("半小时前", "2026-11-21T09:30:00+08:00", "minute"),
        ("一个半小时前", "2026-11-21T08:30:00+08:00", "minute"),
        ("两天前", "2026-11-19T00:00:00+08:00", "day"),
        ("2026-11-20 14:30", "2026-11-20T14:30:00+08:00", "minute"),
        ("11月20日", "2026-11-20T00:00:00+08:00", "day"),
        ("12月1日", "2025-12-01T00:00:00+08:00", "day"),  # not yet this year: last year's
        ("11月20号下午3点", "2026-11-20T15:00:00+08:00", "hour"),
        ("11/20 14:30", "2026-11-20T14:30:00+08:00", "minute"),
        ("昨天", "2026-11-20T00:00:00+08:00", "day"),
        ("2026-11-20T06:30:00Z", "2026-11-20T14:30:00+08:00", "second"),
    ],
)
def test_chinese_and_numeric_times(text: str, value: str, precision: str) -> None:
    [found] = of_kind(extract_entities(f"我{text}提的币", now=NOW), "datetime")
    assert (found.value, found.attrs["precision"], found.text) == (value, precision, text)


@pytest.mark.parametrize(
    ("text", "value", "precision"),
    [
        ("yesterday 3pm", "2026-11-20T15:00:00+00:00", "hour"),
        ("yesterday at 3:15 pm", "2026-11-20T15:15:00+00:00", "minute"),
        ("3pm yesterday", "2026-11-20T15:00:00+00:00", "hour"),
        ("today at 10:30", "2026-11-21T10:30:00+00:00", "minute"),
        ("2 hours ago", "2026-11-21T00:00:00+00:00", "hour"),
        ("an hour ago", "2026-11-21T01:00:00+00:00", "hour"),
        ("half an hour ago", "2026-11-21T01:30:00+00:00", "minute"),
        ("15 minutes ago", "2026-11-21T01:45:00+00:00", "minute"),
        ("3 days ago", "2026-11-18T00:00:00+00:00", "day"),
        ("Nov 20 at 3pm", "2026-11-20T15:00:00+00:00", "hour"),
        ("20 November 2025", "2025-11-20T00:00:00+00:00", "day"),
    ],
)
def test_english_times_default_to_utc(text: str, value: str, precision: str) -> None:
    [found] = of_kind(extract_entities(f"I sent it {text}, where is it?", now=NOW), "datetime")
    assert (found.value, found.attrs["precision"], found.text) == (value, precision, text)


@pytest.mark.parametrize(
    ("text", "start", "end", "part"),
    [
        ("this morning", "2026-11-21T06:00:00+00:00", "2026-11-21T12:00:00+00:00", "morning"),
        ("last night", "2026-11-20T18:00:00+00:00", "2026-11-21T06:00:00+00:00", "night"),
        (
            "yesterday afternoon",
            "2026-11-20T12:00:00+00:00",
            "2026-11-20T18:00:00+00:00",
            "afternoon",
        ),
    ],
)
def test_parts_of_day_are_windows(text: str, start: str, end: str, part: str) -> None:
    [found] = of_kind(extract_entities(f"it was {text}", now=NOW), "datetime")
    assert found.value == start
    assert found.attrs == {"precision": "part_of_day", "part_of_day": part, "end": end}


def test_chinese_part_of_day_window_uses_shanghai() -> None:
    [found] = of_kind(extract_entities("昨天下午", now=NOW), "datetime")
    assert found.value == "2026-11-20T12:00:00+08:00"
    assert found.attrs["end"] == "2026-11-20T18:00:00+08:00"


def test_time_zone_parameter() -> None:
    # 02:00 UTC on the 21st is still the evening of the 20th in New York.
    [found] = of_kind(extract_entities("yesterday 3pm", now=NOW, tz="America/New_York"), "datetime")
    assert found.value == "2026-11-19T15:00:00-05:00"
    [zh] = of_kind(extract_entities("昨天下午3点", now=NOW, tz="UTC"), "datetime")
    assert zh.value == "2026-11-20T15:00:00+00:00"


def test_naive_now_is_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        extract_entities("昨天", now=datetime(2026, 11, 21, 10, 0))


@pytest.mark.parametrize(
    "text",
    ["早上好", "晚上好", "good morning", "快一点", "有两点需要注意", "I may 5 times", "16:9屏幕"],
)
def test_no_time_false_positives(text: str) -> None:
    assert of_kind(extract_entities(text, now=NOW), "datetime") == []


def test_chinese_numeral_decimal_is_an_amount_not_a_time() -> None:
    found = extract_entities("三点五个BTC", now=NOW)
    assert kinds(found) == [("amount", "3.5"), ("coin", "BTC")]


# --- Identifiers ---


@pytest.mark.parametrize(
    ("text", "kind", "value"),
    [
        ("order id: AB12345678", "order_id", "AB12345678"),
        ("order #230915123456789012", "order_id", "230915123456789012"),
        ("订单号 230915123456789012", "order_id", "230915123456789012"),
        ("订单编号：X2023091500001", "order_id", "X2023091500001"),
        ("委托单号 98765432", "order_id", "98765432"),
        ("这笔 230915123456789012 没成交", "order_id", "230915123456789012"),
        ("ticket #100234", "ticket", "100234"),
        ("see #100234", "ticket", "100234"),
        ("工单 300456", "ticket", "300456"),
        ("UID 100001", "uid", "100001"),
        ("uid:100001", "uid", "100001"),
        ("我的UID是100001", "uid", "100001"),
        ("ＵＩＤ：１０００００１", "uid", "1000001"),
        ("my uid is 1234567890", "uid", "1234567890"),
    ],
)
def test_identifiers(text: str, kind: str, value: str) -> None:
    found = extract_entities(text, now=NOW)
    assert kinds(found) == [(kind, value)]
    assert_spans_consistent(text, found)


@pytest.mark.parametrize(
    "text",
    [
        "order is pending",
        "order id: ABCDEFGHIJ",  # no digit: a word, not an id
        "23091512345678901",  # 17 digits
        "2309151234567890123",  # 19 digits
        "#12345",  # 5 digits
        "fluid 100000",
        "uid 12345",
        "uid 12345678901",
    ],
)
def test_not_identifiers(text: str) -> None:
    assert [e for e in extract_entities(text, now=NOW) if e.kind != "amount"] == []


# --- The whole message ---


def test_chinese_support_message() -> None:
    text = (
        f"我昨天下午3点从OKX提了500个USDT到TRC20地址 {TRON_USDT}，"
        f"哈希是 {BTC_GENESIS_COINBASE_TX}，订单号230915123456789012，UID 100001"
    )
    found = extract_entities(text, now=NOW)
    assert kinds(found) == [
        ("datetime", "2026-11-20T15:00:00+08:00"),
        ("amount", "500"),
        ("coin", "USDT"),
        ("network", "TRC20"),
        ("address", TRON_USDT),
        ("tx_hash", BTC_GENESIS_COINBASE_TX),
        ("order_id", "230915123456789012"),
        ("uid", "100001"),
    ]
    assert of_kind(found, "tx_hash")[0].attrs["chain"] == "tron"
    assert of_kind(found, "amount")[0].attrs["unit"] == "USDT"
    assert_spans_consistent(text, found)


def test_english_support_message() -> None:
    text = (
        f"Hi, I deposited 0.25 ETH via Arbitrum to {EIP55_VECTORS[5]} 2 hours ago, "
        f"tx {ETH_FIRST_TX}, ticket #100234. My UID is 100001."
    )
    found = extract_entities(text, now=NOW)
    assert kinds(found) == [
        ("amount", "0.25"),
        ("coin", "ETH"),
        ("network", "ARBITRUM"),
        ("address", EIP55_VECTORS[5]),
        ("datetime", "2026-11-21T00:00:00+00:00"),
        ("tx_hash", ETH_FIRST_TX),
        ("ticket", "100234"),
        ("uid", "100001"),
    ]
    assert_spans_consistent(text, found)


def test_full_width_message_reports_original_spans() -> None:
    text = "ＵＩＤ：１００００１，昨天提了１００ＵＳＤＴ（ＴＲＣ２０）"
    found = extract_entities(text, now=NOW)
    assert kinds(found) == [
        ("uid", "100001"),
        ("datetime", "2026-11-20T00:00:00+08:00"),
        ("amount", "100"),
        ("coin", "USDT"),
        ("network", "TRC20"),
    ]
    assert [e.text for e in found] == ["１００００１", "昨天", "１００", "ＵＳＤＴ", "ＴＲＣ２０"]
    assert_spans_consistent(text, found)


def test_length_changing_compatibility_characters_do_not_shift_spans() -> None:
    # NFKC turns "㎏" into "kg" and "㍿" into "株式会社"; spans must still point at "100".
    text = "㍿㎏㎏ 提了100 USDT"
    found = extract_entities(text, now=NOW)
    assert [(e.kind, e.text) for e in found] == [("amount", "100"), ("coin", "USDT")]
    assert_spans_consistent(text, found)


@pytest.mark.parametrize(
    "text",
    [
        f"{BTC_GENESIS}{BTC_GENESIS_COINBASE_TX}",
        f"100USDT{TRON_USDT} 3pm 3点 #100234 uid100001 TRC20 ERC20 0.5btc",
        "昨天下午3点3小时前11月20日2026-11-20 14:30 两百三千1万U",
        f"{ETH_FIRST_TX}{EIP55_VECTORS[0]}",
    ],
)
def test_entities_never_overlap(text: str) -> None:
    assert_spans_consistent(text, extract_entities(text, now=NOW))


def test_entity_is_hashable_and_immutable() -> None:
    [entity] = extract_entities("UID 100001", now=NOW)
    assert entity in {entity}
    with pytest.raises(AttributeError):
        entity.value = "x"  # type: ignore[misc]
