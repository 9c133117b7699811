"""Help center search: index build time, query latency and accuracy at 1k, 10k and 100k articles.

The demo help center is loaded into a throwaway database; from every article and language a few
similar questions are held out of the index and become the labelled queries. Synthetic articles
(announcement-style pages whose bodies reuse sentences of the real articles, so they compete for
the same words) grow the index to each size. Latency is the wall time of the whole search
service call: parsing, encoding the query, ranking, fetching titles and cutting snippets.
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings

from bench._database import bench_database

Out = Callable[[str], None]
# Body passages of a synthetic article (4-8 sentences of the real ones): 2 or 3.
PASSAGES_EACH = 3

COINS = ["BTC", "ETH", "USDT", "SOL", "XRP", "TON", "BCN", "DOGE", "ADA", "TRX", "LINK", "DOT"]
NETWORKS = ["ERC20", "TRC20", "BEP20", "Solana", "Bitcoin", "TON", "Polygon", "Arbitrum"]
TOPICS_EN = [
    "listing notice",
    "network upgrade",
    "trading pair changes",
    "promotion rules",
    "delisting notice",
    "wallet maintenance window",
    "airdrop distribution",
    "margin tier update",
    "fee schedule update",
    "futures contract launch",
    "staking campaign",
    "API changelog",
]
TOPICS_ZH = [
    "上线公告",
    "网络升级",
    "交易对调整",
    "活动规则",
    "下架公告",
    "钱包维护时间",
    "空投发放",
    "杠杆档位调整",
    "费率调整",
    "合约上线",
    "质押活动",
    "API更新日志",
]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--sizes",
        default="1000,10000,100000",
        help="index sizes in articles, comma-separated (default 1k,10k,100k)",
    )
    parser.add_argument(
        "--held-out",
        type=int,
        default=2,
        help="similar questions held out per article and language (default 2)",
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--encoder",
        help='sentence encoder (default: KEFU_ENCODER); "none" ranks lexically only',
    )
    parser.add_argument(
        "--show-misses", action="store_true", help="print queries whose article missed the top 5"
    )
    parser.add_argument(
        "--semantic-stage",
        type=int,
        default=0,
        help="also time the semantic stage alone (query encoding, similarity to N articles' "
        "vectors, a centroid and 3 passages each, fusion) at N articles, e.g. 100000, where "
        "encoding N real articles would take hours; the vectors are random, so only its time "
        "is meaningful",
    )
    parser.add_argument(
        "--passage-weight",
        type=float,
        help="weight of the closest body passage in the fusion (for tuning; default: the "
        "product's)",
    )
    parser.add_argument(
        "--vector-cache",
        default="",
        help="file of sentence vectors kept between runs (default: bench-search-vectors.npz in "
        'KEFU_DATA_DIR; "none" encodes everything afresh)',
    )


def run(options: argparse.Namespace, out: Out) -> dict[str, Any]:
    sizes = sorted(_size(s) for s in options.sizes.split(",") if s.strip())
    if options.encoder:
        settings.KEFU_ENCODER = options.encoder
    if options.passage_weight is not None:
        from kefu.helpcenter.search import fusion

        fusion.PASSAGE_WEIGHT = options.passage_weight
    with bench_database() as vendor:
        from kefu.helpcenter.demo_data import load_demo_helpcenter
        from kefu.helpcenter.models import Article

        out(f"database: {vendor}, encoder: {settings.KEFU_ENCODER}")
        cache = _vector_cache_path(options.vector_cache)
        if cache is not None:
            from kefu.helpcenter.search import vector_file

            out(f"sentence vectors reused from {cache}: {vector_file.restore(cache)}")
        started = time.perf_counter()
        load_demo_helpcenter()
        out(
            f"demo help center loaded: {Article.objects.count()} articles "
            f"in {time.perf_counter() - started:.1f} s"
        )
        rng = random.Random(options.seed)
        labelled = _hold_out(options.held_out, rng)
        per_lang: defaultdict[str, int] = defaultdict(int)
        for lang, _, _ in labelled:
            per_lang[lang] += 1
        out(f"held-out queries: {dict(per_lang)}")
        results: dict[str, Any] = {
            "database": vendor,
            "encoder": settings.KEFU_ENCODER,
            "queries": dict(per_lang),
            "sizes": {},
        }
        pools = _sentence_pools()
        for size in sizes:
            missing = size - Article.objects.count()
            if missing > 0:
                t0 = time.perf_counter()
                _add_synthetic(missing, pools, rng, out)
                out(
                    f"[{size}] added {missing} synthetic articles in "
                    f"{time.perf_counter() - t0:.1f} s"
                )
            results["sizes"][str(size)] = _measure(size, labelled, out, options.show_misses, cache)
        if options.semantic_stage:
            results["semantic_stage"] = _semantic_stage(options.semantic_stage, labelled, out)
        return results


def _semantic_stage(count: int, labelled: list[tuple[str, str, str]], out: Out) -> dict[str, Any]:
    """What meaning adds to a query's time at ``count`` articles: the query's encoding, one
    matrix-vector product and the fusion with a lexical list of 50 candidates."""
    import numpy as np

    from kefu.helpcenter.search.encoders import get_encoder
    from kefu.helpcenter.search.fusion import fuse
    from kefu.helpcenter.search.semantic import SemanticIndex

    encoder = get_encoder()
    if encoder is None:
        out("semantic stage: no encoder configured")
        return {}
    rng = np.random.default_rng(3)
    ids = np.arange(1, count + 1, dtype=np.int64)
    # A centroid and PASSAGES_EACH body passages per article, as the synthetic articles have.
    articles = np.repeat(ids, 1 + PASSAGES_EACH)
    numbers = np.tile(np.arange(1 + PASSAGES_EACH, dtype=np.int64), count)
    matrix = rng.standard_normal((articles.size, encoder.dim), dtype=np.float32)
    matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
    index = SemanticIndex(encoder, np.arange(articles.size), articles, numbers, matrix)
    lexical = [(int(a), 1.0 / (i + 1)) for i, a in enumerate(rng.choice(ids, 50))]
    latencies = []
    for _, query, _ in labelled:
        started = time.perf_counter()
        fuse(lexical, index, query)
        latencies.append((time.perf_counter() - started) * 1000)
    p50, p99 = _percentile(latencies, 50), _percentile(latencies, 99)
    out(
        f"[semantic stage at {count} articles, {articles.size} vectors] "
        f"p50 {p50:.1f} ms  p99 {p99:.1f} ms"
    )
    return {"articles": count, "vectors": int(articles.size), "p50_ms": p50, "p99_ms": p99}


def _vector_cache_path(option: str) -> Path | None:
    """Encoding 100,000 articles' titles takes most of an hour on two cores; vectors depend
    only on the text, so later runs reuse them (the build time says how many were encoded)."""
    if option == "none":
        return None
    return Path(option) if option else settings.DATA_DIR / "bench-search-vectors.npz"


def _size(text: str) -> int:
    """``"10k"`` or ``"10000"``."""
    text = text.strip().lower()
    return int(float(text[:-1]) * 1000) if text.endswith("k") else int(text)


def _hold_out(count: int, rng: random.Random) -> list[tuple[str, str, str]]:
    """Remove ``count`` similar questions per article and language; they become the queries."""
    from kefu.helpcenter.models import SimilarQuestion

    by_key: dict[tuple[int, str], list[SimilarQuestion]] = defaultdict(list)
    for q in SimilarQuestion.objects.select_related("article").order_by("id"):
        by_key[(q.article_id, q.language)].append(q)
    labelled, doomed = [], []
    for questions in by_key.values():
        if len(questions) <= count:
            continue
        for q in rng.sample(questions, count):
            labelled.append((q.language, q.text, q.article.slug))
            doomed.append(q.pk)
    SimilarQuestion.objects.filter(pk__in=doomed).delete()
    return labelled


def _sentence_pools() -> dict[str, list[str]]:
    from kefu.helpcenter.models import ArticleTranslation
    from kefu.helpcenter.rendering import plain_text

    pools: dict[str, list[str]] = defaultdict(list)
    for tr in ArticleTranslation.objects.all():
        for sentence in re.split(r"(?<=[。！？.!?])\s*", plain_text(tr.body)):
            if len(sentence) > 12:
                pools[tr.language].append(sentence.strip())
    return pools


def _add_synthetic(count: int, pools: dict[str, list[str]], rng: random.Random, out: Out) -> None:
    from django.db import transaction

    from kefu.helpcenter.models import (
        Article,
        ArticleStatus,
        ArticleTranslation,
        Category,
        SimilarQuestion,
    )

    leaves = list(Category.objects.filter(children__isnull=True))
    start = Article.objects.count()
    batch = 2000
    for offset in range(0, count, batch):
        n = min(batch, count - offset)
        with transaction.atomic():
            articles = Article.objects.bulk_create(
                Article(
                    slug=f"synthetic-{start + offset + i}",
                    category=rng.choice(leaves),
                    status=ArticleStatus.PUBLISHED,
                )
                for i in range(n)
            )
            translations, questions = [], []
            for article in articles:
                coin, network = rng.choice(COINS), rng.choice(NETWORKS)
                topic = rng.randrange(len(TOPICS_EN))
                number = rng.randrange(1, 500)
                en_title = f"{coin} on {network}: {TOPICS_EN[topic]} #{number}"
                zh_title = f"{coin}（{network}）{TOPICS_ZH[topic]} 第{number}期"
                for lang, title, tail in (
                    ("en", en_title, f"Applies to {coin} on {network} from round {number}."),
                    ("zh-hans", zh_title, f"本次调整适用于{network}网络上的{coin}，第{number}期。"),
                ):
                    body = " ".join(rng.sample(pools[lang], rng.randint(4, 8))) + " " + tail
                    translations.append(
                        ArticleTranslation(article=article, language=lang, title=title, body=body)
                    )
                phrasings = [
                    ("en", f"{coin} {TOPICS_EN[topic]} on {network}?"),
                    ("en", f"when is the {coin} {TOPICS_EN[topic]}"),
                    ("zh-hans", f"{coin}{TOPICS_ZH[topic]}是什么时候"),
                    ("zh-hans", f"{network}上的{coin}{TOPICS_ZH[topic]}"),
                ]
                questions += [
                    SimilarQuestion(article=article, language=lang, text=text)
                    for lang, text in phrasings
                ]
            ArticleTranslation.objects.bulk_create(translations, batch_size=1000)
            SimilarQuestion.objects.bulk_create(questions, batch_size=2000)
        out(f"  synthetic articles: {offset + n}/{count}")


def _measure(
    size: int,
    labelled: list[tuple[str, str, str]],
    out: Out,
    show_misses: bool = False,
    cache: Path | None = None,
) -> dict[str, Any]:
    from kefu.helpcenter.models import EncodedText
    from kefu.helpcenter.search import engine, vector_file
    from kefu.helpcenter.search.indexer import rebuild_index

    def progress(done: int, total: int) -> None:
        if done == total or done % max(1, total // 10) < 500:
            out(f"  indexing: {done}/{total}")

    encoded_before = EncodedText.objects.count()
    t0 = time.perf_counter()
    documents = rebuild_index(progress=progress)
    build_s = time.perf_counter() - t0
    encoded = EncodedText.objects.count() - encoded_before
    if cache is not None:  # kept before measuring: an interrupted run keeps what it encoded
        vector_file.keep(cache)
    out(
        f"[{size}] index built: {documents} documents in {build_s:.1f} s "
        f"({encoded} new texts encoded; earlier ones come from the vector cache)"
    )

    # The first search of each language loads its in-memory indexes, as a process would once.
    load_ms = {}
    for lang in sorted({lang for lang, _, _ in labelled}):
        t = time.perf_counter()
        engine.search(next(q for ql, q, _ in labelled if ql == lang), lang, 10)
        load_ms[lang] = round((time.perf_counter() - t) * 1000, 1)
    out(f"[{size}] first search per language (loads the in-memory index): {load_ms} ms")
    for lang, q, _ in labelled[:20]:  # warm caches (vocabulary, synonyms, page cache)
        engine.search(q, lang, 10)
    latencies: dict[str, list[float]] = defaultdict(list)
    ranks: dict[str, list[int | None]] = defaultdict(list)
    for lang, q, slug in labelled:
        t = time.perf_counter()
        found = engine.search(q, lang, 10)
        latencies[lang].append((time.perf_counter() - t) * 1000)
        hits = [h.slug for h in found.results]
        ranks[lang].append(hits.index(slug) + 1 if slug in hits else None)
        if show_misses and slug not in hits[:5]:
            out(f"  miss [{lang}] {q!r}: want {slug}, got {', '.join(hits[:3])}")

    result: dict[str, Any] = {
        "documents": documents,
        "build_s": round(build_s, 2),
        "texts_encoded": encoded,
        "first_search_ms": load_ms,
        "by_language": {},
    }
    everything = [ms for values in latencies.values() for ms in values]
    result["p50_ms"], result["p99_ms"] = _percentile(everything, 50), _percentile(everything, 99)
    for lang in sorted(latencies):
        r = ranks[lang]
        recall5 = sum(1 for x in r if x is not None and x <= 5) / len(r)
        mrr10 = sum(1 / x for x in r if x is not None) / len(r)
        stats = {
            "queries": len(r),
            "recall_at_5": round(recall5, 4),
            "mrr_at_10": round(mrr10, 4),
            "p50_ms": _percentile(latencies[lang], 50),
            "p99_ms": _percentile(latencies[lang], 99),
        }
        result["by_language"][lang] = stats
        out(
            f"[{size}] {lang:8} recall@5 {recall5:.3f}  MRR@10 {mrr10:.3f}  "
            f"p50 {stats['p50_ms']:.1f} ms  p99 {stats['p99_ms']:.1f} ms  ({len(r)} queries)"
        )
    out(f"[{size}] all      p50 {result['p50_ms']:.1f} ms  p99 {result['p99_ms']:.1f} ms")
    return result


def _percentile(values: list[float], pct: int) -> float:
    if len(values) < 2:
        return round(values[0], 2) if values else 0.0
    return round(statistics.quantiles(values, n=100, method="inclusive")[pct - 1], 2)
