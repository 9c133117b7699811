"""The assistant's understanding: intents (BANKING77), knowing what it does not know, Chinese
question matching (BQ, ATEC) and the demo help center's held-out similar questions.

The public sets are read from ``--datasets`` (default ``../shared/datasets``, or
``KEFU_DATASETS``); they are for measuring only and never ship with Kefu. A missing set is
reported and skipped.
"""

from __future__ import annotations

import argparse
import functools
import os
import random
import statistics
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench._database import bench_database

Out = Callable[[str], None]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--datasets",
        type=Path,
        default=Path(os.environ.get("KEFU_DATASETS", "../shared/datasets")),
        help="folder holding banking77/, bq_corpus/, atec/ (default ../shared/datasets)",
    )
    parser.add_argument(
        "--only",
        default="banking77,oos,bq,atec,helpcenter",
        help="comma-separated parts to run (default: all)",
    )
    parser.add_argument("--oos-intents", type=int, default=20)
    parser.add_argument(
        "--oos-draws",
        type=int,
        default=4,
        help="draws of held-out intents (seeds --seed, --seed+1, ...); one draw can be lucky",
    )
    parser.add_argument("--seed", type=int, default=7)


def run(options: argparse.Namespace, out: Out) -> dict[str, Any]:
    from django.conf import settings

    from kefu.assistant.matching.encoding import default_embedder

    parts = {p.strip() for p in options.only.split(",")}
    # A fresh embedder per part: its memory must not make a later part look faster.
    embed = default_embedder
    out(f"encoder: {settings.KEFU_ENCODER} ({settings.KEFU_ENCODER_THREADS} thread)")
    results: dict[str, Any] = {"encoder": settings.KEFU_ENCODER}
    banking = options.datasets / "banking77"
    threshold = settings.KEFU_ASSISTANT_CLARIFY_THRESHOLD
    if "banking77" in parts:
        results["banking77"] = _guarded(
            out, "banking77", lambda: _banking(banking, embed, threshold, out)
        )
    if "oos" in parts:
        results["banking77_oos"] = _guarded(
            out,
            "banking77_oos",
            lambda: _out_of_scope(
                banking,
                embed,
                threshold,
                options.oos_intents,
                range(options.seed, options.seed + options.oos_draws),
                out,
            ),
        )
    for name, folder in (("bq", "bq_corpus"), ("atec", "atec")):
        if name in parts:
            pairs_file = options.datasets / folder / "dev.csv"
            results[name] = _guarded(out, name, functools.partial(_pairs, pairs_file, embed, out))
    if "helpcenter" in parts:
        results["helpcenter"] = _helpcenter(options.seed, out)
    return results


def _guarded(out: Out, name: str, job: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    from kefu.assistant.matching.datasets import DatasetError

    try:
        return job()
    except DatasetError as exc:
        out(f"[{name}] skipped: {exc}")
        return {"skipped": str(exc)}


def _report(out: Out, name: str, result: dict[str, Any]) -> None:
    out(f"[{name}] " + "  ".join(f"{k} {v}" for k, v in result.items()))


def _banking(folder: Path, embed: Any, threshold: float, out: Out) -> dict[str, Any]:
    from kefu.assistant.matching.datasets import load_labelled
    from kefu.assistant.matching.evaluation import evaluate_intents

    train, test = load_labelled(folder / "train.csv"), load_labelled(folder / "test.csv")
    out(f"[banking77] training on {len(train)} rows (encoding each once) ...")
    # Without a threshold: the published figures are plain accuracy over 77 intents.
    result = evaluate_intents(train, test, embed=embed(), threshold=0.0, progress=out)
    _report(out, "banking77", result)
    return result


def _out_of_scope(
    folder: Path, embed: Any, threshold: float, held: int, seeds: range, out: Out
) -> dict[str, Any]:
    """Each draw holds ``held`` intents out of training; their test rows are out of scope."""
    from kefu.assistant.matching.datasets import Labelled, load_labelled
    from kefu.assistant.matching.evaluation import evaluate_intents

    all_train, all_test = load_labelled(folder / "train.csv"), load_labelled(folder / "test.csv")
    intents = sorted({r.label for r in all_train})
    # One embedder for every draw: each sentence is encoded once, so the latencies of later
    # draws leave encoding out (the banking77 part measures latency).
    embedder = embed()
    draws = []
    for seed in seeds:
        unseen = set(random.Random(seed).sample(intents, held))
        oos = "__unseen__"
        train = [r for r in all_train if r.label not in unseen]
        test = [Labelled(r.text, oos if r.label in unseen else r.label) for r in all_test]
        out(f"[banking77_oos] seed {seed}: {held} intents held out; threshold {threshold}")
        result = evaluate_intents(
            train, test, embed=embedder, threshold=threshold, oos_label=oos, progress=out
        )
        result["seed"] = seed
        _report(out, "banking77_oos", result)
        draws.append(result)
    points = [d["at_oos_recall_0_8"] for d in draws if d["at_oos_recall_0_8"]]
    summary = {
        "draws": len(draws),
        "mean_in_scope_accuracy_at_oos_recall_0_8": round(
            statistics.mean(p["in_scope_accuracy"] for p in points), 4
        )
        if points
        else None,
        "draws_meeting_0_88_at_0_8": sum(p["in_scope_accuracy"] >= 0.88 for p in points),
        "thresholds_at_oos_recall_0_8": [p["threshold"] for p in points],
    }
    _report(out, "banking77_oos summary", summary)
    return {"summary": summary, "draws": draws}


def _pairs(path: Path, embed: Any, out: Out) -> dict[str, Any]:
    from kefu.assistant.matching.datasets import load_pairs
    from kefu.assistant.matching.evaluation import evaluate_pairs
    from kefu.assistant.matching.similarity import QuestionSimilarity

    pairs = load_pairs(path)
    out(f"[{path.parent.name}] scoring {len(pairs)} pairs ...")
    t0 = time.perf_counter()
    result = evaluate_pairs(pairs, QuestionSimilarity(embed()))
    result["seconds"] = round(time.perf_counter() - t0, 1)
    _report(out, path.parent.name, result)
    return result


def _helpcenter(seed: int, out: Out) -> dict[str, Any]:
    """Top-1 of the assistant's matcher on similar questions held out of its training."""
    with bench_database():
        from bench.search import _hold_out
        from kefu.assistant.matching.knowledge import build_knowledge
        from kefu.helpcenter.demo_data import load_demo_helpcenter
        from kefu.helpcenter.models import Article

        load_demo_helpcenter()
        labelled = _hold_out(2, random.Random(seed))
        t0 = time.perf_counter()
        brain = build_knowledge(-1)
        train_s = time.perf_counter() - t0
        slugs = dict(Article.objects.values_list("id", "slug"))
        ranks: dict[str, list[int | None]] = defaultdict(list)
        for lang, question, slug in labelled:
            prediction = brain.match(question)
            got = [slugs.get(int(r.label)) for r in prediction.ranking] if prediction else []
            ranks[lang].append(got.index(slug) + 1 if slug in got else None)
        result: dict[str, Any] = {"train_s": round(train_s, 1)}
        for lang, found in sorted(ranks.items()):
            for k in (1, 3):
                hits = sum(1 for rank in found if rank is not None and rank <= k)
                result[f"top{k}_{lang}"] = round(hits / len(found), 4)
            result[f"queries_{lang}"] = len(found)
        _report(out, "helpcenter", result)
        return result
