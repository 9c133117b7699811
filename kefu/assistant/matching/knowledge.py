"""The help center as the assistant's knowledge: one label per article, trained on its title,
summary and similar questions in every language, and on its body's words.

Retrained whenever the search index generation moves (an editor published, edited or added a
phrasing), so what editors write is what the assistant knows, without a restart. Sentence
vectors come from the database cache, so a retrain encodes only new phrasings.

Retraining takes seconds for the demo help center and minutes for thousands of articles, so it
runs on a thread of its own: meanwhile the assistant answers with the matcher it has, through
article cards read afresh (an unpublished article is never offered, an edited summary is what
it quotes). ``KEFU_ASSISTANT_RETRAIN = "inline"`` retrains in the caller instead.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from django.conf import settings
from django.db import connection
from django.db.models import Prefetch

from kefu.helpcenter.models import Article, ArticleStatus, ArticleTranslation, SemanticVector
from kefu.helpcenter.rendering import plain_text
from kefu.helpcenter.search.encoders import get_encoder
from kefu.helpcenter.search.indexer import current_generation
from kefu.helpcenter.search.semantic import encode_cached

from ..normalize import normalize_message
from .articles import ArticleMatcher, Phrasing
from .classifier import Prediction
from .direction import Side, keep_side, side_of
from .encoding import QueryEmbedder

# Candidates asked of the matcher, so that three remain once the wrong direction is dropped.
CANDIDATES = 10


@dataclass(frozen=True)
class ArticleCard:
    """What a reply needs of an article, per language."""

    article_id: int
    slug: str
    titles: dict[str, str]
    summaries: dict[str, str]
    side: Side | None = None  # deposit or withdrawal, from its titles

    def title(self, language: str) -> str:
        return self.titles.get(language) or self.titles.get("en") or self.slug

    def summary(self, language: str) -> str:
        return self.summaries.get(language) or self.summaries.get("en") or ""


log = logging.getLogger(__name__)


@dataclass
class Knowledge:
    """``cards`` are the published articles at ``generation``; ``classifier`` may have been
    trained on an earlier generation while a retrain runs (``retraining``)."""

    generation: int
    classifier: ArticleMatcher | None
    cards: dict[str, ArticleCard]
    retraining: bool = False

    def match(self, text: str) -> Prediction | None:
        """The best articles for ``text``, all of them published; never one about the
        opposite of the deposit or withdrawal it names."""
        if self.classifier is None:
            return None
        # An article unpublished since the matcher was trained is no longer a card.
        prediction = self.classifier.predict(text, top=CANDIDATES).keeping(self.cards.__contains__)
        sides = {label: card.side for label, card in self.cards.items()}
        return keep_side(prediction, side_of(normalize_message(text)), sides)


def _embed_cached(texts: Sequence[str]) -> np.ndarray:
    encoder = get_encoder()
    assert encoder is not None
    return encode_cached(encoder, texts, as_query=True)


def training_rows() -> tuple[list[Phrasing], dict[str, str], dict[str, ArticleCard]]:
    """Every published article's phrasings, its body text (all languages) and its card."""
    phrasings: list[Phrasing] = []
    bodies: dict[str, str] = {}
    cards: dict[str, ArticleCard] = {}
    articles = Article.objects.filter(status=ArticleStatus.PUBLISHED).prefetch_related(
        "translations", "similar_questions"
    )
    for article in articles:
        label = str(article.pk)
        translations = list(article.translations.all())
        cards[label] = _card(article, translations)
        bodies[label] = "\n".join(plain_text(t.body) for t in translations)
        for t in translations:
            phrasings.append(Phrasing(t.title, label, t.language, is_question=False))
            if t.summary:
                phrasings.append(Phrasing(t.summary, label, t.language, is_question=False))
        for q in article.similar_questions.all():
            phrasings.append(Phrasing(q.text, label, q.language))
    return phrasings, bodies, cards


def published_cards() -> dict[str, ArticleCard]:
    """The cards alone: no bodies to render, no phrasings to gather."""
    translations = Prefetch(
        "translations",
        queryset=ArticleTranslation.objects.only("article_id", "language", "title", "summary"),
    )
    articles = Article.objects.filter(status=ArticleStatus.PUBLISHED).prefetch_related(translations)
    return {str(a.pk): _card(a, list(a.translations.all())) for a in articles}


def _card(article: Article, translations: Sequence[ArticleTranslation]) -> ArticleCard:
    return ArticleCard(
        article_id=article.pk,
        slug=article.slug,
        titles={t.language: t.title for t in translations},
        summaries={t.language: t.summary for t in translations},
        side=side_of(*(normalize_message(t.title) for t in translations)),
    )


