"""The index's fields: per-language analysed fields whose values arrive pre-analysed, a compact
positions format, a bulk writer and a length-caching BM25F — the parts that make Whoosh fast
enough to build and search at tens of thousands of articles.
"""

from __future__ import annotations

from array import array
from itertools import accumulate

from whoosh.analysis import KeywordAnalyzer
from whoosh.fields import ID, STORED, FieldType, Schema
from whoosh.formats import Positions
from whoosh.scoring import BM25F
from whoosh.system import _INT_SIZE, pack_uint
from whoosh.writing import SegmentWriter

from kb.search.analysis import LANGUAGES, Analyzer
from kb.search.codec import KbCodec
from kb.search.types import SearchDocument

# How much one occurrence counts towards a term's weight in ``text_<lang>``: summary and tags say
# what an article is about more densely than its body. Titles also get their own field.
TITLE_WEIGHT, META_WEIGHT, BODY_WEIGHT = 1.5, 2.0, 1.0
GAP = 20  # positions left between title, summary, tags and body: phrases never span them


class FastPositions(Positions):
    """Positions stored as an array of deltas instead of a pickle: ten times cheaper to write."""

    def encode(self, poslist):  # type: ignore[no-untyped-def]
        if len(poslist) == 1:
            return pack_uint(1) + array("I", poslist).tobytes()
        deltas = array("I", [b - a for a, b in zip([0, *poslist], poslist, strict=False)])
        return pack_uint(len(poslist)) + deltas.tobytes()

    def decode_positions(self, valuestring):  # type: ignore[no-untyped-def]
        deltas = array("I")
        deltas.frombytes(valuestring[_INT_SIZE:])
        return list(accumulate(deltas))


class AnalysedField(FieldType):
    """A text field whose value arrives analysed: ``(term → positions, term → weight)``."""

    def __init__(self) -> None:
        self.format = FastPositions()
        self.analyzer = KeywordAnalyzer()
        self.scorable = True
        self.stored = False
        self.unique = False
        self.vector = None

    def index(self, value, **kwargs):  # type: ignore[no-untyped-def]
        positions, extra = value
        encode = self.format.encode
        get = extra.get if extra else None
        for term, poses in positions.items():
            poses.sort()
            n = len(poses)
            weight = n + get(term, 0.0) if get else n
            yield term.encode("utf-8"), n, float(weight), encode(poses)


class _LengthCache:
    """A per-document reader that remembers field lengths: Whoosh asks for a document's length
    once per posting while writing a segment, hundreds of times per document."""

    def __init__(self, reader: object) -> None:
        self._reader = reader
        self._lengths: dict[tuple[int, str], int] = {}

    def doc_field_length(self, docnum: int, fieldname: str, default: int = 0) -> int:
        key = (docnum, fieldname)
        length = self._lengths.get(key)
        if length is None:
            length = self._reader.doc_field_length(docnum, fieldname, default)  # type: ignore[attr-defined]
            self._lengths[key] = length
        return length

    def __getattr__(self, name: str) -> object:
        return getattr(self._reader, name)


class BulkWriter(SegmentWriter):
    """A segment writer with the array posting codec and a length cache."""

    def __init__(self, ix, **kwargs):  # type: ignore[no-untyped-def]
        kwargs.setdefault("codec", KbCodec())
        super().__init__(ix, **kwargs)

    def per_document_reader(self):  # type: ignore[no-untyped-def]
        return _LengthCache(super().per_document_reader())


def make_schema() -> Schema:
    fields: dict[str, FieldType] = {
        "id": ID(stored=True, unique=True),
        "key": ID(stored=True),
        "lang": ID(stored=True),
        "category": ID(stored=True),
        "doc": STORED(),
    }
    for lang in LANGUAGES:
        fields[f"title_{lang}"] = AnalysedField()
        fields[f"text_{lang}"] = AnalysedField()
    return Schema(**fields)


def document_fields(doc: SearchDocument, analyzer: Analyzer) -> dict[str, object]:
    """The index fields of one document: analysed title, analysed full text, stored values."""
    title, _ = analyzer.analyse(doc.title, keep_stop=True)
    text, pos = analyzer.analyse(doc.body)
    extra: dict[str, float] = {}
    sections = [(doc.title, TITLE_WEIGHT), (doc.summary, META_WEIGHT)]
    sections += [(tag, META_WEIGHT) for tag in doc.tags]
    for value, weight in sections:
        if not value:
            continue
        part, end = analyzer.analyse(value, None, pos + GAP)
        for term, poses in part.items():
            found = text.get(term)
            if found is None:
                text[term] = poses
            else:
                found.extend(poses)
            extra[term] = extra.get(term, 0.0) + (weight - BODY_WEIGHT) * len(poses)
        pos = end
    stored = {
        "slug": doc.slug,
        "title": doc.title,
        "summary": " ".join(doc.summary.split()),
        "body": " ".join(doc.body.split()),  # whitespace folded once here, not per snippet
        "updated_at": doc.updated_at,
    }
    return {
        "id": doc.id,
        "key": doc.key,
        "lang": doc.lang,
        "category": doc.category or "",
        "doc": stored,
        f"title_{doc.lang}": (title, None),
        f"text_{doc.lang}": (text, extra),
    }


class CachedBM25F(BM25F):
    """BM25F that remembers each document's field length per searcher: Whoosh otherwise reads
    it from the lengths file for every posting it scores."""

    def scorer(self, searcher, fieldname, text, qf=1):  # type: ignore[no-untyped-def]
        scorer = super().scorer(searcher, fieldname, text, qf=qf)
        slow = getattr(scorer, "dfl", None)
        if slow is not None:
            cache = searcher.__dict__.setdefault("_lengths", {}).setdefault(fieldname, {})

            def dfl(docid: int) -> int:
                length = cache.get(docid)
                if length is None:
                    length = cache[docid] = slow(docid)
                return length

            scorer.dfl = dfl
        return scorer
