"""From a query string to Whoosh queries: one *concept* per word (or phrase, or synonym group).

Each concept searches its word's forms in the title (boosted) and in the full text, plus:
- compound parts ("leveranstid" also as leverans AND tid) and joined neighbours ("leverans tid"
  and "lösen ord" also as one word, with a linking -s- where the language uses one);
- synonyms: a span of the query that is one member of a group also searches the other members;
- only for a word the index does not know: its spelling without Nordic letters, then words one
  or two slips away ("did you mean").
Stop words are left out of the loose query unless the query has nothing else; inside quotes they
count, as a phrase.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from whoosh.query import And, Or, Phrase, Query, Term

from kb.search.analysis import COMPOUNDING, STOP_MARK, Analyzer, fold, words
from kb.search.spelling import Speller

TITLE_BOOST = 3.0
CONFLATED = 0.6  # a related form ("retur" for "returnera") counts less than the word's own stem
PARTS = 0.7  # compound parts searched separately
SYNONYM = 0.9
ASCII = 0.9
TYPO = {1: 0.8, 2: 0.6}
MAX_CORRECTIONS = 3
MEMBER_GAP = 2  # query words allowed between two words of a synonym member


def _correction_floor(word: str) -> int:
    """How often a correction must occur in the articles: a short word has many neighbours, and a
    rare one is more likely another rare word than what the customer meant ("less" is not a typo
    of "loss"); a long word close to a long indexed word is almost surely that word."""
    return 3 if len(word) < 5 else 2 if len(word) < 8 else 1


_QUOTED = re.compile(r'"([^"]+)"')


@dataclass
class Concept:
    query: Query
    terms: set[str]  # every term it searches, for highlighting
    text: str  # the words of the query it stands for


@dataclass
class Plan:
    concepts: list[Concept]
    corrections: dict[str, str] = field(default_factory=dict)  # typed word → best correction
    unknown: list[str] = field(default_factory=list)  # words without any match or correction

    @property
    def terms(self) -> set[str]:
        return set().union(*(c.terms for c in self.concepts)) if self.concepts else set()


def _tokens(text: str) -> list[str]:
    """Lowercased query words, hyphenated ones in their parts ("cooling-off" → cooling, off)."""
    return [part for token in words(text) for part in re.split(r"[-'’]", token) if part]


def _glued(token: str) -> str:
    """A word as one folded string: "E-post" → "epost" (how synonyms and queries compare)."""
    return fold("".join(_tokens(token)))


def _spread(
    stems: list[str], start: int, member: tuple[str, ...], taken: set[int]
) -> list[int] | None:
    """Where a member's words occur in order from ``start``, each at most ``MEMBER_GAP`` words
    after the previous one, or None. Greedy: the nearest occurrence of each next word."""
    at = [start]
    for stem in member[1:]:
        last = at[-1]
        for j in range(last + 1, min(last + 2 + MEMBER_GAP, len(stems))):
            if stems[j] == stem and j not in taken:
                at.append(j)
                break
        else:
            return None
    return at


def _fields(lang: str) -> tuple[str, str]:
    return f"title_{lang}", f"text_{lang}"


def term_query(lang: str, terms: Sequence[str], weight: float = 1.0) -> Query:
    """The first term at ``weight``, the others (conflations) at a fraction of it."""
    title, text = _fields(lang)
    subs: list[Query] = []
    for i, term in enumerate(terms):
        w = weight if i == 0 else weight * CONFLATED
        subs.append(Term(title, term, boost=w * TITLE_BOOST))
        subs.append(Term(text, term, boost=w))
    return subs[0] if len(subs) == 1 else Or(subs)


def phrase_query(lang: str, stems: Sequence[str], weight: float = 1.0, slop: int = 1) -> Query:
    if len(stems) == 1:
        return term_query(lang, stems, weight)
    title, text = _fields(lang)
    return Or(
        [
            Phrase(title, list(stems), slop=slop, boost=weight * TITLE_BOOST),
            Phrase(text, list(stems), slop=slop, boost=weight),
        ]
    )


class Planner:
    def __init__(
        self, analyzer: Analyzer, speller: Speller, synonyms: Sequence[Sequence[str]] = ()
    ):
        self.a = analyzer
        self.lang = analyzer.lang
        self.speller = speller
        self.synonyms = self._compile(synonyms)

    # Synonyms ---------------------------------------------------------------------------------

    def _stems(self, text: str) -> tuple[str, ...]:
        """A synonym member as the query sees it: stems of its words, stop words left out."""
        return tuple(
            self.a.forms(_glued(w))[0] for w in words(text) if len(w) > 1 and not self.a.is_stop(w)
        )

    def _compile(self, groups: Sequence[Sequence[str]]) -> list[list[tuple[str, ...]]]:
        compiled = []
        for group in groups:
            members = [s for s in (self._stems(m) for m in group) if s]
            if len(members) >= 2:
                compiled.append(members)
        return compiled

    def _synonym_at(
        self, stems: list[str], i: int, taken: set[int]
    ) -> tuple[list[int], list[tuple[str, ...]]] | None:
        """The longest synonym member starting at token ``i``: the query words it covers and the
        other members. A member's later words may come up to ``MEMBER_GAP`` words later, as
        particle verbs and their objects are written ("send the jacket back", "skicka varan
        tillbaka", "sende pakken tilbake"): the words between stay concepts of their own."""
        best = None
        for members in self.synonyms:
            for member in members:
                if stems[i] != member[0] or (best is not None and len(member) <= len(best[0])):
                    continue
                at = _spread(stems, i, member, taken)
                if at is not None:
                    best = (at, [m for m in members if m != member])
        return best

    # Words ------------------------------------------------------------------------------------

    def word(self, token: str, plan: Plan, *, correct: bool = True) -> Concept | None:
        """The concept of one query word; ``correct=False``: an unknown word is not looked up
        as a typo (a word still being typed that completions already answer)."""
        pieces = _tokens(token)
        if len(pieces) > 1:  # "e-post": the word written together, or its parts
            return self._hyphenated(token, pieces, plan)
        a = self.a
        word = fold(token)
        forms = a.forms(word)
        subs = [term_query(self.lang, forms)]
        terms = set(forms)
        if a.knows(word):
            parts = a.compounds.split(word) if a.compounds else None
        else:
            parts = a.compounds.split(word, strict=False) if a.compounds else None
            if not parts:
                return self._corrected(token, word, plan) if correct else None
        if parts:
            part_forms = [a.forms(p) for p in parts]
            subs.append(And([term_query(self.lang, f, PARTS) for f in part_forms]))
            terms.update(t for f in part_forms for t in f)
        return Concept(subs[0] if len(subs) == 1 else Or(subs), terms, token)

    def _hyphenated(self, token: str, pieces: list[str], plan: Plan) -> Concept | None:
        glued = fold("".join(pieces))
        forms = self.a.forms(glued)
        subs: list[Query] = [term_query(self.lang, forms)]
        terms = set(forms)
        parts = [self.word(p, plan) for p in pieces if len(p) > 1 and not self.a.is_stop(p)]
        parts_found = [c for c in parts if c]
        if parts_found:
            subs.append(And([c.query for c in parts_found]))
            terms.update(*(c.terms for c in parts_found))
        return Concept(subs[0] if len(subs) == 1 else Or(subs), terms, token)

    def _corrected(self, token: str, word: str, plan: Plan) -> Concept | None:
        candidates = [(w, ASCII) for w in self.speller.ascii_variants(word)[:1]]
        if not candidates:
            floor = _correction_floor(word)
            near = [(w, d) for w, d in self.speller.near(word) if self.a.word_freq[w] >= floor]
            candidates = [(w, TYPO[d]) for w, d in near[:MAX_CORRECTIONS]]
        if not candidates:
            plan.unknown.append(token)
            return None
        plan.corrections[token] = candidates[0][0]
        subs, terms = [], set()
        for candidate, weight in candidates:
            forms = self.a.forms(candidate)
            subs.append(term_query(self.lang, forms, weight))
            terms.update(forms)
        return Concept(subs[0] if len(subs) == 1 else Or(subs), terms, token)

    def _joined(self, left: str, right: str) -> str | None:
        """Two query words that the vocabulary knows as one ("lösen ord", "leverans tid")."""
        links = ("", *COMPOUNDING.get(self.lang, ()))
        a, b = fold(left), fold(right)
        for link in links:
            joined = a + link + b
            if self.a.word_freq.get(joined):
                return joined
        return None

    # Whole query ------------------------------------------------------------------------------

    def plan(self, q: str) -> Plan:
        plan = Plan([])
        for phrase in _QUOTED.findall(q):
            tokens = list(words(phrase))
            stems = [self.a.forms(fold(w))[0] for w in tokens if not self.a.is_stop(w)]
            if stems:  # stop words are not indexed: the phrase allows for the gaps they leave
                slop = 1 + len(tokens) - len(stems)
                query = phrase_query(self.lang, stems, slop=slop)
                plan.concepts.append(Concept(query, set(stems), phrase))
        tokens = list(words(_QUOTED.sub(" ", q)))  # hyphenated words stay whole: one concept
        content = [t for t in tokens if len(t) > 1 and not self.a.is_stop(t)]
        if not content and not plan.concepts:
            content = tokens  # a query of stop words only still searches them
        stems = [self.a.forms(_glued(t))[0] for t in content]
        i = 0
        taken: set[int] = set()  # words already part of a synonym member further left
        while i < len(content):
            if i in taken:
                i += 1
                continue
            syn = self._synonym_at(stems, i, taken) if self.synonyms else None
            if syn:
                at, others = syn
                taken.update(at)
                own = [self.word(content[j], plan) for j in at]
                own_q = [c for c in own if c]
                subs = [own_q[0].query if len(own_q) == 1 else And([c.query for c in own_q])]
                subs = subs if own_q else []
                terms = set().union(*(c.terms for c in own_q)) if own_q else set()
                for member in others:
                    subs.append(phrase_query(self.lang, member, SYNONYM, slop=2))
                    terms.update(member)
                text = " ".join(content[j] for j in at)
                plan.concepts.append(Concept(Or(subs), terms, text))
                i += 1
                continue
            if (
                i + 1 < len(content)
                and i + 1 not in taken
                and (joined := self._joined(content[i], content[i + 1]))
            ):
                left, right = self.word(content[i], plan), self.word(content[i + 1], plan)
                forms = self.a.forms(joined)
                subs = [term_query(self.lang, forms)]
                if left and right:
                    subs.append(And([left.query, right.query]))
                terms = set(forms).union(*(c.terms for c in (left, right) if c))
                text = f"{content[i]} {content[i + 1]}"
                plan.concepts.append(Concept(Or(subs), terms, text))
                i += 2
                continue
            concept = self.word(content[i], plan)
            if concept:
                plan.concepts.append(concept)
            i += 1
        return plan

    def stop_term(self, token: str) -> str:
        return STOP_MARK + fold(token)