# Fitted matchers by what they were fitted on. A generation that moved without changing what
# the assistant learns from (an unpublished draft, a category rename, a rolled-back edit) then
# costs a database read, not seconds of training.
_FITTED_KEPT = 4
_fitted: dict[str, ArticleMatcher] = {}


def passage_vectors(encoder_name: str) -> dict[str, np.ndarray]:
    """Label -> the search index's vectors of the article's body passages (every language)."""
    rows: dict[str, list[bytes]] = {}
    stored = SemanticVector.objects.filter(encoder=encoder_name, passage__gt=0).order_by(
        "article_id", "language", "passage"
    )
    for article_id, vector in stored.values_list("article_id", "vector"):
        rows.setdefault(str(article_id), []).append(bytes(vector))
    return {
        label: np.frombuffer(b"".join(vectors), dtype=np.float32).reshape(len(vectors), -1)
        for label, vectors in rows.items()
    }


def _fingerprint(
    phrasings: Sequence[Phrasing],
    bodies: dict[str, str],
    passages: dict[str, np.ndarray],
    encoder: str,
) -> str:
    digest = hashlib.blake2b(encoder.encode(), digest_size=16)
    for p in phrasings:
        digest.update(f"\x1e{p.label}\x1f{p.language}\x1f{p.is_question}\x1f{p.text}".encode())
    for label in sorted(bodies):
        digest.update(f"\x1d{label}\x1f{bodies[label]}".encode())
    for label in sorted(passages):  # an index rebuilt with passages changes what is known
        digest.update(f"\x1c{label}\x1f{len(passages[label])}".encode())
    return digest.hexdigest()


def _fit(phrasings: Sequence[Phrasing], bodies: dict[str, str]) -> ArticleMatcher:
    encoder = get_encoder()
    passages = passage_vectors(encoder.name) if encoder is not None else {}
    key = _fingerprint(phrasings, bodies, passages, settings.KEFU_ENCODER if encoder else "")
    if (fitted := _fitted.get(key)) is None:
        fitted = ArticleMatcher(
            QueryEmbedder(encoder) if encoder is not None else None,
            train_embed=_embed_cached if encoder is not None else None,
        ).fit(phrasings, bodies, passages)
        while len(_fitted) >= _FITTED_KEPT:
            _fitted.pop(next(iter(_fitted)))
        _fitted[key] = fitted
    return fitted.fresh_copy()


def build_knowledge(generation: int) -> Knowledge:
    phrasings, bodies, cards = training_rows()
    matcher = _fit(phrasings, bodies) if len({p.label for p in phrasings}) >= 2 else None
    return Knowledge(generation, matcher, cards)


_knowledge: Knowledge | None = None
_lock = threading.Lock()
_retrainer: threading.Thread | None = None


def knowledge() -> Knowledge:
    """The matcher for the current help center: trained here the first time, retrained on a
    thread of its own when the help center has changed since."""
    global _knowledge
    generation = current_generation()
    current = _knowledge
    if current is not None and current.generation == generation:
        return current
    with _lock:
        current = _knowledge
        if current is not None and current.generation == generation:
            return current
        if current is None or settings.KEFU_ASSISTANT_RETRAIN != "background":
            _knowledge = build_knowledge(generation)
            return _knowledge
        _knowledge = Knowledge(generation, current.classifier, published_cards(), retraining=True)
        _start_retraining()
        return _knowledge


def _start_retraining() -> None:
    """Called with the lock held; a retrain already running picks up the newest generation
    when it is done."""
    global _retrainer
    if _retrainer is None:
        _retrainer = threading.Thread(target=_retrain, name="kefu-assistant-retrain", daemon=True)
        _retrainer.start()


def _retrain() -> None:
    global _knowledge, _retrainer
    try:
        while True:
            with _lock:
                wanted = _knowledge.generation if _knowledge is not None else 0
            fresh = build_knowledge(wanted)
            with _lock:
                if _knowledge is not None and _knowledge.generation != wanted:
                    continue  # changed again while this ran: once more
                if _knowledge is not None:  # None: reset() while this ran
                    _knowledge = fresh
                _retrainer = None
                return
    except Exception:  # the matcher in use stays; the next change of the help center retries
        log.exception("assistant retraining failed")
        with _lock:
            _retrainer = None
    finally:
        connection.close()


def wait_for_retraining(timeout: float | None = None) -> None:
    """Until a running retrain is done (for tests)."""
    retrainer = _retrainer
    if retrainer is not None:
        retrainer.join(timeout)


def reset() -> None:
    global _knowledge
    wait_for_retraining()
    with _lock:
        _knowledge = None
