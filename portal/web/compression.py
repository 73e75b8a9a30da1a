"""Gzip for responses, with the compressor made only for a body worth compressing.

Litestar's compression middleware makes a ``GzipFile`` for every response to a client that
accepts gzip — including redirects with no body, the answer to every complaint sent — and then
compresses nothing. (Its ``compression_facade`` setting cannot change that: for gzip it always
uses its own facade.) This middleware hands a response to Litestar's only once it has a body of
at least ``minimum_size`` bytes or a streamed body; what is compressed, and how, is unchanged.
"""

from __future__ import annotations

from litestar.middleware.compression import CompressionMiddleware
from litestar.types import Message, Scope, Send


class CompressBodies(CompressionMiddleware):
    """``CompressionMiddleware`` that passes small, whole responses through untouched."""

    def create_compression_send_wrapper(
        self, send: Send, compression_encoding: str, scope: Scope
    ) -> Send:
        make_compressing = super().create_compression_send_wrapper
        minimum = self.config.minimum_size
        start: Message | None = None
        compressing: Send | None = None

        async def send_wrapper(message: Message) -> None:
            nonlocal start, compressing
            if compressing is not None:
                await compressing(message)
                return
            if message["type"] == "http.response.start":
                start = message
                return
            if (
                start is not None
                and message["type"] == "http.response.body"
                and not message.get("more_body")
                and len(message.get("body", b"")) < minimum
            ):
                # Litestar sends such a response unchanged too; it just never needs a GzipFile.
                await send(start)
                start = None
                await send(message)
                return
            compressing = make_compressing(send, compression_encoding, scope)  # type: ignore[arg-type]
            if start is not None:
                await compressing(start)
                start = None
            await compressing(message)

        return send_wrapper
