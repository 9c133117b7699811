"""Building articles for tests through the same action services editors use."""

from __future__ import annotations

from kefu.helpcenter import actions
from kefu.helpcenter.actions import ArticleData, TranslationData
from kefu.helpcenter.models import Article


def make_article(
    slug: str,
    *,
    en: tuple[str, str] | None = None,
    zh: tuple[str, str] | None = None,
    en_questions: list[str] | None = None,
    zh_questions: list[str] | None = None,
    category: str = "deposits",
    status: str = "published",
    tags: list[str] | None = None,
) -> Article:
    """``en``/``zh`` are (title, body) pairs."""
    translations = []
    if en:
        translations.append(
            TranslationData("en", en[0], en[1], summary="", similar_questions=en_questions or [])
        )
    if zh:
        translations.append(
            TranslationData(
                "zh-hans", zh[0], zh[1], summary="", similar_questions=zh_questions or []
            )
        )
    article, _ = actions.upsert_article(
        ArticleData(slug, category, translations, status=status, tags=tags or [])
    )
    return article


def make_article_with_a_body_detail() -> Article:
    """An article whose title and phrasings say nothing of one detail its body mentions: a cat
    in the office ("do you keep any pets at work?" shares no word with any of it)."""
    return make_article(
        "ledger-reconciliation",
        en=(
            "Ledger reconciliation",
            "The nightly job compares balances with the chain.\n\n"
            "## Office life\nOur support team shares the floor with Mochi, a grey cat who "
            "sleeps on the server rack every afternoon.",
        ),
    )
