"""The index's fields: per-language analysed fields whose values arrive pre-analysed, a compact
positions format, a bulk writer and a length-caching BM25F — the parts that make Whoosh fast
enough to build and search at tens of thousands of articles.
"""

from __future__ import annotations

from array import array

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
    """Positions stored as a raw array instead of a pickle: ten times cheaper to write. (Posting
    blocks are not compressed, so deltas would save nothing.)"""

    def encode(self, poslist):  # type: ignore[no-untyped-def]
        return pack_uint(len(poslist)) + array("I", poslist).tobytes()

    def decode_positions(self, valuestring):  # type: ignore[no-untyped-def]
        positions = array("I")
        positions.frombytes(valuestring[_INT_SIZE:])
        return positions.tolist()


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
        for term, poses in positions.items():
            poses.sort()
            weight = len(poses) + (extra.get(term, 0.0) if extra else 0.0)
            yield term.encode("utf-8"), len(poses), float(weight), _encoded(poses)


def _encoded(poses: list[int]) -> bytes:
    return pack_uint(len(poses)) + array("I", poses).tobytes()


class _PostingList:
    """One term's postings in one segment, in document order, as arrays."""

    __slots__ = ("ids", "sizes", "values", "weights")

    def __init__(self) -> None:
        self.ids = array("I")
        self.weights = array("f")
        self.sizes = array("I")  # bytes of each posting's value
        self.values = bytearray()


class BulkWriter(SegmentWriter):
    """A segment writer for a fresh index with the array posting codec. Postings are grouped by
    term as documents are added — a term's postings arrive in document order — and each term's
    list is written as whole blocks at the end. Whoosh instead pools every posting as a tuple,
    sorts them all, and writes them one Python call at a time, which was most of a rebuild."""

    def __init__(self, ix, limitmb: int = 128, **kwargs):  # type: ignore[no-untyped-def]
        kwargs.setdefault("codec", KbCodec())
        super().__init__(ix, limitmb=limitmb, **kwargs)
        if self.segments:
            raise ValueError("BulkWriter writes fresh indexes only")
        self._postings: dict[str, dict[str | bytes, _PostingList]] = {}
        self._lengths: dict[str, array] = {}  # type: ignore[type-arg]  # field → length per docnum

    def add_document(self, **fields):  # type: ignore[no-untyped-def]
        schema = self.schema
        if any(name.startswith("_") for name in fields):
            raise ValueError("BulkWriter takes no boosts")
        self._check_state()
        self._check_fields(schema, fields)
        if any(schema[name].vector or schema[name].column_type for name in fields):
            raise ValueError("BulkWriter writes no vectors or columns")
        perdocwriter = self.perdocwriter
        docnum = self.docnum
        perdocwriter.start_doc(docnum)
        try:
            for fieldname in sorted(fields):
                value = fields[fieldname]
                if value is None:
                    continue
                field = schema[fieldname]
                length = 0
                if isinstance(field, AnalysedField):
                    length = self._add_analysed(fieldname, value, docnum)
                elif field.indexed:
                    length = self._add_indexed(fieldname, field, value, docnum)
                perdocwriter.add_field(fieldname, field, value if field.stored else None, length)
        except Exception:
            perdocwriter.cancel_doc()
            raise
        perdocwriter.finish_doc()
        self._added = True
        self.docnum += 1

    def _add_analysed(self, fieldname: str, value, docnum: int) -> int:  # type: ignore[no-untyped-def]
        positions, extra = value
        get = extra.get if extra else None
        lists = self._postings.setdefault(fieldname, {})
        length = 0
        for term, poses in positions.items():
            plist = lists.get(term)
            if plist is None:
                plist = lists[term] = _PostingList()
            poses.sort()
            n = len(poses)
            length += n
            plist.ids.append(docnum)
            plist.weights.append(n + get(term, 0.0) if get else n)
            plist.sizes.append(4 + 4 * n)
            plist.values += pack_uint(n)
            plist.values += array("I", poses)
        self._set_length(fieldname, docnum, length)
        return length

    def _add_indexed(self, fieldname: str, field: FieldType, value, docnum: int) -> int:  # type: ignore[no-untyped-def]
        lists = self._postings.setdefault(fieldname, {})
        length = 0
        for tbytes, freq, weight, vbytes in field.index(value):
            plist = lists.get(tbytes)
            if plist is None:
                plist = lists[tbytes] = _PostingList()
            plist.ids.append(docnum)
            plist.weights.append(weight)
            plist.sizes.append(len(vbytes or b""))
            plist.values += vbytes or b""
            length += freq
        length = length if field.scorable else 0
        self._set_length(fieldname, docnum, length)
        return length

    def _set_length(self, fieldname: str, docnum: int, length: int) -> None:
        lengths = self._lengths.get(fieldname)
        if lengths is None:
            lengths = self._lengths[fieldname] = array("I")
        if len(lengths) <= docnum:
            lengths.extend([0] * (docnum + 1 - len(lengths)))
        lengths[docnum] = length

    def _flush_segment(self):  # type: ignore[no-untyped-def]
        self.perdocwriter.close()
        fieldwriter = self.fieldwriter
        for fieldname in sorted(self._postings):
            lists = self._postings[fieldname]
            lengths = self._lengths[fieldname]
            fieldwriter.start_field(fieldname, self.schema[fieldname])
            keyed = sorted((k.encode("utf-8") if isinstance(k, str) else k, k) for k in lists)
            for btext, key in keyed:
                plist = lists[key]
                fieldwriter.start_term(btext)
                field_lengths = array("I", map(lengths.__getitem__, plist.ids))
                fieldwriter._postwriter.add_list(
                    plist.ids, plist.weights, plist.sizes, plist.values, field_lengths
                )
                fieldwriter.finish_term()
            fieldwriter.finish_field()
        fieldwriter.close()
        self._postings = {}


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
