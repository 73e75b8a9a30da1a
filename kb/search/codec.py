"""Posting blocks as plain arrays: Whoosh's default codec pickles and zlib-compresses each block
of (ids, weights, positions), so reading a term's weights for scoring unpickles every position
list too, and writing one costs a pickle and a compression per block.

Here a block is a small fixed header, the document numbers and weights as raw 32-bit arrays and
the values (positions) after them, decoded only when a phrase asks for them. Blocks are four
times larger than Whoosh's default (fewer headers; nothing here skips within posting lists by
block). Arrays are stored little-endian. Stored fields are pickled without compression.
Everything else (term index, lengths) is Whoosh's own format; a segment records its codec, so
segments written by Whoosh's default codec stay readable.
"""

from __future__ import annotations

import struct
import sys
from array import array
from io import BytesIO
from itertools import accumulate, pairwise

from whoosh.codec.whoosh3 import (
    WHOOSH3_HEADER_MAGIC,
    W3Codec,
    W3LeafMatcher,
    W3PerDocReader,
    W3PerDocWriter,
    W3PostingsWriter,
    W3Segment,
)
from whoosh.columns import PickleColumn, VarBytesColumn
from whoosh.filedb.compound import CompoundStorage
from whoosh.filedb.filestore import StorageError
from whoosh.filedb.structfile import BufferFile
from whoosh.matching import ListMatcher
from whoosh.util.numeric import byte_to_length, length_to_byte

BLOCK_LIMIT = 512
# postings in the block, last id, max weight, min and max length (as bytes), values kind
_HEADER = struct.Struct("<IIfBBB")
_LENGTH = struct.Struct("<i")
_SWAP = sys.byteorder == "big"
FIXED, VARIABLE, NONE = 0, 1, 2
STORED = PickleColumn(VarBytesColumn())


def _raw(values: array) -> bytes:  # type: ignore[type-arg]
    if _SWAP:
        values = array(values.typecode, values)
        values.byteswap()
    return values.tobytes()


def _array(typecode: str, data: bytes | memoryview) -> array:  # type: ignore[type-arg]
    values = array(typecode)
    values.frombytes(data)
    if _SWAP:
        values.byteswap()
    return values


class KbCodec(W3Codec):
    """Whoosh's codec with array-encoded posting blocks (see the module docstring)."""

    def __init__(self, blocklimit: int = BLOCK_LIMIT, compression: int = 0, inlinelimit: int = 1):
        super().__init__(blocklimit=blocklimit, compression=compression, inlinelimit=inlinelimit)

    def new_segment(self, storage, indexname):  # type: ignore[no-untyped-def]
        return KbSegment(self, indexname)

    def per_document_writer(self, storage, segment):  # type: ignore[no-untyped-def]
        return PlainStoredWriter(self, storage, segment)

    def per_document_reader(self, storage, segment):  # type: ignore[no-untyped-def]
        return PlainStoredReader(storage, segment)

    def postings_writer(self, dbfile, byteids=False):  # type: ignore[no-untyped-def]
        if byteids:  # term vectors (not used by this index) keep Whoosh's encoding
            return super().postings_writer(dbfile, byteids=byteids)
        return ArrayPostingsWriter(dbfile, blocklimit=self._blocklimit, inlinelimit=1)

    def postings_reader(self, dbfile, terminfo, format_, term=None, scorer=None):  # type: ignore[no-untyped-def]
        if terminfo.is_inlined():
            ids, weights, values = terminfo.inlined_postings()
            return ListMatcher(
                ids, weights, values, format_, scorer=scorer, term=term, terminfo=terminfo
            )
        offset, length = terminfo.extent()
        return ArrayLeafMatcher(dbfile, offset, length, format_, term=term, scorer=scorer)


class KbSegment(W3Segment):
    """A segment whose compound file is read where it lies in the memory map (``MappedFile``)."""

    def open_compound_file(self, storage):  # type: ignore[no-untyped-def]
        name = self.make_filename(self.COMPOUND_EXT)
        return MappedCompoundStorage(storage.open_file(name), use_mmap=storage.supports_mmap)


class MappedCompoundStorage(CompoundStorage):
    def open_file(self, name, *args, **kwargs):  # type: ignore[no-untyped-def]
        if self._source is None:  # no memory map (not supported here): Whoosh's sub-files
            return super().open_file(name, *args, **kwargs)
        if self.is_closed:
            raise StorageError("Storage was closed")
        offset, length = self.range(name)
        return MappedFile(memoryview(self._source)[offset : offset + length], name=name)


class MappedFile(BufferFile):
    """One part of a memory-mapped compound segment. Whoosh's ``BufferFile`` copies the whole
    part into a ``BytesIO`` when it is opened — tens of megabytes of postings and stored fields
    for a large segment, again for every reader opened after every commit (the writer's on each
    update, each search thread's) — although reading at an offset (``get``), which is how
    postings and stored fields are read, never touches the copy. Here the stream exists only
    once something reads the part as a stream (a small header or table)."""

    def __init__(self, buf, name=None, onclose=None):  # type: ignore[no-untyped-def]
        self._buf = buf
        self._name = name
        self.onclose = onclose
        self.is_real = False
        self.is_closed = False

    def __getattr__(self, name: str) -> object:
        if name == "file":
            stream = self.__dict__["file"] = BytesIO(self._buf)
            return stream
        raise AttributeError(name)

    def close(self) -> None:
        if self.is_closed:
            raise ValueError("This file is already closed")
        if self.onclose:
            self.onclose(self)
        stream = self.__dict__.get("file")
        if stream is not None:
            stream.close()
        self.is_closed = True


