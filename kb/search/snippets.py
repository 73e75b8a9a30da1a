"""Highlighted passages: escaped text with the words that matched the query in ``<mark>``.

A word matches when one of its index terms is one the query searched for, so "returnerade" is
marked for the query "retur" and "leveranstiden" for "leverans tid". Only the hits on the page
are highlighted, and a body is scanned with one regular expression of its matching words rather
than analysed token by token.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from functools import lru_cache
from html import escape

from kb.search.analysis import WORD, Analyzer

_RUN = re.compile(r"\w+")  # a word, or a part of a hyphenated one: what the index splits
SNIPPET_CHARS = 240
SCAN_CHARS = 4000
PREFIX = 5


class WordIndex:
    """Indexed words by the terms they carry (term → words), kept in step with the analyser."""

    def __init__(self, analyzer: Analyzer) -> None:
        self._analyzer = analyzer
        self._seen = 0
        self._by_term: dict[str, list[str]] = {}
        self._lock = threading.Lock()

    def _sync(self) -> None:
        if self._analyzer.analysed_count <= self._seen:
            return
        with self._lock:
            added = self._analyzer.analysed_since(self._seen)
            for word, terms in added:
                for term in terms:
                    self._by_term.setdefault(term, []).append(word)
            self._seen += len(added)

    def words(self, terms: Iterable[str]) -> set[str]:
        """Every word that carries one of ``terms``: what to mark in a title or passage."""
        self._sync()
        found: set[str] = set()
        for term in terms:
            found.update(self._by_term.get(term, ()))
        return found


@lru_cache(maxsize=256)
def _pattern(words: frozenset[str]) -> re.Pattern[str]:
    """Words starting with one of the matching words' first letters: a short alternation that
    the regex engine scans fast; each candidate is then checked against the set."""
    prefixes = sorted({w[:PREFIX] for w in words}, key=len, reverse=True)
    return re.compile(r"(?<!\w)(?:" + "|".join(re.escape(p) for p in prefixes) + r")\w*")


def _spans(text: str, words: frozenset[str]) -> list[tuple[int, int]]:
    if not words:
        return []
    lowered = text.lower()
    if len(lowered) != len(text):  # a rare letter whose lowercase is longer: compare per word
        return [m.span() for m in WORD.finditer(text) if m.group().lower() in words]
    return [m.span() for m in _pattern(words).finditer(lowered) if m.group() in words]


def mark(text: str, spans: list[tuple[int, int]], start: int = 0, end: int | None = None) -> str:
    """``text[start:end]`` escaped, with the given spans wrapped in ``<mark>``."""
    end = len(text) if end is None else end
    out = []
    pos = start
    for a, b in spans:
        if b <= start or a >= end:
            continue
        a, b = max(a, start), min(b, end)
        out.append(escape(text[pos:a], quote=False))
        out.append("<mark>" + escape(text[a:b], quote=False) + "</mark>")
        pos = b
    out.append(escape(text[pos:end], quote=False))
    return "".join(out)


def highlight(text: str, words: frozenset[str]) -> str:
    """The whole (short) text, escaped, with matching words marked: for titles. A title has a
    handful of words: each is looked up, which costs less than compiling the words' pattern."""
    spans = [m.span() for m in _RUN.finditer(text) if m.group().lower() in words] if words else []
    return mark(text, spans)


def snippet(text: str, words: frozenset[str], fallback: str = "", size: int = SNIPPET_CHARS) -> str:
    """The passage of ``text`` with the most distinct matching words, about ``size`` characters.

    Passages are looked for in the first ``SCAN_CHARS`` characters, then at the first match
    anywhere. With no match in the text (the title or the tags matched), the start of
    ``fallback`` (the summary) or of the text is shown instead.
    """
    spans = _spans(text[:SCAN_CHARS], words)
    if not spans and len(text) > SCAN_CHARS and words:
        spans = _spans(text, words)[:1]
    if not spans:
        return _cut(fallback or text, 0, size)
    best, best_score = 0, -1
    for i, (a, _) in enumerate(spans):
        seen = set()
        for c, d in spans[i:]:
            if d - a > size:
                break
            seen.add(text[c:d].lower())
        if len(seen) > best_score:
            best, best_score = i, len(seen)
    first = spans[best][0]
    start = max(0, first - size // 4)
    if start:
        space = text.rfind(" ", 0, start)
        start = space + 1 if space >= 0 and start - space < 30 else start
    near = [span for span in spans if span[0] < start + size + 50]
    return _cut(text, start, size, near)


def _cut(text: str, start: int, size: int, spans: list[tuple[int, int]] | None = None) -> str:
    end = min(len(text), start + size)
    if end < len(text):
        space = text.rfind(" ", start, end)
        end = space if space > start + size // 2 else end
    body = mark(text, spans or [], start, end)
    prefix = "… " if start > 0 else ""
    suffix = " …" if end < len(text) else ""
    return prefix + body + suffix
