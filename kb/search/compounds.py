"""Splitting Swedish, Norwegian and Danish compounds with a dictionary learnt from the corpus.

"leveranstid" is split into "leverans" + "tid" when both occur as words in the indexed text;
a linking -s- or -e- between the parts is dropped ("betalningsvillkor" → betalning + villkor,
nb "leveringstid" → levering + tid), and a third part is found by splitting the tail again
("kundtjänstärende" → kund + tjänst + ärende). Among the possible splits the one whose parts are
most frequent wins (geometric mean, Koehn & Knight 2003).

Documents are split strictly: only when the parts are, taken together, not much rarer than the
compound itself, so "kontakt" stays whole even if "kon" and "takt" occur somewhere. Queries are
split liberally, because a query split only adds an alternative ("lösenord" also finds the
machine-translated "lösen ord").
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection

MIN_PART = 3
MIN_SHORT_PART_FREQ = 3  # a three-letter part needs this much evidence ("tid", "ord")
STRICT_RATIO = 4.0  # documents: split when geomean(parts) * ratio >= frequency(compound)


class Decompounder:
    def __init__(
        self,
        frequency: Callable[[str], int],  # of a tail, which may be inflected
        stopwords: Collection[str],
        links: tuple[str, ...],
        *,
        head_frequency: Callable[[str], int] | None = None,
    ) -> None:
        self._frequency = frequency
        self._head_frequency = head_frequency or frequency
        self._stop = stopwords
        self._links = links
        self._cache: dict[tuple[str, bool], tuple[str, ...] | None] = {}
        self._memo: dict[tuple[str, int], tuple[tuple[str, ...], float] | None] = {}

    def clear(self) -> None:
        self._cache.clear()
        self._memo.clear()

    def split(self, word: str, *, strict: bool = True) -> tuple[str, ...] | None:
        """The parts of a compound, or None when the word is not one the vocabulary explains."""
        key = (word, strict)
        if key in self._cache:
            return self._cache[key]
        found = self._best(word, depth=2)
        result = None
        if found is not None:
            parts, score = found
            if not strict or score * STRICT_RATIO >= self._frequency(word):
                result = parts
        if len(self._cache) < 200_000:
            self._cache[key] = result
        return result

    def _part_frequency(self, part: str, *, head: bool) -> int:
        if len(part) < MIN_PART or part in self._stop or part.isdigit():
            return 0
        freq = self._head_frequency(part) if head else self._frequency(part)
        if len(part) == MIN_PART and freq < MIN_SHORT_PART_FREQ:
            return 0
        return freq

    def _heads(self, head: str) -> list[str]:
        heads = [head]
        for link in self._links:
            if head.endswith(link) and len(head) - len(link) >= MIN_PART:
                heads.append(head[: -len(link)])
        return heads

    def _best(self, word: str, depth: int) -> tuple[tuple[str, ...], float] | None:
        """Best split of ``word`` into known parts (2 or, when depth allows, 3) and its score."""
        if len(word) < 2 * MIN_PART or depth == 0:
            return None
        memo = self._memo.get((word, depth), False)
        if memo is not False:
            return memo  # type: ignore[return-value]
        best: tuple[tuple[str, ...], float] | None = None
        for i in range(MIN_PART, len(word) - MIN_PART + 1):
            heads = [
                (h, f) for h in self._heads(word[:i]) if (f := self._part_frequency(h, head=True))
            ]
            if not heads:  # checked first: a dictionary lookup, where the tail needs a stemmer
                continue
            tail = word[i:]
            tail_freq = self._part_frequency(tail, head=False)
            tail_parts: tuple[str, ...] = (tail,)
            tail_freqs = [tail_freq]
            if not tail_freq:
                sub = self._best(tail, depth - 1)
                if sub is None:
                    continue
                tail_parts = sub[0]
                tail_freqs = [self._part_frequency(p, head=False) or 1 for p in sub[0]]
            for head, head_freq in heads:
                freqs = [head_freq, *tail_freqs]
                score = math.exp(sum(math.log(f) for f in freqs) / len(freqs))
                if best is None or score > best[1]:
                    best = ((head, *tail_parts), score)
        if len(self._memo) < 200_000:
            self._memo[(word, depth)] = best
        return best
