"""How alike two questions are, in the assistant's own terms.

The same features the matcher uses (words, word pairs, characters, sentence vector), fitted on
the help center's text, compared by cosine. ``kefu assistant pairs`` measures it on labelled
question pairs.
"""

from __future__ import annotations

from collections.abc import Sequence
from importlib import resources

import frontmatter
import numpy as np

from .features import Embed, FeatureSpace


def help_center_corpus() -> list[str]:
    """Titles, summaries, similar questions and bodies of the shipped demo help center."""
    root = resources.files("kefu.helpcenter").joinpath("demo", "articles")
    texts: list[str] = []
    for folder in root.iterdir():
        if not folder.is_dir():
            continue
        for entry in folder.iterdir():
            if not entry.name.endswith(".md"):
                continue
            post = frontmatter.loads(entry.read_text(encoding="utf-8"))
            texts.append(str(post.get("title", "")))
            texts.append(str(post.get("summary", "")))
            questions = post.get("similar_questions")
            if isinstance(questions, list):
                texts.extend(str(q) for q in questions)
            texts.extend(line for line in post.content.splitlines() if line.strip())
    return [t for t in texts if t.strip()]


class QuestionSimilarity:
    def __init__(self, embed: Embed | None, corpus: Sequence[str] | None = None):
        self.features = FeatureSpace(embed)
        self.features.fit(list(corpus) if corpus is not None else help_center_corpus())

    def __call__(self, first: str, second: str) -> float:
        matrix = self.features.transform([first, second]).matrix
        a, b = matrix[0], matrix[1]
        norms = float(np.sqrt(a.multiply(a).sum() * b.multiply(b).sum())) or 1.0
        return float(a.multiply(b).sum()) / norms
