"""``kefu assistant eval|pairs``: measure the assistant's matching on labelled files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from kefu.assistant.matching.datasets import DatasetError, load_labelled, load_pairs
from kefu.assistant.matching.encoding import default_embedder
from kefu.assistant.matching.evaluation import evaluate_intents, evaluate_pairs
from kefu.assistant.matching.similarity import QuestionSimilarity


class Command(BaseCommand):
    help = "Evaluate the assistant's question matching on labelled data."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        ev = sub.add_parser("eval", help="train on one file of labelled questions, test on another")
        ev.add_argument("--train", required=True, type=Path, help="CSV (text,label) or JSONL")
        ev.add_argument("--test", required=True, type=Path)
        ev.add_argument("--oos-label", help="test label that marks out-of-scope rows")
        ev.add_argument(
            "--threshold",
            type=float,
            default=None,
            help="confidence below which the assistant says it does not know "
            "(default: KEFU_ASSISTANT_CLARIFY_THRESHOLD)",
        )
        ev.add_argument("--json", action="store_true")
        pairs = sub.add_parser("pairs", help="score question pairs (sentence1,sentence2,label)")
        pairs.add_argument("--file", required=True, type=Path)
        pairs.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = self._eval(options) if options["action"] == "eval" else self._pairs(options)
        except DatasetError as exc:
            raise CommandError(f"{exc.code}: {exc}") from exc
        for key, value in result.items():
            self.stdout.write(f"{key:>18}: {value}")
        if options["json"]:
            self.stdout.write(json.dumps(result))

    def _eval(self, options: dict[str, Any]) -> dict[str, Any]:
        train, test = load_labelled(options["train"]), load_labelled(options["test"])
        threshold = options["threshold"]
        if threshold is None:
            threshold = settings.KEFU_ASSISTANT_CLARIFY_THRESHOLD
        self.stdout.write(f"training on {len(train)} rows, testing on {len(test)} ...")
        return evaluate_intents(
            train,
            test,
            embed=default_embedder(),
            threshold=threshold,
            oos_label=options["oos_label"],
            progress=self.stdout.write,
        )

    def _pairs(self, options: dict[str, Any]) -> dict[str, Any]:
        pairs = load_pairs(options["file"])
        self.stdout.write(f"scoring {len(pairs)} pairs ...")
        return evaluate_pairs(pairs, QuestionSimilarity(default_embedder()))
