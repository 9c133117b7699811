"""The assistant never answers a deposit question with a withdrawal article, or back.

The direction words live with search (``kefu.helpcenter.search.direction``); here a prediction
loses the candidates about the opposite direction. The matcher answered "提现还没到账" with
"my deposit has not arrived" at 0.76 before.
"""

from __future__ import annotations

from collections.abc import Mapping

from kefu.helpcenter.search.direction import Side, asks_whereabouts, side_of

from .classifier import Prediction

__all__ = ["Side", "asks_whereabouts", "keep_side", "side_of"]


def keep_side(
    prediction: Prediction, side: Side | None, sides: Mapping[str, Side | None], top: int = 3
) -> Prediction:
    """``prediction`` without the articles about the opposite direction of ``side``."""
    if side is not None:
        prediction = prediction.keeping(lambda label: sides.get(label) in (None, side))
    return Prediction(prediction.label, prediction.confidence, prediction.ranking[:top])
