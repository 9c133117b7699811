"""Deterministic, well-formed chain identifiers for demo data.

Each value is derived from a seed string with SHA-256, so tests and documentation can quote it,
and is encoded the way the chain encodes it (checksums included), so validators, explorers'
formats and entity extraction treat demo data exactly like real data.
"""

from __future__ import annotations

import base64
import hashlib

import base58
import bech32
from Crypto.Hash import keccak


def _digest(seed: str) -> bytes:
    return hashlib.sha256(f"beacon-demo:{seed}".encode()).digest()


def tx_hash(seed: str) -> str:
    """64 hex digits: the form of Bitcoin, TRON, TON and XRP transaction ids."""
    return _digest(f"tx:{seed}").hex()


def evm_tx_hash(seed: str) -> str:
    """0x and 64 hex digits: Ethereum / BNB Smart Chain."""
    return "0x" + tx_hash(seed)


def numeric_id(seed: str, digits: int) -> str:
    """A decimal id of exactly ``digits`` digits, never starting with 0."""
    low = 10 ** (digits - 1)
    return str(low + int.from_bytes(_digest(f"id:{seed}"), "big") % (9 * low))


def eip55(hex_address: str) -> str:
    """The EIP-55 mixed-case checksum form of a 40-hex-digit address."""
    lower = hex_address.lower().removeprefix("0x")
    nibbles = keccak.new(digest_bits=256, data=lower.encode()).hexdigest()
    return "0x" + "".join(
        c.upper() if int(n, 16) >= 8 else c for c, n in zip(lower, nibbles[:40], strict=True)
    )


def evm_address(seed: str) -> str:
    """An EVM (Ethereum, BNB Smart Chain) address, EIP-55 checksummed."""
    return eip55(_digest(f"evm:{seed}")[:20].hex())


def tron_address(seed: str) -> str:
    """A TRON base58check address (version byte 0x41, so it starts with "T")."""
    return base58.b58encode_check(b"\x41" + _digest(f"tron:{seed}")[:20]).decode()


def btc_address(seed: str) -> str:
    """A native SegWit (P2WPKH, bech32 "bc1q...") Bitcoin address."""
    address = bech32.encode("bc", 0, list(_digest(f"btc:{seed}")[:20]))
    assert address is not None
    return address


def solana_address(seed: str) -> str:
    """A Solana address: 32 bytes in base58."""
    return base58.b58encode(_digest(f"sol:{seed}")).decode()


def _crc16_xmodem(data: bytes) -> int:
    crc = 0
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else crc << 1
            crc &= 0xFFFF
    return crc


def ton_address(seed: str, *, bounceable: bool = True) -> str:
    """A user-friendly TON address on the basechain ("EQ..." bounceable, "UQ..." not)."""
    raw = bytes([0x11 if bounceable else 0x51, 0x00]) + _digest(f"ton:{seed}")
    return base64.urlsafe_b64encode(raw + _crc16_xmodem(raw).to_bytes(2, "big")).decode()
