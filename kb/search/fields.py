"""The index's fields: per-language analysed fields whose values arrive pre-analysed, a compact
positions format, a bulk writer and a length-caching BM25F — the parts that make Whoosh fast
enough to build and search at tens of thousands of articles.
"""

from __future__ import annotations

import pickle
from array import array
from itertools import islice

from whoosh.analysis import KeywordAnalyzer
from whoosh.fields import ID, STORED, FieldType, Schema
from whoosh.formats import Positions
from whoosh.scoring import BM25F
from whoosh.system import _INT_SIZE, pack_uint, unpack_uint
from whoosh.writing import PostingPool, SegmentWriter

from kb.search.analysis import LANGUAGES, Analyzer
from kb.search.codec import KbCodec
from kb.search.types import SearchDocument

# How much one occurrence counts towards a term's weight in ``text_<lang>``: summary and tags say
# what an article is about more densely than its body. Titles also get their own field.
TITLE_WEIGHT, META_WEIGHT, BODY_WEIGHT = 1.5, 2.0, 1.0
GAP = 20  # positions left between title, summary, tags and body: phrases never span them
POSTING_BYTES = 200  # what one pooled posting costs in memory, roughly, against ``limitmb``
RUN_CHUNK = 20_000  # postings per pickle when the pool writes a sorted run to disk


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
        items, _ = self.postings(value, "", 0)
        for _, tbytes, _, weight, data in items:
            yield tbytes, unpack_uint(data[:_INT_SIZE])[0], weight, data

    def postings(self, value, fieldname: str, docnum: int) -> tuple[list[tuple], int]:  # type: ignore[no-untyped-def, type-arg]
        """The pool's ``(field, term, docnum, weight, positions)`` items and the field length."""
        positions, extra = value
        get = extra.get if extra else None
        out = []
        length = 0
        for term, poses in positions.items():
            poses.sort()
            n = len(poses)
            length += n
            weight = n + get(term, 0.0) if get else n
            data = pack_uint(n) + array("I", poses).tobytes()
            out.append((fieldname, term.encode("utf-8"), docnum, float(weight), data))
        return out, length


class BulkPostingPool(PostingPool):
    """Whoosh's posting pool, filled a document field at a time. When it outgrows its memory
    limit, a sorted run is written in chunks: Whoosh pickles each posting of a run on its own
    and reads them back one by one, which made large builds spend most of their time there."""

    def add_field(self, fieldname: str, items: list[tuple]) -> None:  # type: ignore[type-arg]
        self.fieldnames.add(fieldname)
        self.current.extend(items)
        self.currentsize += POSTING_BYTES * len(items)
        if self.currentsize > self.limit:
            self.save()

    def _write_run(self, f, items):  # type: ignore[no-untyped-def]
        items = iter(items)
        while chunk := list(islice(items, RUN_CHUNK)):
            pickle.dump(chunk, f, pickle.HIGHEST_PROTOCOL)
        f.close()

    def _read_run(self, path):  # type: ignore[no-untyped-def]
        f = self._open_run(path)
        try:
            while True:
                yield from pickle.load(f)  # noqa: S301 - a run this pool wrote
        except EOFError:
            return
        finally:
            f.close()
            self._remove_run(path)


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
    """A segment writer with the array posting codec, a field length cache, and analysed fields
    added to the pool a field at a time rather than a posting at a time."""

    def __init__(self, ix, limitmb: int = 128, **kwargs):  # type: ignore[no-untyped-def]
        kwargs.setdefault("codec", KbCodec())
        super().__init__(ix, limitmb=limitmb, **kwargs)
        self.pool = BulkPostingPool(self._tempstorage, self.newsegment, limitmb=limitmb)

    def per_document_reader(self):  # type: ignore[no-untyped-def]
        return _LengthCache(super().per_document_reader())

    def add_document(self, **fields):  # type: ignore[no-untyped-def]
        schema = self.schema
        if any(name.startswith("_") for name in fields):
            return super().add_document(**fields)  # boosts: not used here
        self._check_state()
        self._check_fields(schema, fields)
        if any(schema[name].vector or schema[name].column_type for name in fields):
            return super().add_document(**fields)  # vectors, columns: not used here
        perdocwriter = self.perdocwriter
        docnum = self.docnum
        pool = self.pool
        perdocwriter.start_doc(docnum)
        try:
            for fieldname in sorted(fields):
                value = fields[fieldname]
                if value is None:
                    continue
                field = schema[fieldname]
                length = 0
                if isinstance(field, AnalysedField):
                    items, length = field.postings(value, fieldname, docnum)
                    pool.add_field(fieldname, items)
                elif field.indexed:
                    indexed = list(field.index(value))
                    items = [(fieldname, t, docnum, w, v) for t, _, w, v in indexed]
                    if field.scorable:
                        length = sum(freq for _, freq, _, _ in indexed)
                    pool.add_field(fieldname, items)
                perdocwriter.add_field(fieldname, field, value if field.stored else None, length)
        except Exception:
            perdocwriter.cancel_doc()
            raise
        perdocwriter.finish_doc()
        self._added = True
        self.docnum += 1
        return None


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
