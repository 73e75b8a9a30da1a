"""``python -m bench``: every registered benchmark in quick mode, one table; always exits 0.

A benchmark is a module with ``run(quick: bool) -> list[Result]``. Add a new one to ``REGISTRY``;
a module that cannot be imported (not written yet, a missing optional tool) is shown as skipped.
"""

from __future__ import annotations

import argparse
import importlib
import time
import traceback

from bench._harness import Result, machine_note, print_table, skipped

REGISTRY = [
    "bench.intake_throughput",
    "bench.ack_latency",
    "bench.form_page",
    "bench.search_quality",
    "bench.search_speed",
    "bench.article_page",
    "bench.sla_speed",
    "bench.keeping_round",
    "bench.demo_history",
    "bench.insights_page",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="longer runs (default: quick)")
    parser.add_argument("only", nargs="*", help="run only modules whose name contains this")
    args = parser.parse_args()
    results: list[Result] = []
    print(f"machine: {machine_note()}", flush=True)
    for name in REGISTRY:
        if args.only and not any(part in name for part in args.only):
            continue
        started = time.perf_counter()
        print(f"running {name} ...", flush=True)
        try:
            module = importlib.import_module(name)
            results.extend(module.run(not args.full))
        except Exception as exc:  # one broken benchmark must not hide the others' figures
            traceback.print_exc()
            results.append(skipped(name, f"{type(exc).__name__}: {exc}"))
        print(f"  done in {time.perf_counter() - started:.0f} s", flush=True)
    print()
    print_table(results)


if __name__ == "__main__":
    main()
