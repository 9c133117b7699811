"""The sentence vectors the matcher trains and predicts with.

Questions are compared with questions, so every text is encoded as a query (e5's convention for
symmetric similarity). Vectors are remembered per process: training sets repeat phrasings and
users repeat questions.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

import numpy as np

from kefu.helpcenter.search.encoders import Encoder, get_encoder

from .features import Embed

MEMORY = 50_000


class QueryEmbedder:
    def __init__(self, encoder: Encoder):
        self.encoder = encoder
        self._memory: dict[str, np.ndarray] = {}
        self._lock = threading.Lock()

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        with self._lock:
            missing = list(dict.fromkeys(t for t in texts if t not in self._memory))
        if missing:
            fresh = self.encoder.encode_queries(missing)
            with self._lock:
                if len(self._memory) + len(missing) > MEMORY:
                    self._memory.clear()
                self._memory.update(zip(missing, fresh, strict=True))
        with self._lock:
            found = [self._memory.get(t) for t in texts]
        rows = [row for row in found if row is not None]
        if len(rows) < len(texts):  # forgotten meanwhile by another thread
            return self.encoder.encode_queries(list(texts))
        return np.vstack(rows) if rows else np.zeros((0, self.encoder.dim), dtype=np.float32)


def default_embedder() -> Embed | None:
    """The configured encoder as an ``Embed`` callable, or ``None`` to match lexically."""
    encoder = get_encoder()
    return QueryEmbedder(encoder) if encoder is not None else None
