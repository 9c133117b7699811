"""After a help-center change the assistant retrains on a thread and keeps answering meanwhile.

The retrain itself is the real one, run here first; the thread is handed its result through a
stand-in that waits for the test's signal, because a second database connection could not see
this test's uncommitted changes. What is checked is what a customer would notice: no wait, no
unpublished article offered, and the new matcher in use once it is ready.
"""

from __future__ import annotations

import dataclasses
import threading

import pytest

from kefu.assistant.matching import knowledge
from kefu.helpcenter.actions import unpublish_article
from kefu.helpcenter.models import Article
from kefu.helpcenter.search.indexer import bump_generation, current_generation

pytestmark = pytest.mark.django_db

QUESTION = "Where is the emergency lock button?"  # a similar question of freeze-account


def test_a_change_is_retrained_on_a_thread_while_the_assistant_answers(settings, monkeypatch):
    settings.KEFU_ASSISTANT_RETRAIN = "background"
    before = knowledge.knowledge()  # the first training happens in the caller
    freeze = Article.objects.get(slug="freeze-account")
    first = before.match(QUESTION)
    assert first is not None and first.label == str(freeze.pk)

    unpublish_article(freeze)
    retrained = knowledge.build_knowledge(current_generation())
    asked: list[int] = []
    started, release = threading.Event(), threading.Event()

    def slow_build(generation: int) -> knowledge.Knowledge:
        asked.append(generation)
        started.set()
        assert release.wait(60)
        return dataclasses.replace(retrained, generation=generation)

    monkeypatch.setattr(knowledge, "build_knowledge", slow_build)
    during = knowledge.knowledge()
    assert started.wait(10)  # the thread is training, and the caller already has its answer
    assert during.retraining and during.classifier is before.classifier
    meanwhile = during.match(QUESTION)
    assert meanwhile is not None
    assert str(freeze.pk) not in [r.label for r in meanwhile.ranking]
    assert str(freeze.pk) not in during.cards

    bump_generation()  # another edit while the first retrain runs: one more round follows
    assert knowledge.knowledge().retraining
    release.set()
    knowledge.wait_for_retraining(60)
    after = knowledge.knowledge()
    assert asked == [current_generation() - 1, current_generation()]
    assert not after.retraining and after.classifier is retrained.classifier
    assert after.generation == current_generation()


def test_inline_retraining_waits_for_the_new_matcher(settings):
    settings.KEFU_ASSISTANT_RETRAIN = "inline"
    before = knowledge.knowledge()
    freeze = Article.objects.get(slug="freeze-account")
    assert before.classifier is not None and str(freeze.pk) in before.classifier.labels
    unpublish_article(freeze)
    after = knowledge.knowledge()
    assert not after.retraining and after.classifier is not None
    assert str(freeze.pk) not in after.classifier.labels


def test_the_cards_read_during_a_retrain_are_the_ones_training_reads():
    unpublish_article(Article.objects.get(slug="freeze-account"))
    _, _, cards = knowledge.training_rows()
    assert knowledge.published_cards() == cards
    assert "freeze-account" not in {card.slug for card in cards.values()}
