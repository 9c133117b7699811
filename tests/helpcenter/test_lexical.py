"""The in-memory inverted index: incremental updates must rank as a fresh build does.

Scores may differ a little: an updated index keeps the average document length it was built
with, where a fresh build measures it again.
"""

from __future__ import annotations

import pytest

from kefu.helpcenter import actions
from kefu.helpcenter.models import SearchDocument, SearchTerm
from kefu.helpcenter.search import lexical
from kefu.helpcenter.search.indexer import current_generation
from kefu.helpcenter.search.query import Term

from .factories import make_article

pytestmark = pytest.mark.django_db


def _counts() -> tuple[dict[str, int], int]:
    return dict(SearchTerm.objects.values_list("term", "doc_count")), SearchDocument.objects.count()


def _ranking(index: lexical.LexicalIndex, *words: str) -> list[tuple[int, float]]:
    counts, total = _counts()
    terms = [Term((word,)) for word in words]
    return [(a, s) for a, s, _ in index.rank(terms, 20, counts, total)]


def _articles(count: int) -> list:
    return [
        make_article(
            f"ledger-{i}",
            en=(f"Ledger note {i}", f"Cold storage ledger entry {i} for audit number {i}."),
            en_questions=[f"where is ledger note {i}"],
        )
        for i in range(count)
    ]


def test_edits_are_appended_as_a_segment_and_rank_like_a_fresh_build():
    articles = _articles(12)
    lexical.index_for("en", current_generation())

    actions.unpublish_article(articles[3])
    edited = articles[5]
    make_article(
        edited.slug,
        en=("Ledger note 5 moved", "Hot wallet sweep schedule."),
    )
    updated = lexical.index_for("en", current_generation())

    assert len(updated.segments) == 2, "the change should not rebuild the whole index"
    fresh = lexical.build("en", current_generation())
    for words in (("ledger",), ("cold", "storage"), ("sweep",), ("audit",)):
        mine, theirs = _ranking(updated, *words), _ranking(fresh, *words)
        assert [a for a, _ in mine] == [a for a, _ in theirs]
        assert [s for _, s in mine] == pytest.approx([s for _, s in theirs], rel=0.01)
    found = {a for a, _ in _ranking(updated, "cold")}
    assert articles[3].pk not in found  # unpublished
    assert edited.pk not in found  # its new text no longer says "cold"
    assert {a for a, _ in _ranking(updated, "sweep")} == {edited.pk}


def test_many_changes_fold_into_one_rebuilt_segment(monkeypatch):
    articles = _articles(10)
    before = lexical.index_for("en", current_generation()).document_count
    # The demo help center is loaded too: lower the limit so that four removals pass it.
    monkeypatch.setattr(lexical, "MAX_DEAD_SHARE", 3 / before)
    for article in articles[:4]:
        actions.unpublish_article(article)
    index = lexical.index_for("en", current_generation())
    assert len(index.segments) == 1
    assert index.document_count == before - 4
    assert all(index.segments[0].alive)


def test_a_phrase_matches_only_where_all_its_words_occur():
    both = make_article("quasar-nebula", en=("Quasar nebula", "A quasar beside a nebula."))
    make_article("nebula-only", en=("Nebula", "Just a nebula."))
    index = lexical.index_for("en", current_generation())
    counts, total = _counts()
    phrase = Term(("quasar", "nebula"))
    assert [a for a, _, _ in index.rank([phrase], 10, counts, total)] == [both.pk]


def test_a_half_typed_word_expands_to_the_words_it_starts():
    make_article("zephyrus-fees", en=("Zephyrus fees", "What each zephyrus costs."))
    make_article("zeppelin", en=("Zeppelin basics", "Your zeppelin holds coins."))
    index = lexical.index_for("en", current_generation())
    counts, total = _counts()
    hits = index.rank([Term(("zeph",), prefix=True)], 10, counts, total)
    assert [phrasings[0] for _, _, phrasings in hits] == ["zephyrus fee"]


def test_warm_up_loads_every_language_before_the_first_search():
    from kefu.helpcenter.search import engine, semantic

    engine.reset_caches()
    engine.warm_up()
    generation = current_generation()
    for language in ("en", "zh-hans"):
        assert lexical._indexes[language].generation == generation
        assert lexical._indexes[language].document_count > 0
        assert (generation, language) in semantic._indexes
