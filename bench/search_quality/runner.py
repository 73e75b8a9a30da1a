"""Relevance of the knowledge-base search: recall@5 and MRR per language and per kind of query.

Two sets, each searched on its own index built here from Markdown files:
- ``queries.yaml`` over the demo articles (``portal/demo/content/articles``), with the demo's
  synonym list, against the targets (recall@5 ≥ 0.90 and MRR ≥ 0.75 in every language);
- ``corpus_queries.yaml`` over the real help-centre corpora in ``../shared/corpus`` (machine-
  translated Swedish and Norwegian with split compounds, English), without synonyms.

recall@5 is the share of a query's relevant articles found in the top five; MRR the mean of
1 / rank of the first relevant article (0 when none is in the top ten).
"""

from __future__ import annotations

import argparse
import tempfile
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import yaml

from bench._harness import INFO, Result, print_table, verdict
from bench.search_quality.articles import DEMO, ROOT, load_articles
from kb.search.index import SearchIndex
from kb.search.query import search

HERE = Path(__file__).resolve().parent
CORPUS = ROOT.parent / "shared" / "corpus"
SYNONYMS = ROOT / "portal" / "demo" / "content" / "synonyms.yaml"
RECALL_TARGET, MRR_TARGET = 0.90, 0.75


@dataclass
class Outcome:
    lang: str
    kind: str
    q: str
    relevant: list[str]
    found: list[str]

    @property
    def recall(self) -> float:
        top = set(self.found[:5])
        return sum(1 for key in self.relevant if key in top) / len(self.relevant)

    @property
    def reciprocal_rank(self) -> float:
        for rank, key in enumerate(self.found[:10], 1):
            if key in self.relevant:
                return 1 / rank
        return 0.0


def evaluate(index: SearchIndex, queries: Iterable[dict]) -> list[Outcome]:
    outcomes = []
    for item in queries:
        results = search(index, item["lang"], str(item["q"]), per_page=10)
        found = list(dict.fromkeys(hit.key for hit in results.hits))
        outcomes.append(
            Outcome(item["lang"], item.get("kind", "-"), str(item["q"]), item["relevant"], found)
        )
    return outcomes


def summarise(name: str, outcomes: list[Outcome], *, targets: bool) -> list[Result]:
    results = []
    groups: dict[tuple[str, str], list[Outcome]] = defaultdict(list)
    for o in outcomes:
        groups[("lang", o.lang)].append(o)
        groups[("kind", o.kind)].append(o)
    for (axis, value), group in sorted(groups.items()):
        recall = sum(o.recall for o in group) / len(group)
        mrr = sum(o.reciprocal_rank for o in group) / len(group)
        measured = f"recall@5 {recall:.2f}  MRR {mrr:.2f}  (n={len(group)})"
        if targets and axis == "lang":
            ok = recall >= RECALL_TARGET and mrr >= MRR_TARGET
            target = f"recall@5 ≥ {RECALL_TARGET:.2f}, MRR ≥ {MRR_TARGET:.2f}"
            results.append(Result(f"{name} {value}", measured, target, verdict(ok)))
        else:
            results.append(Result(f"{name} {axis}={value}", measured, "", INFO))
    misses = [o for o in outcomes if o.recall < 1.0]
    results.append(
        Result(
            f"{name} queries missing a relevant article in the top 5",
            f"{len(misses)} of {len(outcomes)}",
            notes=[
                f"{o.lang} {o.kind} {o.q!r}: wanted {o.relevant}, top 5 {o.found[:5]}"
                for o in misses
            ],
        )
    )
    return results


def _index(documents: list, synonyms: dict | None = None) -> SearchIndex:
    index = SearchIndex(Path(tempfile.mkdtemp(prefix="svar-quality-")))
    index.rebuild(documents)
    if synonyms:
        index.set_synonyms(synonyms)
    return index


def run(quick: bool = True) -> list[Result]:
    results: list[Result] = []
    demo_queries = yaml.safe_load((HERE / "queries.yaml").read_text())
    synonyms = yaml.safe_load(SYNONYMS.read_text()) if SYNONYMS.exists() else {}
    demo = _index(load_articles(DEMO), synonyms)
    results += summarise("demo", evaluate(demo, demo_queries), targets=True)
    corpus_file = HERE / "corpus_queries.yaml"
    if CORPUS.exists() and corpus_file.exists():
        documents = load_articles(CORPUS / "m365-alchemy-nordic")
        documents += load_articles(CORPUS / "arduino-helpcenter")
        corpus = _index(documents)
        outcomes = evaluate(corpus, yaml.safe_load(corpus_file.read_text()))
        results += summarise("corpus", outcomes, targets=False)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quiet", action="store_true", help="do not list the missed queries")
    args = parser.parse_args()
    print_table(run(), notes=not args.quiet)
