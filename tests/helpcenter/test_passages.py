"""Cutting article bodies into passages for the sentence encoder."""

from __future__ import annotations

from kefu.helpcenter.search.passages import MAX_CHARS, MAX_PASSAGES, passages


def test_each_section_is_prefixed_with_the_title_and_its_heading():
    body = (
        "Applies to every account.\n\n## Fees\nWithdrawals cost a network fee.\n\n"
        "### Limits\n- 2 BTC a day"
    )
    assert passages("Withdrawals", body) == [
        "Withdrawals: Applies to every account.",
        "Withdrawals Fees: Withdrawals cost a network fee.",
        "Withdrawals Limits: 2 BTC a day",
    ]


def test_long_sections_are_cut_between_sentences():
    sentence = "A deposit is credited after twelve network confirmations on Ethereum."
    found = passages("Deposits", "## Timing\n" + " ".join([sentence] * 12))
    assert len(found) > 1
    for passage in found:
        text = passage.removeprefix("Deposits Timing: ")
        assert len(text) <= MAX_CHARS
        assert text.endswith("Ethereum.")  # never cut inside a sentence


def test_chinese_sentences_are_cut_at_full_stops():
    sentence = "充值到账需要十二个网络确认，请耐心等待。"
    found = passages("充值", "## 到账时间\n" + sentence * 30)
    assert len(found) > 1
    assert all(p.startswith("充值 到账时间: ") and p.endswith("。") for p in found)


def test_tables_keep_their_rows_and_markup_is_dropped():
    body = "## Levels\n| Level | Limit |\n|---|---|\n| **1** | 2 BTC |\n| 2 | 100 BTC |"
    (passage,) = passages("KYC", body)
    assert passage == "KYC Levels: Level Limit 1 2 BTC 2 100 BTC"


def test_a_very_long_article_keeps_its_first_passages_only():
    body = "\n\n".join(f"## Part {n}\nSection number {n} says one thing." for n in range(40))
    found = passages("Long", body)
    assert len(found) == MAX_PASSAGES
    assert found[0] == "Long Part 0: Section number 0 says one thing."


def test_an_empty_body_has_no_passages():
    assert passages("Title only", "  \n") == []
