"""The assistant's passage signal: how close a message is to a detail of an article's body."""

from __future__ import annotations

import pytest

from kefu.assistant.matching import knowledge
from kefu.helpcenter.search.encoders import get_encoder

from ..helpcenter.factories import make_article_with_a_body_detail

pytestmark = pytest.mark.django_db


def test_a_detail_only_the_body_mentions_is_closest_to_its_article():
    article = make_article_with_a_body_detail()
    encoder = get_encoder()
    assert encoder is not None
    assert len(knowledge.passage_vectors(encoder.name)[str(article.pk)]) == 2

    matcher = knowledge.knowledge().classifier
    assert matcher is not None and matcher._evidence is not None
    message = matcher.features.transform(["do you keep any pets at work?"])
    closest = matcher._evidence.scores(message)["passage"][0]
    # No title, question or body word is shared; only the passage about the cat is close.
    assert matcher.labels[int(closest.argmax())] == str(article.pk)
