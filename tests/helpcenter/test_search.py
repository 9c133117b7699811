"""Search behaviours users rely on, on purpose-built articles and on the demo help center."""

from __future__ import annotations

import pytest

from kefu.helpcenter import actions
from kefu.helpcenter.models import SynonymGroup
from kefu.helpcenter.search import engine
from kefu.helpcenter.search.query import SynonymTable, Vocabulary, parse_query

from .factories import make_article

pytestmark = pytest.mark.django_db


def slugs(q: str, lang: str, limit: int = 5) -> list[str]:
    return [hit.slug for hit in engine.search(q, lang, limit).results]


@pytest.fixture
def wallet_article():
    return make_article(
        "quantum-wallet-migration",
        zh=("量子钱包迁移指南", "把资产从旧的量子钱包迁移到新地址，需要先完成核验。"),
        en=("Quantum wallet migration guide", "Move assets from an old quantum wallet safely."),
        zh_questions=["旧量子钱包里的币怎么转出来"],
        en_questions=["how do I move coins out of my old quantum wallet"],
    )


def test_chinese_query_without_spaces_finds_article(wallet_article):
    assert slugs("量子钱包怎么迁移", "zh-hans")[0] == "quantum-wallet-migration"


def test_traditional_characters_match_simplified(wallet_article):
    assert slugs("量子錢包遷移", "zh-hans")[0] == "quantum-wallet-migration"


def test_full_width_characters_match_half_width(wallet_article):
    assert slugs("ＱＵＡＮＴＵＭ　ＷＡＬＬＥＴ", "en")[0] == "quantum-wallet-migration"


def test_results_are_limited_to_the_requested_language():
    make_article(
        "quantum-vault-english-only",
        en=("Quantum vault migration guide", "Move assets from an old quantum vault safely."),
    )
    assert slugs("quantum vault", "en")[0] == "quantum-vault-english-only"
    assert "quantum-vault-english-only" not in slugs("quantum vault", "zh-hans", 50)


def test_similar_questions_are_searched(wallet_article):
    assert slugs("币怎么转出来", "zh-hans")[0] == "quantum-wallet-migration"


def test_latin_typos_are_corrected(wallet_article):
    found = engine.search("quantom walet", "en", 5)
    assert found.results[0].slug == "quantum-wallet-migration"
    assert found.query.corrections == {"quantom": "quantum", "walet": "wallet"}


def test_demo_typos_withdrawl_and_depost():
    assert any("withdraw" in s for s in slugs("withdrawl fee", "en"))
    found = engine.search("depost not arrived", "en", 5)
    assert found.query.corrections.get("depost") == "deposit"
    assert "deposit-not-credited" in [h.slug for h in found.results]


def test_default_synonyms_cover_withdraw_in_both_languages():
    parsed = engine.search("提现", "zh-hans", 1).query
    terms = {t.text for t in parsed.terms}
    assert {"提现", "提币", "withdraw"} <= terms


def test_synonym_list_is_editable_without_restart():
    make_article("nova-coin", zh=("诺瓦币的上线说明", "诺瓦币现已支持充值。"))
    assert "nova-coin" not in slugs("新星币", "zh-hans")
    actions.save_synonyms(SynonymGroup(terms="诺瓦币, 新星币"))
    assert slugs("新星币", "zh-hans")[0] == "nova-coin"


def test_whole_sentences_find_the_right_demo_article():
    assert "deposit-not-credited" in slugs("我的USDT充值三个小时了还没到账", "zh-hans", 3)
    assert "withdrawal-under-review" in slugs("为什么我的提币一直在审核中", "zh-hans", 3)
    assert "lost-2fa" in slugs(
        "I lost my phone with google authenticator, how do I log in", "en", 3
    )


def test_words_the_segmenter_glues_together_are_looked_up_by_their_dictionary_parts():
    # The segmenter guesses "提的币" is one word; no article has it, but "提" and "币" are known.
    parsed = parse_query("我提的币怎么还没到", SynonymTable([]), Vocabulary({"提": 3, "币": 9}))
    words = {term.tokens for term in parsed.terms}
    assert {("提",), ("币",)} <= words
    unknown = parse_query("我提的币怎么还没到", SynonymTable([]), Vocabulary({}))
    assert ("币",) not in {term.tokens for term in unknown.terms}  # only what the index knows


DEPOSIT_ONLY = {"deposit-not-credited", "deposit-during-maintenance", "deposit-below-minimum"}


def test_a_colloquial_withdrawal_question_finds_withdrawal_articles():
    found = slugs("我提的币怎么还没到", "zh-hans", 3)
    assert found and found[0].startswith("withdrawal")
    assert not DEPOSIT_ONLY & set(found)


@pytest.mark.parametrize(
    ("q", "lang"), [("提现还没到账", "zh-hans"), ("my withdrawal has not arrived yet", "en")]
)
def test_a_withdrawal_question_lists_withdrawal_articles_before_deposit_ones(q, lang):
    found = slugs(q, lang, 5)
    assert any(slug.startswith("withdrawal") for slug in found[:2])
    assert not DEPOSIT_ONLY & set(found[:3])


def test_snippets_highlight_the_matched_words(wallet_article):
    hit = engine.search("量子钱包", "zh-hans", 1).results[0]
    assert "<mark>量子钱包</mark>" in hit.snippet or "<mark>量子</mark>" in hit.snippet


def test_snippets_escape_article_html():
    make_article("escape-check", en=("Zebra escape check", "Zebra <b>bold</b> fees: 1 < 2 & 3 > 2"))
    hit = engine.search("zebra", "en", 1).results[0]
    assert "<b>" not in hit.snippet
    assert "1 &lt; 2 &amp; 3 &gt; 2" in hit.snippet


def test_prefix_search_suggests_while_typing(wallet_article):
    assert engine.search("quant", "en", 5, prefix=True).results[0].slug == (
        "quantum-wallet-migration"
    )


def test_query_of_only_stop_words_returns_nothing_rather_than_failing():
    assert engine.search("的 了 吗", "zh-hans", 5).results == []


@pytest.mark.parametrize(
    ("q", "lang", "limit", "code"),
    [
        ("", "en", 5, "query_empty"),
        ("   ", "en", 5, "query_empty"),
        ("x" * 10_000, "en", 5, "query_too_long"),
        ("deposit", "fr", 5, "unsupported_language"),
        ("deposit", "en", -1, "invalid_limit"),
        ("deposit", "en", 0, "invalid_limit"),
        ("deposit", "en", 1000, "invalid_limit"),
    ],
)
def test_bad_input_raises_stable_codes(q, lang, limit, code):
    with pytest.raises(engine.SearchError) as info:
        engine.search(q, lang, limit)
    assert info.value.code == code
