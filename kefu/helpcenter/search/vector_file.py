"""Saving the sentence-vector cache to a file and loading it into another database.

Vectors depend only on the text and the encoder, and encoding costs about 8 ms a sentence, so
a test session or a benchmark run reuses what an earlier run over the same data dir encoded.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..models import EncodedText


def restore(path: Path) -> int:
    """Add the file's vectors to ``EncodedText`` (known ones are skipped); returns the count."""
    if not path.exists():
        return 0
    with np.load(path) as saved:
        vectors = np.split(saved["vectors"], np.cumsum(saved["lengths"])[:-1])
        rows = list(zip(saved["encoder"], saved["digest"], vectors, strict=True))
    EncodedText.objects.bulk_create(
        [EncodedText(encoder=str(e), digest=str(d), vector=v.tobytes()) for e, d, v in rows],
        ignore_conflicts=True,
        batch_size=2000,
    )
    return len(rows)


def keep(path: Path) -> int:
    """Write every cached vector to ``path``; returns the count."""
    rows = list(EncodedText.objects.values_list("encoder", "digest", "vector"))
    if not rows:
        return 0
    vectors = [np.frombuffer(bytes(v), dtype=np.float32) for _, _, v in rows]
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez(
        path,
        encoder=np.array([e for e, _, _ in rows]),
        digest=np.array([d for _, d, _ in rows]),
        lengths=np.array([len(v) for v in vectors]),
        vectors=np.concatenate(vectors),
    )
    return len(rows)
