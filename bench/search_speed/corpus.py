"""A seeded synthetic help-centre corpus in en, sv and nb, for measuring search at scale.

Word sequences come from a bigram chain trained on real text — the demo articles and the real
help-centre corpora — so the vocabulary, word lengths and word frequencies are realistic. Each
article draws mostly from the bigrams of two or three "topic" source articles and sometimes from
the whole language, which keeps topical words bursty (a word like "reklamation" is frequent in
some articles and absent from most) instead of smeared evenly over every document.
"""

from __future__ import annotations

import random
import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bench.search_quality.articles import ROOT, load_articles
from kb.search import SearchDocument

CORPUS = ROOT.parent / "shared" / "corpus"
SOURCES = {
    "en": [ROOT / "portal/demo/content/articles", CORPUS / "arduino-helpcenter/en"],
    "sv": [ROOT / "portal/demo/content/articles", CORPUS / "m365-alchemy-nordic/sv"],
    "nb": [ROOT / "portal/demo/content/articles", CORPUS / "m365-alchemy-nordic/nb"],
}
SHARES = {"en": 0.4, "sv": 0.3, "nb": 0.3}
CATEGORIES = ["returns", "delivery", "damaged-missing", "faulty-goods", "refunds", "payment",
              "orders", "gift-cards", "account", "complaints"]  # fmt: skip
TOKEN = re.compile(r"\w+(?:[-']\w+)*|[.!?]")
TOPIC_SHARE = 0.8
STOP = "."
ENDS = ".!?"


@dataclass
class Source:
    title: str
    tokens: list[str]


class Chain:
    """Bigram successors for one language, globally and per source article."""

    def __init__(self, sources: list[Source]) -> None:
        self.sources = sources
        self.all: dict[str, list[str]] = defaultdict(list)
        self.per: list[dict[str, list[str]]] = []
        self.starts: list[list[str]] = []
        for source in sources:
            table: dict[str, list[str]] = defaultdict(list)
            starts = []
            previous = "."
            for token in source.tokens:
                table[previous].append(token)
                self.all[previous].append(token)
                if previous == STOP and token != STOP:
                    starts.append(token)
                previous = token
            self.per.append(table)
            self.starts.append(starts or ["."])

    def walk(self, rng: random.Random, topics: list[int], n: int) -> list[str]:
        out: list[str] = []
        current = rng.choice(self.starts[topics[0]])
        while len(out) < n:
            out.append(current)
            table = self.per[rng.choice(topics)] if rng.random() < TOPIC_SHARE else self.all
            choices = table.get(current) or self.all.get(current) or self.all["."]
            current = rng.choice(choices)
        return out


def _text(tokens: list[str]) -> str:
    sentences, sentence = [], []
    for token in tokens:
        if token in ENDS:
            if sentence:
                sentences.append(" ".join(sentence).capitalize() + token)
            sentence = []
        else:
            sentence.append(token)
    if sentence:
        sentences.append(" ".join(sentence).capitalize() + ".")
    return " ".join(sentences)


def load_chains() -> dict[str, Chain]:
    chains = {}
    for lang, folders in SOURCES.items():
        sources = [
            Source(doc.title, [t.lower() for t in TOKEN.findall(f"{doc.title}. {doc.body}")])
            for folder in folders
            for doc in load_articles(folder, langs={lang})
        ]
        chains[lang] = Chain([s for s in sources if len(s.tokens) > 20])
    return chains


def generate(
    n: int, seed: int = 42, chains: dict[str, Chain] | None = None
) -> Iterator[SearchDocument]:
    """``n`` articles of 300–800 words; the same seed always gives the same corpus."""
    rng = random.Random(seed)
    chains = chains or load_chains()
    langs = list(SHARES)
    weights = [SHARES[lang] for lang in langs]
    epoch = datetime(2026, 1, 1, tzinfo=UTC)
    for i in range(n):
        lang = rng.choices(langs, weights)[0]
        chain = chains[lang]
        topics = rng.sample(range(len(chain.sources)), k=rng.randint(2, 3))
        body = chain.walk(rng, topics, rng.randint(300, 800))
        title_words = [t for t in chain.walk(rng, topics[:1], 12) if t not in ".!?"]
        title = " ".join(title_words[: rng.randint(3, 8)]).capitalize()
        summary = _text(chain.walk(rng, topics, rng.randint(15, 30)))
        counts: dict[str, int] = defaultdict(int)
        for token in body:
            if len(token) > 5:
                counts[token] += 1
        tags = sorted(counts, key=lambda t: -counts[t])[:3]
        yield SearchDocument(
            id=f"s{i}",
            key=f"synthetic-{i // 3}",
            lang=lang,
            slug=f"article-{i}",
            title=title,
            summary=summary,
            body=_text(body),
            tags=tuple(tags),
            category=CATEGORIES[topics[0] % len(CATEGORIES)],
            updated_at=epoch + timedelta(minutes=i),
        )
