"""Trust: the secret masker's throughput, precision and recall, and the official-channel
checker's latency.

Throughput is single-threaded messages per second over a realistic mixed stream: the help
center's similar questions (how customers phrase questions, in English and Chinese) with
tx hashes, addresses and amounts put into some of them, and the corpus's examples mixed in so
that about one message in twenty carries a secret.

Quality is measured on the public corpus (tests/trust/masker_corpus.yaml) two ways:
- span level: every substring the corpus says must be masked is one expected span; it is found
  when findings cover all of it. A finding is correct when it overlaps an expected span, and a
  false positive otherwise (all findings in negative examples are false positives);
- kind level: per example, the kinds found against the kinds expected.

A second, generated set checks that the corpus is not all the masker knows: random values of
every kind (fresh BIP39 entropy, keys, card numbers that pass Luhn) in support-chat templates,
and as negatives every line of the demo help center and every similar question, a third of them
with a random tx hash, address, order id, phone number, amount or date appended.

The checker's latency is the wall time of ``verify()`` on a list of official values, look-alikes
and unrelated values, against the demo exchange's published channels held in memory (the one
query that reads them from the database is not included).
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import base58
import frontmatter
import yaml
from mnemonic import Mnemonic

from kefu.trust.masking import SecretFinding, find_secrets, mask_secrets

Out = Callable[[str], None]
ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "tests" / "trust" / "masker_corpus.yaml"
ARTICLES = ROOT / "kefu" / "helpcenter" / "demo" / "articles"
TARGET = 0.99

# Identifiers customers paste next to their questions (public: Bitcoin's genesis coinbase
# transaction and address, EIP-55's example address, Tether's TRON contract).
IDENTIFIERS = [
    "4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b",
    "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa",
    "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
    "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t",
    "order 8389765512345678",
    "250.5 USDT",
    "2026-11-20 14:30",
    "13812345678",
]
CHECKER_VALUES = [
    "beacon.example",
    "https://www.beacon.example/en/support",
    "support@beacon.example",
    "@BeaconSupportBot",
    "https://t.me/BeaconExchange",
    "beac0n.example",
    "beacon-support.example",
    "xn--bacon-5ve.example",
    "bеacon.example",  # Cyrillic e
    "support@beacon-help.com",
    "beacon.example.security-check.io",
    "@Beacon_Support",
    "@BeaconSupportB0t",
    "+1 555 0100 200",
    "wechat: beacon_kefu",
    "google.com",
    "binance.com",
    "https://beacon.example.login-verify.net/reset",
    "t.me/+AbCdEf123",
    "noreply@mail.beacon.example",
]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--seconds", type=float, default=3.0, help="how long to run the throughput stream"
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--rounds", type=int, default=200, help="checker: calls per value")
    parser.add_argument("--generated", type=int, default=600, help="generated secrets")


def run(options: argparse.Namespace, out: Out) -> dict[str, Any]:
    corpus = yaml.safe_load(CORPUS.read_text("utf-8"))
    out(f"corpus: {len(corpus)} examples, {sum(1 for e in corpus if e['kinds'])} with secrets")
    quality = corpus_quality(corpus)
    for level in ("span", "kind"):
        q = quality[level]
        out(
            f"{level} level: precision {q['precision']:.4f}, recall {q['recall']:.4f} "
            f"(tp {q['tp']}, fp {q['fp']}, fn {q['fn']})"
        )
    for miss in quality["misses"][:10]:
        out(f"  miss: {miss}")
    generated = generated_quality(random.Random(options.seed), options.generated)
    out(
        f"generated set ({generated['positives']} secrets, {generated['negatives']} ordinary "
        f"lines): precision {generated['precision']:.4f}, recall {generated['recall']:.4f} "
        "(kind level)"
    )
    for miss in generated["misses"][:10]:
        out(f"  miss: {miss}")
    speed = throughput(corpus, options.seconds, random.Random(options.seed))
    out(
        f"throughput: {speed['messages_per_second']:,.0f} messages/s "
        f"({speed['secret_share']:.1%} with a secret, {speed['mean_chars']:.0f} chars on average)"
    )
    checker = checker_latency(options.rounds)
    if checker:
        out(
            f"checker: p50 {checker['p50_us']:.0f} µs, p99 {checker['p99_us']:.0f} µs "
            f"over {checker['values']} values x {options.rounds}"
        )
    else:
        out("checker: not available")
    met = all(
        quality[level][m] >= TARGET for level in ("span", "kind") for m in ("precision", "recall")
    )
    out(f"targets (precision and recall >= {TARGET}): {'met' if met else 'NOT met'}")
    return {
        "masker": {
            "corpus_examples": len(corpus),
            "precision": quality["span"]["precision"],
            "recall": quality["span"]["recall"],
            "span": {k: v for k, v in quality["span"].items()},
            "kind": {k: v for k, v in quality["kind"].items()},
            "messages_per_second": round(speed["messages_per_second"]),
            "stream_secret_share": round(speed["secret_share"], 4),
        },
        "generated": {k: v for k, v in generated.items() if k != "misses"},
        "checker": checker,
        "targets_met": met,
    }


def corpus_quality(corpus: list[dict[str, Any]]) -> dict[str, Any]:
    span = {"tp": 0, "fp": 0, "fn": 0, "found_spans": 0, "expected_spans": 0}
    kind = {"tp": 0, "fp": 0, "fn": 0}
    misses: list[str] = []
    for example in corpus:
        text = example["text"]
        findings = find_secrets(text)
        expected = _spans(text, example["masked"])
        span["expected_spans"] += len(expected)
        for start, end in expected:
            if _covered(start, end, findings):
                span["found_spans"] += 1
            else:
                misses.append(f"{example['id']}: {text[start:end][:40]!r} not masked")
        for finding in findings:
            if any(finding.start < end and start < finding.end for start, end in expected):
                span["tp"] += 1
            else:
                span["fp"] += 1
                misses.append(f"{example['id']}: {text[finding.start : finding.end][:40]!r} masked")
        found_kinds, expected_kinds = {f.kind for f in findings}, set(example["kinds"])
        kind["tp"] += len(found_kinds & expected_kinds)
        kind["fp"] += len(found_kinds - expected_kinds)
        kind["fn"] += len(expected_kinds - found_kinds)
    span["fn"] = span["expected_spans"] - span["found_spans"]
    return {
        "span": {
            **span,
            "precision": _ratio(span["tp"], span["tp"] + span["fp"]),
            "recall": _ratio(span["found_spans"], span["expected_spans"]),
        },
        "kind": {
            **kind,
            "precision": _ratio(kind["tp"], kind["tp"] + kind["fp"]),
            "recall": _ratio(kind["tp"], kind["tp"] + kind["fn"]),
        },
        "misses": misses,
    }


def _spans(text: str, substrings: list[str]) -> list[tuple[int, int]]:
    spans = []
    for value in substrings:
        start = text.find(value)
        while start >= 0:
            spans.append((start, start + len(value)))
            start = text.find(value, start + 1)
    return spans


def _covered(start: int, end: int, findings: list[SecretFinding]) -> bool:
    position = start
    for finding in sorted(findings, key=lambda f: f.start):
        if finding.start <= position < finding.end:
            position = finding.end
    return position >= end


def _ratio(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 1.0


def throughput(
    corpus: list[dict[str, Any]], seconds: float, rng: random.Random
) -> dict[str, float]:
    stream = _stream(corpus, rng)
    with_secret = sum(1 for text in stream if find_secrets(text))
    done, started = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - started) < seconds:
        for text in stream:
            mask_secrets(text)
        done += len(stream)
    return {
        "messages_per_second": done / elapsed,
        "secret_share": with_secret / len(stream),
        "mean_chars": statistics.fmean(len(text) for text in stream),
    }


def _stream(corpus: list[dict[str, Any]], rng: random.Random) -> list[str]:
    """Customer questions, some with an identifier, and one corpus secret in twenty."""
    questions: list[str] = []
    for path in sorted(ARTICLES.rglob("*.md")):
        questions += _similar_questions(path)
    ordinary = [f"{q} {rng.choice(IDENTIFIERS)}" if rng.random() < 0.3 else q for q in questions]
    ordinary += [e["text"] for e in corpus if not e["kinds"]]
    secrets = [e["text"] for e in corpus if e["kinds"]]
    count = max(1, len(ordinary) // 19)
    stream = ordinary + [rng.choice(secrets) for _ in range(count)]
    rng.shuffle(stream)
    return stream


# The generated set ---------------------------------------------------------------------------

SECRET_TEMPLATES: dict[str, list[str]] = {
    "seed_phrase": [
        "my seed phrase is {v}",
        "{v}",
        "words: {v} please help me recover",
        "I typed {v} into the site support sent me",
        "助记词：{v}",
        "{v} 这是我的钱包助记词",
    ],
    "private_key": [
        "my private key is {v}",
        "私钥：{v}",
        "{v} is the key of my wallet",
        "这是我的私钥 {v} 帮我转出来",
        "Private Key {v}",
    ],
    "api_secret": ["api secret: {v}", "API Secret {v}", "我的API密钥是{v}", "secret key = {v}"],
    "password": [
        "my password is {v}",
        "password: {v}",
        "登录密码：{v}",
        "密码是{v}，帮我看看",
        "pw: {v} cant login",
        "交易密码为 {v}",
    ],
    "two_factor_code": [
        "verification code {v}",
        "2FA code: {v}",
        "谷歌验证码 {v}",
        "验证码是{v}",
        "ok the code is {v}",
        "短信验证码：{v}",
    ],
    "card_number": ["card {v} got declined", "卡号 {v}", "{v} is the card I used", "信用卡{v}"],
}


def generated_quality(rng: random.Random, count: int) -> dict[str, Any]:
    tp = fp = fn = 0
    misses: list[str] = []
    positives = [_generated_secret(rng) for _ in range(count)]
    for kind, text in positives:
        found = {f.kind for f in find_secrets(text)}
        tp += kind in found
        fn += kind not in found
        fp += len(found - {kind})
        if found != {kind}:
            misses.append(f"{kind}: {text[:80]!r} -> {sorted(found)}")
    negatives = _ordinary_lines(rng)
    for text in negatives:
        findings = find_secrets(text)
        fp += len({f.kind for f in findings})
        if findings:
            eaten = [text[f.start : f.end] for f in findings]
            misses.append(f"ordinary: {text[:80]!r} -> {eaten}")
    return {
        "positives": len(positives),
        "negatives": len(negatives),
        "precision": _ratio(tp, tp + fp),
        "recall": _ratio(tp, tp + fn),
        "misses": misses,
    }


def _generated_secret(rng: random.Random) -> tuple[str, str]:
    kind = rng.choice(sorted(SECRET_TEMPLATES))
    templates = SECRET_TEMPLATES[kind]
    template = rng.choice(templates)
    chinese = any("\u4e00" <= c <= "\u9fff" for c in template)
    value = _VALUES[kind](rng, chinese)
    return kind, template.format(v=value)


def _seed(rng: random.Random, chinese: bool) -> str:
    words = (
        Mnemonic("chinese_simplified" if chinese else "english")
        .to_mnemonic(rng.randbytes(rng.choice([16, 20, 24, 28, 32])))
        .split()
    )
    style = rng.choice(["spaces", "commas", "numbered"])
    if style == "commas":
        return ("，" if chinese else ", ").join(words)
    if style == "numbered":
        return " ".join(f"{i}. {w}" for i, w in enumerate(words, 1))
    return " ".join(words)


def _private_key(rng: random.Random, chinese: bool) -> str:
    key = rng.randbytes(32)
    form = rng.choice(["hex", "0x", "wif", "wif_c", "xprv"])
    if form == "hex":
        return key.hex()
    if form == "0x":
        return "0x" + key.hex()
    if form in ("wif", "wif_c"):
        return base58.b58encode_check(
            b"\x80" + key + (b"\x01" if form == "wif_c" else b"")
        ).decode()
    payload = bytes.fromhex("0488ade4") + bytes(9) + rng.randbytes(32) + b"\x00" + key
    return base58.b58encode_check(payload).decode()


def _api_secret(rng: random.Random, chinese: bool) -> str:
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    return "".join(rng.choice(alphabet) for _ in range(64))


def _password(rng: random.Random, chinese: bool) -> str:
    letters = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ"
    body = "".join(rng.choice(letters) for _ in range(rng.randint(5, 10)))
    return body + str(rng.randint(10, 9999)) + rng.choice(["", "!", "@", "#"])


def _two_factor(rng: random.Random, chinese: bool) -> str:
    return f"{rng.randint(0, 999999):06d}"


def _card(rng: random.Random, chinese: bool) -> str:
    digits = rng.choice(["4", "51", "52", "53", "54", "55", "62"])
    digits += "".join(str(rng.randint(0, 9)) for _ in range(15 - len(digits)))
    for check in "0123456789":
        if _luhn(digits + check):
            digits += check
            break
    if rng.random() < 0.5:
        return " ".join(digits[i : i + 4] for i in range(0, 16, 4))
    return digits


def _luhn(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char) * (2 if index % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


_VALUES: dict[str, Callable[[random.Random, bool], str]] = {
    "seed_phrase": _seed,
    "private_key": _private_key,
    "api_secret": _api_secret,
    "password": _password,
    "two_factor_code": _two_factor,
    "card_number": _card,
}


def _ordinary_lines(rng: random.Random) -> list[str]:
    lines: list[str] = []
    for path in sorted(ARTICLES.rglob("*.md")):
        post = frontmatter.load(str(path))
        lines += _similar_questions(path)
        lines += [line for line in post.content.splitlines() if len(line.strip()) >= 10]
    return [f"{line} {_identifier(rng)}" if rng.random() < 0.33 else line for line in lines]


def _identifier(rng: random.Random) -> str:
    choice = rng.randrange(7)
    if choice == 0:
        return rng.choice(["", "0x"]) + rng.randbytes(32).hex()
    if choice == 1:
        return "0x" + rng.randbytes(20).hex()
    if choice == 2:
        return "order " + str(rng.randint(10**15, 10**19 - 1))
    if choice == 3:
        return "1" + rng.choice("3456789") + f"{rng.randint(0, 10**9 - 1):09d}"
    if choice == 4:
        return f"{rng.randint(1, 99999)}.{rng.randint(0, 99):02d} USDT"
    if choice == 5:
        return f"2026-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d} {rng.randint(0, 23):02d}:30"
    return base58.b58encode(rng.randbytes(32)).decode()  # a Solana address


def _similar_questions(path: Path) -> list[str]:
    questions = frontmatter.load(str(path)).get("similar_questions")
    return [str(q) for q in questions] if isinstance(questions, list) else []


def checker_latency(rounds: int = 200) -> dict[str, Any]:
    """p50/p99 of the official-channel checker's ``verify``; {} when the checker is not there."""
    try:
        from kefu.trust.channels import PublishedChannel, normalise, verify
        from kefu.trust.demo_data import DEMO_CHANNELS
    except ImportError:
        return {}
    channels = [
        PublishedChannel(str(kind), normalise(kind, value), value)
        for kind, value, _ in DEMO_CHANNELS
    ]
    for value in CHECKER_VALUES:  # warm the look-alike tables and the registry cache
        verify(value, channels=channels)
    times: list[float] = []
    for _ in range(rounds):
        for value in CHECKER_VALUES:
            started = time.perf_counter()
            verify(value, channels=channels)
            times.append(time.perf_counter() - started)
    times.sort()
    return {
        "values": len(CHECKER_VALUES),
        "calls": len(times),
        "p50_us": round(times[len(times) // 2] * 1e6, 1),
        "p99_us": round(times[int(len(times) * 0.99)] * 1e6, 1),
    }
