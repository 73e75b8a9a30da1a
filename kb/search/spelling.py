"""Typo candidates from a language's indexed vocabulary, fast enough to use on every query.

Only words the index does not know are looked up, so a correctly spelt query costs nothing here.
A lookup finds vocabulary words within edit distance 1–2 (Damerau: a swapped pair is one slip)
through a bigram index bucketed by word length: a word within distance k of the query shares at
least ``bigrams − 3k`` of its bigrams (one slip changes at most three), so counting shared
bigrams in C (``Counter.update``) narrows tens of thousands of words to a handful, and only those
are compared exactly. Words typed without å ä ö ø æ ("angerratt", "kjoep") are matched through
their ASCII spelling first: that is what a foreign keyboard does, not a typo.
"""

from __future__ import annotations

import itertools
import threading
from collections import Counter
from collections.abc import Mapping

from kb.search.analysis import ascii_key

MAX_VERIFY = 400  # exact comparisons per lookup, the most promising first


def max_distance(word: str) -> int:
    """How many slips a word of this length may contain and still be recognised."""
    n = len(word)
    return 0 if n < 4 else 1 if n < 7 else 2


def _bigrams(word: str) -> set[str]:
    padded = f"^{word}$"
    return {padded[i : i + 2] for i in range(len(padded) - 1)}


def distance(a: str, b: str, limit: int) -> int:
    """Optimal-string-alignment distance, or ``limit + 1`` as soon as it must exceed ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    if a == b:
        return 0
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        best = i
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            value = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                value = min(value, prev2[j - 2] + 1)
            cur[j] = value
            best = min(best, value)
        if best > limit:
            return limit + 1
        prev2, prev = prev, cur
    return prev[-1]


class Speller:
    """Candidate corrections among the words of ``freq`` (which may grow: call ``sync``)."""

    def __init__(self, freq: Mapping[str, int]) -> None:
        self.freq = freq
        self._words: list[str] = []
        self._grams: dict[tuple[str, int], list[int]] = {}
        self._ascii: dict[str, list[str]] = {}
        self._lock = threading.Lock()

    def sync(self) -> None:
        """Index words added to ``freq`` since the last call (a dict keeps insertion order)."""
        if len(self._words) >= len(self.freq):
            return
        with self._lock:
            start = len(self._words)
            for word in itertools.islice(list(self.freq), start, None):
                i = len(self._words)
                self._words.append(word)
                if len(word) < 3 or word.isdigit():
                    continue
                n = len(word)
                for gram in _bigrams(word):
                    self._grams.setdefault((gram, n), []).append(i)
                key = ascii_key(word)
                if key != word:
                    self._ascii.setdefault(key, []).append(word)

    def ascii_variants(self, word: str) -> list[str]:
        """Indexed words that are this word typed without Nordic letters, commonest first."""
        self.sync()
        found = self._ascii.get(ascii_key(word), [])
        return sorted((w for w in found if w != word), key=lambda w: -self.freq.get(w, 0))

    def near(self, word: str, limit: int | None = None) -> list[tuple[str, int]]:
        """Indexed words within the allowed distance: ``(word, distance)``, best first."""
        self.sync()
        k = max_distance(word) if limit is None else limit
        if k == 0:
            return []
        grams = _bigrams(word)
        need = max(1, len(grams) - 3 * k)
        counts: Counter[int] = Counter()
        n = len(word)
        for length in range(max(3, n - k), n + k + 1):
            for gram in grams:
                ids = self._grams.get((gram, length))
                if ids:
                    counts.update(ids)
        words = self._words
        freq = self.freq
        found = []
        for i, shared in counts.most_common(MAX_VERIFY):
            if shared < need:
                break
            candidate = words[i]
            d = distance(word, candidate, k)
            if 0 < d <= k:
                found.append((candidate, d))
        found.sort(key=lambda item: (item[1], -freq.get(item[0], 0)))
        return found
