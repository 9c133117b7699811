"""Draft, publish, unpublish: what the public can see, and the history kept of it."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation

from kefu.events.models import Event
from kefu.helpcenter import actions
from kefu.helpcenter.actions import ArticleData, TranslationData
from kefu.helpcenter.models import ArticleRevision
from kefu.helpcenter.search import engine

from .factories import make_article

pytestmark = pytest.mark.django_db


def article_url(slug: str, lang: str = "en") -> str:
    with translation.override(lang):
        return reverse("helpcenter:article", kwargs={"slug": slug})


def found(q: str) -> list[str]:
    return [h.slug for h in engine.search(q, "en", 10).results]


def test_draft_is_invisible_until_published(client):
    article = make_article("glacier-vault", en=("Glacier vault rules", "x"), status="draft")
    assert "glacier-vault" not in found("glacier vault")
    assert client.get(article_url("glacier-vault")).status_code == 404
    assert client.get("/api/v1/help/articles/glacier-vault").status_code == 404

    actions.publish_article(article)
    assert "glacier-vault" in found("glacier vault")
    assert client.get(article_url("glacier-vault")).status_code == 200
    assert client.get("/api/v1/help/articles/glacier-vault").json()["title"] == (
        "Glacier vault rules"
    )

    actions.unpublish_article(article)
    assert "glacier-vault" not in found("glacier vault")
    assert client.get(article_url("glacier-vault")).status_code == 404
    kinds = list(
        Event.objects.filter(subject_id=str(article.pk), subject_type="helpcenter.article")
        .order_by("id")
        .values_list("kind", flat=True)
    )
    assert kinds == ["article.created", "article.published", "article.unpublished"]


def test_edits_are_revisions_and_reach_the_index():
    article = make_article("orchid-fees", en=("Orchid fee table", "Old text about orchids."))
    actions.upsert_article(
        ArticleData(
            "orchid-fees",
            "deposits",
            [TranslationData("en", "Orchid fee table", "New text mentions tulips.")],
        ),
        note="tulips",
    )
    revisions = ArticleRevision.objects.filter(article=article, language="en").order_by("number")
    assert [r.number for r in revisions] == [1, 2]
    assert "tulips" in revisions.last().body
    assert "orchid-fees" in found("tulips")


def test_unchanged_upsert_writes_no_revision():
    make_article("lotus-limits", en=("Lotus limits", "Same body."))
    _, outcome = actions.upsert_article(
        ArticleData(
            "lotus-limits", "deposits", [TranslationData("en", "Lotus limits", "Same body.")]
        )
    )
    assert outcome == "unchanged"
    assert ArticleRevision.objects.filter(article__slug="lotus-limits").count() == 1


def test_unknown_category_is_refused_and_nothing_is_written():
    with pytest.raises(actions.ContentError) as info:
        make_article("lost-one", en=("Lost", "x"), category="no-such-category")
    assert info.value.code == "unknown_category"
    assert not ArticleRevision.objects.filter(article__slug="lost-one").exists()
