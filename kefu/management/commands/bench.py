"""``kefu bench NAME [--json]``: run benchmark NAME from the repository's bench/ folder.

A benchmark is bench/NAME.py with ``add_arguments(parser)`` (optional) and
``run(options, out) -> dict``; it prints its progress and numbers through ``out`` and returns
the results, which ``--json`` prints as the last line.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

from django.core.management.base import BaseCommand, CommandError

BENCH_DIR = Path(__file__).resolve().parents[3] / "bench"


def load_benchmark(name: str) -> ModuleType:
    path = BENCH_DIR / f"{name}.py"
    if not name.isidentifier() or not path.exists():
        available = sorted(p.stem for p in BENCH_DIR.glob("*.py") if not p.stem.startswith("_"))
        raise CommandError(f"[unknown_benchmark] no benchmark {name!r}; available: {available}")
    if str(BENCH_DIR.parent) not in sys.path:
        sys.path.insert(0, str(BENCH_DIR.parent))  # benchmarks share helpers in bench/
    spec = importlib.util.spec_from_file_location(f"kefu_bench_{name}", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class Command(BaseCommand):
    help = "Run a benchmark from bench/ and print its numbers."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("name", help="benchmark name, e.g. search")
        parser.add_argument("--json", action="store_true", help="last line: results as JSON")
        parser.add_argument("bench_args", nargs=argparse.REMAINDER, help="benchmark options")

    def handle(self, *args: Any, **options: Any) -> None:
        module = load_benchmark(options["name"])
        parser = argparse.ArgumentParser(prog=f"kefu bench {options['name']}")
        if hasattr(module, "add_arguments"):
            module.add_arguments(parser)
        bench_args = list(options["bench_args"])
        if "--json" in bench_args:  # accepted after the benchmark's own options too
            bench_args.remove("--json")
            options["json"] = True
        bench_options = parser.parse_args(bench_args)

        def out(line: str = "") -> None:
            sys.stdout.write(line + "\n")
            sys.stdout.flush()

        results = module.run(bench_options, out)
        if options["json"]:
            out(json.dumps(results, ensure_ascii=False, sort_keys=True))