class PlainStoredWriter(W3PerDocWriter):
    """Stored fields pickled but not compressed: a page of hits unpickles ten of them, and
    decompressing took as long as the unpickling."""

    def _create_column(self, fieldname, column):  # type: ignore[no-untyped-def]
        super()._create_column(fieldname, STORED if fieldname == "_stored" else column)


class PlainStoredReader(W3PerDocReader):
    def stored_fields(self, docnum):  # type: ignore[no-untyped-def]
        value = self._cached_reader("_stored", STORED)[docnum]
        return {} if value is None else value


class ArrayPostingsWriter(W3PostingsWriter):
    def add_posting(self, id_, weight, vbytes, length=None):  # type: ignore[no-untyped-def]
        # Whoosh's version, without its per-posting type assertions.
        ids = self._ids
        if len(ids) >= self._blocklimit:
            self._write_block()
            ids = self._ids
        ids.append(id_)
        self._weights.append(weight)
        if weight > self._maxweight:
            self._maxweight = weight
        if vbytes:
            self._values.append(vbytes)
        if length:
            if self._minlength is None or length < self._minlength:
                self._minlength = length
            if length > self._maxlength:
                self._maxlength = length

    def add_list(
        self,
        ids: array,  # type: ignore[type-arg]
        weights: array,  # type: ignore[type-arg]
        sizes: array,  # type: ignore[type-arg]
        values: bytes | bytearray,
        lengths: array,  # type: ignore[type-arg]
    ) -> None:
        """A whole posting list at once, in document order: ids, weights, each value's size in
        bytes, the values one after another, and each document's field length. Writes the same
        blocks as ``add_posting`` one posting at a time would."""
        limit = self._blocklimit
        fixed = self._format.fixed_value_size()
        offsets = list(accumulate(sizes, initial=0))
        n = len(ids)
        for start in range(0, n, limit):
            end = min(start + limit, n)
            self._ids = ids[start:end]
            self._weights = weights[start:end]
            self._maxweight = max(self._weights)
            block_lengths = [length for length in lengths[start:end] if length]
            self._minlength = min(block_lengths) if block_lengths else None
            self._maxlength = max(block_lengths) if block_lengths else 0
            data = bytes(values[offsets[start] : offsets[end]])
            if not data or fixed == 0:
                parts = [_raw(self._ids), _raw(self._weights)], NONE
            elif fixed is not None and fixed > 0:
                parts = [_raw(self._ids), _raw(self._weights), data], FIXED
            else:
                block_sizes = sizes[start:end]
                parts = [_raw(self._ids), _raw(self._weights), _raw(block_sizes), data], VARIABLE
            self._write_parts(*parts, last=end == n)
        self._new_block()

    def _write_block(self, last: bool = False) -> None:
        ids, values = self._ids, self._values
        fixed = self._format.fixed_value_size()
        parts = [_raw(ids), _raw(self._weights)]
        if not values or fixed == 0:
            kind = NONE
        elif fixed is not None and fixed > 0:
            kind = FIXED
            parts.append(b"".join(values))
        else:
            kind = VARIABLE
            parts.append(_raw(array("I", map(len, values))))
            parts.append(b"".join(values))
        self._write_parts(parts, kind, last=last)
        self._new_block()

    def _write_parts(self, parts: list[bytes], kind: int, *, last: bool) -> None:
        """One block: the header (from the block's statistics), then ``parts``."""
        postfile = self._postfile
        if not self._blockcount:
            postfile.write(WHOOSH3_HEADER_MAGIC)
        self._terminfo.add_block(self)
        ids = self._ids
        header = _HEADER.pack(
            len(ids),
            ids[-1],
            self._maxweight,
            length_to_byte(self._minlength),
            length_to_byte(self._maxlength),
            kind,
        )
        data = header + b"".join(parts)
        postfile.write(_LENGTH.pack(-len(data) if last else len(data)))
        postfile.write(data)
        self._blockcount += 1


class ArrayLeafMatcher(W3LeafMatcher):
    def _goto(self, position):  # type: ignore[no-untyped-def]
        postfile = self._postfile
        self._data = None
        self._ids = None
        self._weights = None
        self._values = None
        self._i = 0
        (length,) = _LENGTH.unpack(postfile.get(position, _LENGTH.size))
        if length < 0:
            self._lastblock = True
            length = -length
        start = position + _LENGTH.size
        self._nextoffset = start + length
        block = postfile.get(start, length)
        n, maxid, maxweight, minlength, maxlength, kind = _HEADER.unpack_from(block)
        self._block = memoryview(block)
        self._kind = kind
        self._blocklength = n
        self._maxid = maxid
        self._maxweight = maxweight
        self._compression = 0
        self._minlength = byte_to_length(minlength)
        self._maxlength = byte_to_length(maxlength)

    def _read_ids(self):  # type: ignore[no-untyped-def]
        start = _HEADER.size
        self._ids = _array("I", self._block[start : start + 4 * self._blocklength])

    def _read_weights(self):  # type: ignore[no-untyped-def]
        start = _HEADER.size + 4 * self._blocklength
        self._weights = _array("f", self._block[start : start + 4 * self._blocklength])

    def _read_values(self):  # type: ignore[no-untyped-def]
        n = self._blocklength
        start = _HEADER.size + 8 * n
        block = self._block
        if self._kind == NONE:
            self._values = (None,) * n
        elif self._kind == FIXED:
            size = self._fixedsize
            self._values = tuple(
                bytes(block[i : i + size]) for i in range(start, start + n * size, size)
            )
        else:
            lengths = _array("I", block[start : start + 4 * n])
            start += 4 * n
            ends = list(accumulate(lengths, initial=start))
            self._values = tuple(bytes(block[a:b]) for a, b in pairwise(ends))
