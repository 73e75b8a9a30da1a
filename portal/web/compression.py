"""Gzip for responses, started only when a response has a body to compress.

Litestar's gzip facade opens a ``GzipFile`` (and compresses nothing) for every response to a
client that accepts gzip, including redirects with no body — the answer to every complaint sent.
This facade makes the compressor on the first body it is given, so a bodiless response costs
nothing; what is compressed, and how, is unchanged.
"""

from __future__ import annotations

from gzip import GzipFile
from io import BytesIO
from typing import Literal

from litestar.config.compression import CompressionConfig
from litestar.enums import CompressionEncoding
from litestar.middleware.compression.gzip_facade import GzipCompression


class GzipWhenWritten(GzipCompression):
    """``GzipCompression`` whose ``GzipFile`` is made by the first ``write``."""

    __slots__ = ("level",)

    def __init__(
        self,
        buffer: BytesIO,
        compression_encoding: Literal[CompressionEncoding.GZIP] | str,
        config: CompressionConfig,
    ) -> None:
        self.buffer = buffer
        self.compression_encoding = compression_encoding
        self.level = config.gzip_compress_level
        self.compressor: GzipFile | None = None  # type: ignore[assignment]

    def write(self, body: bytes) -> None:
        if self.compressor is None:
            self.compressor = GzipFile(mode="wb", fileobj=self.buffer, compresslevel=self.level)
        super().write(body)

    def close(self) -> None:
        if self.compressor is not None:
            super().close()
