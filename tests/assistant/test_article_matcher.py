"""The help-center matcher on a small made-up help center, words only (no sentence encoder)."""

from __future__ import annotations

import numpy as np
import pytest

from kefu.assistant.matching import articles
from kefu.assistant.matching.articles import ArticleMatcher, Phrasing

QUESTIONS = {
    "deposit": [
        "my deposit has not arrived",
        "deposit missing from my account",
        "where is my crypto deposit",
        "deposit still not credited",
        "I sent coins but the deposit is not there",
    ],
    "withdraw": [
        "how do I withdraw coins",
        "withdrawal to my own wallet",
        "send my crypto out of the exchange",
        "withdraw usdt to another wallet",
        "how to take money out",
    ],
    "password": [
        "I forgot my password",
        "reset my login password",
        "cannot remember my password",
        "change the password of my account",
        "password reset email",
    ],
    "kyc": [
        "how do I verify my identity",
        "identity verification steps",
        "kyc verification documents",
        "verify my account with my passport",
        "kyc failed what now",
    ],
}
BODIES = {
    "deposit": "Check the confirmations on the blockchain explorer with your TxID.",
    "withdraw": "Add the address to your whitelist and confirm with your authenticator.",
    "password": "Use the forgot link on the sign-in page; a reset link arrives by email.",
    "kyc": "Upload a selfie and your passport or national ID card.",
}


def _phrasings() -> list[Phrasing]:
    questions = [Phrasing(t, label, "en") for label, texts in QUESTIONS.items() for t in texts]
    return questions + [Phrasing(a.title(), a, "en", is_question=False) for a in QUESTIONS]


@pytest.fixture(scope="module")
def matcher() -> ArticleMatcher:
    return ArticleMatcher(None).fit(_phrasings(), BODIES)


def test_a_known_question_finds_its_article(matcher):
    prediction = matcher.predict("my deposit is not in my account")
    assert prediction.label == "deposit"
    assert len(prediction.ranking) == 3 and prediction.ranking[0].label == "deposit"
    assert 0 <= prediction.confidence <= 1


def test_words_only_in_the_body_still_point_to_the_article(matcher):
    assert matcher.predict("the selfie upload").label == "kyc"
    assert matcher.predict("explorer shows confirmations for my TxID").label == "deposit"


def test_an_unrelated_message_is_less_sure_than_a_known_one(matcher):
    known = matcher.predict("I forgot my password").confidence
    unrelated = matcher.predict("what is the weather like in paris today").confidence
    assert unrelated < known


def test_a_phrasing_learned_after_training_is_recognised(matcher):
    text = "my thingamajig vanished after I paid twice"
    matcher.learn(text, "deposit")
    prediction = matcher.predict(text)
    assert prediction.label == "deposit"
    assert prediction.confidence >= 0.99


def test_training_needs_two_articles():
    with pytest.raises(ValueError):
        ArticleMatcher(None).fit([Phrasing("only one", "a", "en")], {})


def test_two_articles_are_enough():
    phrasings = [
        Phrasing(text, label, "en")
        for label in ("deposit", "password")
        for text in QUESTIONS[label]
    ]
    matcher = ArticleMatcher(None).fit(phrasings, BODIES)
    assert matcher.predict("reset link for my password").label == "password"
    assert matcher.predict("deposit not there").label == "deposit"


def test_a_repeated_similar_question_is_answered_outright(matcher):
    # Case, width and punctuation aside, it is the article's own phrasing.
    prediction = matcher.predict("ＲＥＳＥＴ my login password!")
    assert (prediction.label, prediction.confidence) == ("password", 0.99)


def test_a_message_sharing_most_words_with_a_phrasing_is_not_a_repeat(matcher):
    # "withdrawal" vs "deposit": close in words, a different question.
    prediction = matcher.predict("withdraw usdt to another exchange")
    assert prediction.confidence < 0.99


def test_each_article_scores_by_its_closest_body_passage():
    from kefu.assistant.matching.articles import _Passages

    passages = {
        "deposit": np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]], dtype=np.float32),
        "kyc": np.array([[0.0, 0.0, 1.0]], dtype=np.float32),
    }
    grouped = _Passages(["deposit", "password", "kyc"], passages)
    messages = np.array([[0.0, 0.8, 0.6], [0.6, 0.0, -0.8]], dtype=np.float32)
    closest = grouped.closest(messages)
    # deposit: the better of its two passages; password has none, so it gets the message's
    # lowest similarity to any passage; kyc: its only passage.
    assert np.allclose(closest, [[0.8, 0.0, 0.6], [0.6, -0.8, -0.8]])
    assert np.allclose(_Passages(["a", "b"], {}).closest(messages), 0.0)


def test_a_large_help_center_blends_from_the_closest_articles_only(monkeypatch):
    """Every question against every article does not fit in memory at thousands of articles:
    past the budget each question keeps its right article and the model's best others."""
    whole = ArticleMatcher(None).fit(_phrasings(), BODIES)
    questions = sum(len(texts) for texts in QUESTIONS.values())
    assert whole.blend_pairs == questions * len(QUESTIONS)  # small: every pair

    monkeypatch.setattr(articles, "MAX_BLEND_PAIRS", questions)  # 1 pair each: floor of 2
    bounded = ArticleMatcher(None).fit(_phrasings(), BODIES)
    assert questions * 2 <= bounded.blend_pairs <= questions * 3
    assert bounded.blend is not None
    assert bounded.predict("my deposit is not in my account").label == "deposit"
    assert bounded.predict("I forgot my password").label == "password"
