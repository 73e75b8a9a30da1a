"""Per-language text analysis: words → index terms, the same way for documents and queries.

A word is lowercased and stripped of foreign accents (é → e, ü → u) while the Nordic letters
å ä ö ø æ stay letters of their own ("får" is not "far"). Snowball stems it; a second, vocabulary-
gated step conflates forms the Snowball rules leave apart (sv "returnera" → "retur" when "retur"
is a word of the corpus, "paketet" → "paket", en "payment" → "pay"). Compounding languages also
index the parts of a compound ("leveranstid" → leverans + tid), learnt from the corpus vocabulary
(see ``compounds``). Stop words are not indexed in the text, but they keep their place: a quoted
phrase skips them with the gap they leave. Titles, which are short, keep them as marked,
unstemmed terms, so a query of stop words only still finds a title ("The Who").

Analysis runs once per distinct word: every result is cached, which is what makes indexing and
highlighting cheap (Zipf: a corpus of millions of tokens has tens of thousands of words).
"""

from __future__ import annotations

import itertools
import re
import threading
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Iterator

from whoosh.lang import stemmer_for_language, stopwords_for_language

from kb.search.compounds import Decompounder

# Our language codes → the codes of ``whoosh.lang`` (Norwegian bokmål is "no" there).
LANGUAGES = {"en": "en", "sv": "sv", "nb": "no", "da": "da", "fi": "fi"}
COMPOUNDING = {"sv": ("s",), "nb": ("s", "e"), "da": ("s", "e"), "fi": ()}
NORDIC = frozenset("åäöøæ")
STOP_MARK = "="

# Stop-list words that carry meaning in customer questions ("vara" is also "goods" in Swedish,
# "logga ut" is not "logga in").
_NOT_STOP = {
    "en": {"out", "off", "down", "over"},
    "sv": {"vara", "ut", "upp", "över", "under", "utan"},
    "nb": {"ut", "opp", "inn", "ned", "over", "kom", "uten"},
    "da": {"ud", "op", "ind", "ned", "over"},
    "fi": set(),
}
# Suffixes tried on a Snowball stem to reach a related word's stem, shortest first. A reduction is
# only used when the vocabulary holds a word with that stem (or two stems reduce to it), so
# "komment" never becomes "com" — but "reklamer" (reklamera) meets "reklam" (reklamation).
_CONFLATE = {
    "en": ("ment", "eri"),
    "sv": ("nering", "ering", "ation", "ning", "ner", "er", "et", "s", "n", "t"),
    "nb": ("asjon", "nering", "ering", "ing", "ner", "er", "s"),
    "da": ("ation", "ering", "ing", "er", "s"),
    "fi": (),
}
WORD = re.compile(r"\w+(?:[-'’]\w+)*")
_SEPARATOR = re.compile(r"[-'’]")
_PART = re.compile(r"\w+")  # a word, or one part of a hyphenated word
_HYPHENATED = re.compile(r"(?<!\w)\w++(?:[-'’]\w+)+")  # possessive: no backtracking


def fold(word: str) -> str:
    """Lowercase and strip accents from everything but å ä ö ø æ."""
    word = word.lower()
    if word.isascii():
        return word
    out = []
    for ch in word:
        if ch < "\x80" or ch in NORDIC:
            out.append(ch)
        elif ch == "ß":
            out.append("ss")
        else:
            out.append(
                "".join(c for c in unicodedata.normalize("NFD", ch) if not unicodedata.combining(c))
            )
    return "".join(out)


_ASCII = str.maketrans({"å": "a", "ä": "a", "æ": "a", "ö": "o", "ø": "o"})
_DIGRAPHS = re.compile(r"aa|ae|oe")


def ascii_key(word: str) -> str:
    """What a word looks like typed without Nordic letters ("angerratt", "kjoep", "aangre")."""
    return _DIGRAPHS.sub(lambda m: m.group(0)[0], fold(word).translate(_ASCII))


def words(text: str) -> Iterator[str]:
    """Lowercased words of a text; hyphenated words come whole ("e-post") for the caller."""
    for match in WORD.finditer(text):
        yield match.group(0).lower()


def supported(lang: str) -> bool:
    return lang in LANGUAGES


class Analyzer:
    """One language's analysis, with the vocabulary it has learnt from the indexed text.

    ``observe`` counts words (before a rebuild, and for each incremental update); ``finish``
    derives the stems and conflations from the counts. Documents and queries are analysed by the
    same object, so both sides agree.
    """

    def __init__(
        self,
        lang: str,
        word_freq: dict[str, int] | None = None,
        terms: dict[str, tuple[str, ...]] | None = None,
    ) -> None:
        if lang not in LANGUAGES:
            raise ValueError(f"unsupported language {lang!r}")
        self.lang = lang
        code = LANGUAGES[lang]
        self._stem: Callable[[str], str] = stemmer_for_language(code)
        self.stopwords = frozenset(stopwords_for_language(code)) - _NOT_STOP[lang]
        self._suffixes = sorted(_CONFLATE[lang], key=len)
        self.word_freq: Counter[str] = Counter()
        self.stem_freq: Counter[str] = Counter()
        self._targets: set[str] = set()
        self._join_heads: set[str] = set()
        self._stem_cache: dict[str, str] = {}
        self._terms: dict[str, tuple[str, ...]] = {}
        self._lock = threading.Lock()
        links = COMPOUNDING.get(lang)
        self.compounds = (
            Decompounder(
                self._tail_frequency,
                self.stopwords,
                links,
                head_frequency=lambda word: self.word_freq.get(word, 0),
            )
            if links is not None
            else None
        )
        if word_freq:
            self.observe_counts(word_freq)
            self.finish()
        if terms:
            self._terms.update(terms)  # the analysis of every indexed word, saved with the index

    # Vocabulary -------------------------------------------------------------------------------

    def count(self, texts: Iterable[str]) -> Counter[str]:
        raw: Counter[str] = Counter()
        for text in texts:
            raw.update(WORD.findall(text.lower()))
        counts: Counter[str] = Counter()
        for token, n in raw.items():
            for part in _parts(token) if _SEPARATOR.search(token) else (token,):
                counts[fold(part)] += n
        return counts

    def observe_counts(self, counts: dict[str, int]) -> bool:
        """Add word counts; True when a word was new (its analysis may differ from before)."""
        with self._lock:
            new = False
            for word, n in counts.items():
                if word not in self.word_freq:
                    new = True
                self.stem_freq[self.stem(word)] += n
                self.word_freq[word] += n
            if new and self.compounds:
                self.compounds.clear()
            return new

    def finish(self) -> None:
        """Derive conflation targets from the vocabulary (after a batch of ``observe_counts``)."""
        with self._lock:
            reductions: Counter[str] = Counter()
            for stem in self.stem_freq:
                candidates = set(self._reductions(stem))
                if candidates and not candidates & self.stem_freq.keys():
                    reductions.update(candidates)
            self._targets = {r for r, n in reductions.items() if n >= 2}
            self._join_heads = self._find_join_heads() if self.compounds else set()
            self._terms.clear()
            if self.compounds:
                self.compounds.clear()

    def frequency(self, word: str) -> int:
        """How often a word — or a word with this stem — occurs in the indexed text."""
        return self.word_freq.get(word, 0) or self.stem_freq.get(self.stem(word), 0)

    def _tail_frequency(self, word: str) -> int:
        """A compound's last part may be inflected ("tiden"); a stem shorter than four letters
        counts only as a known word with a real ending ("tid|en", but not "ner|a" of "nera")."""
        freq = self.word_freq.get(word, 0)
        if freq:
            return freq
        stem = self.stem(word)
        if len(stem) >= 4:
            return self.stem_freq.get(stem, 0)
        if len(word) - len(stem) >= 2 and word.startswith(stem):
            return self.word_freq.get(stem, 0)
        return 0

    def knows(self, word: str) -> bool:
        """Whether a (folded) word occurs in the indexed text, as itself or by its stem."""
        return word in self.word_freq or self.stem(word) in self.stem_freq

    # Analysis ---------------------------------------------------------------------------------

    def stem(self, word: str) -> str:
        stem = self._stem_cache.get(word)
        if stem is None:
            stem = self._stem(word) if len(word) > 2 and not word.isdigit() else word
            self._stem_cache[word] = stem
        return stem

    def _reductions(self, stem: str) -> list[str]:
        """Candidate related stems: the stem minus a suffix, taken as a stem ("levering" →
        "lever") or as a word to stem again ("fakturan" → "faktura" → "faktur")."""
        out = []
        for suffix in self._suffixes:
            if stem.endswith(suffix) and len(stem) - len(suffix) >= 3:
                reduced = stem[: -len(suffix)]
                if reduced in self.stem_freq:
                    out.append(reduced)
                else:
                    out.append(self.stem(reduced))
        return out

    def forms(self, word: str) -> tuple[str, ...]:
        """Terms for one folded word, without compound parts: its stem and its conflation."""
        if word in self.stopwords:
            return (STOP_MARK + word,)
        stem = self.stem(word)
        for reduced in self._reductions(stem):
            if reduced != stem and (reduced in self.stem_freq or reduced in self._targets):
                return (stem, reduced)
        return (stem,)

    def terms(self, token: str) -> tuple[str, ...]:
        """Every index term of one lowercased word: forms, plus compound parts' forms."""
        terms = self._terms.get(token)
        if terms is not None:
            return terms
        word = fold(token)
        found = list(self.forms(word))
        if self.compounds and word not in self.stopwords:
            for part in self.compounds.split(word) or ():
                found.extend(self.forms(part))
        terms = tuple(dict.fromkeys(found))
        if len(self._terms) < 500_000:
            self._terms[token] = terms
        return terms

    def is_stop(self, token: str) -> bool:
        return fold(token) in self.stopwords

    def analyse(
        self,
        text: str,
        positions: dict[str, list[int]] | None = None,
        start: int = 0,
        *,
        keep_stop: bool = False,
    ) -> tuple[dict[str, list[int]], int]:
        """Term → positions for a document field, and the next free position.

        A hyphenated word indexes its parts and its joined form at its position; in compounding
        languages two adjacent words that the vocabulary knows as one ("lösen ord" → lösenord)
        are indexed joined as well. Work is per distinct word, not per token.
        """
        positions = {} if positions is None else positions
        lowered = text.lower()
        at: dict[str, list[int]] = {}
        if _SEPARATOR.search(text):  # hyphenated words: each part takes a position of its own
            tokens = _PART.findall(lowered)
            glued = _glued(lowered, start)
        else:
            tokens = WORD.findall(lowered)
            glued = {}
        for i, token in enumerate(tokens, start):
            at.setdefault(token, []).append(i)
        terms_of = self.terms
        stop = () if keep_stop else self.stopwords
        for source in (at, glued):
            for token, poses in source.items():
                if token in stop:
                    continue  # positions still advance: phrases across stop words keep the gap
                for term in terms_of(token):
                    found = positions.get(term)
                    if found is None:
                        positions[term] = list(poses)
                    else:
                        found.extend(poses)
        heads = self._join_heads
        if heads:
            freq = self.word_freq
            for i in [i for i, t in enumerate(tokens[:-1]) if t in heads]:
                joined = tokens[i] + tokens[i + 1]
                if freq.get(joined, 0) >= 2:
                    for term in terms_of(joined):
                        positions.setdefault(term, []).append(start + i)
        return positions, start + len(tokens)

    def _find_join_heads(self) -> set[str]:
        """Words that begin a two-word spelling of a known compound ("lösen" of "lösenord")."""
        freq = self.word_freq
        heads = set()
        for word, n in freq.items():
            if n < 2 or len(word) < 5:
                continue
            for i in range(2, len(word) - 1):
                head = word[:i]
                if head in freq and word[i:] in freq and head not in self.stopwords:
                    heads.add(head)
        return heads

    def surfaces(self) -> dict[str, tuple[str, ...]]:
        """A snapshot of the analysis cache (lowercased word → terms)."""
        return dict(self._terms)

    def analysed_since(self, start: int) -> list[tuple[str, tuple[str, ...]]]:
        """Cache entries added after the first ``start`` (a dict keeps insertion order)."""
        return list(itertools.islice(list(self._terms.items()), start, None))

    @property
    def analysed_count(self) -> int:
        return len(self._terms)


def _glued(lowered: str, start: int) -> dict[str, list[int]]:
    """Hyphenated words written together ("e-post" → "epost"), at their first part's position
    (every part is a token of its own; the tokens between two matches are counted in C)."""
    glued: dict[str, list[int]] = {}
    count, previous = 0, 0
    for match in _HYPHENATED.finditer(lowered):
        count += len(_PART.findall(lowered, previous, match.start()))
        pieces = _SEPARATOR.split(match.group())
        glued.setdefault("".join(pieces), []).append(start + count)
        count += len(pieces)
        previous = match.end()
    return glued


def _parts(token: str) -> list[str]:
    return [p for p in _SEPARATOR.split(token) if p]
