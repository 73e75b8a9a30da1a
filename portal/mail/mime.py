"""A message's wire form, written directly: headers, then a text part and an HTML part.

Every email the portal sends has the same shape — a handful of one-line headers and a
``multipart/alternative`` body of a plain-text and an HTML part — so it is written as bytes here
rather than built through ``email.message.EmailMessage``, whose header registry parses every header
on assignment and folds it again on output (about 2 ms of CPU per message, more than rendering
both templates). The encoding is the standard library's: RFC 2047 words from ``email.header``,
addresses from ``email.utils.formataddr``, quoted-printable bodies from ``binascii``. The result
is 7-bit clean with CRLF line ends, so any SMTP server takes it as it is.

Header values must already be single lines (``kinds.one_line``); control characters left in
one are replaced by spaces here as well, so a value can never start another header.
"""

from __future__ import annotations

import binascii
import re
import secrets
from collections.abc import Sequence
from email.header import Header
from email.headerregistry import Address
from email.utils import formataddr
from functools import lru_cache

CRLF = b"\r\n"
MAX_LINE = 78
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
# An address of plain dot-atoms, as nearly every customer's is: ``Address`` would parse it into
# exactly these characters, so it is taken as it is (the full parser costs 0.1 ms an address).
_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_PLAIN_ADDRESS = re.compile(rf"{_ATEXT}(?:\.{_ATEXT})*@{_ATEXT}(?:\.{_ATEXT})*")


def address(display_name: str, addr_spec: str) -> str:
    """``Anna Svensson <anna@example.com>``, the name quoted or RFC 2047-encoded as needed.

    Raises ``ValueError`` for an address that is not a single valid ``addr-spec``.
    """
    if not _PLAIN_ADDRESS.fullmatch(addr_spec):
        addr_spec = Address(addr_spec=addr_spec).addr_spec  # parses it; raises on anything else
    return formataddr((_clean(display_name), addr_spec), charset="utf-8")


def header_line(name: str, value: str) -> bytes:
    """``Name: value`` folded at spaces below 78 characters; non-ASCII text as RFC 2047 words."""
    value = _clean(value)
    if not value.isascii() and not _is_address(name):
        value = Header(value, "utf-8", header_name=name).encode(linesep="\r\n")
        return f"{name}: {value}".encode("ascii")
    return _fold(f"{name}: {value}").encode("utf-8")  # UTF-8 only in an internationalised address


def multipart_alternative(headers: Sequence[tuple[str, str]], text: str, html: str) -> bytes:
    """The whole message: ``headers`` in order, then the text and HTML parts (UTF-8, QP)."""
    boundary = f"=_{secrets.token_hex(12)}".encode()  # "=_" never occurs in quoted-printable
    lines = [header_line(name, value) for name, value in headers]
    lines.append(b"MIME-Version: 1.0")
    lines.append(b'Content-Type: multipart/alternative; boundary="' + boundary + b'"')
    out = [CRLF.join(lines), CRLF, CRLF]
    for subtype, body in ((b"plain", text), (b"html", html)):
        out += [b"--", boundary, CRLF]
        out += [b"Content-Type: text/", subtype, b'; charset="utf-8"', CRLF]
        out += [b"Content-Transfer-Encoding: quoted-printable", CRLF, CRLF]
        out += [_quoted_printable(body), CRLF]
    out += [b"--", boundary, b"--", CRLF]
    return b"".join(out)


def _clean(value: str) -> str:
    return " ".join(_CONTROL.sub(" ", value).split())


def _is_address(name: str) -> bool:
    return name.lower() in ("from", "to", "cc", "reply-to", "sender")


def _fold(line: str) -> str:
    """Break a long ASCII header at spaces (RFC 5322 §2.2.3); a long word stays whole."""
    if len(line) <= MAX_LINE:
        return line
    folded: list[str] = []
    current = ""
    for word in line.split(" "):
        if current and len(current) + 1 + len(word) > MAX_LINE:
            folded.append(current)
            current = " " + word
        else:
            current = f"{current} {word}" if current else word
    folded.append(current)
    return "\r\n".join(folded)


def _quoted_printable(body: str) -> bytes:
    """Quoted-printable with CRLF line ends; ``binascii`` keeps lines below 77 characters.

    Quoted-printable encodes each line on its own, and most lines of a message are the
    template's own, the same in every message of a language: each line's encoding is
    remembered, which leaves a quarter of the work.
    """
    text = body.replace("\r\n", "\n").replace("\r", "\n")
    if not text.endswith("\n"):
        text += "\n"
    lines = text.replace("\n", "\r\n").encode("utf-8").splitlines(keepends=True)
    return b"".join(map(_quoted_printable_line, lines))


@lru_cache(maxsize=4096)
def _quoted_printable_line(line: bytes) -> bytes:
    return binascii.b2a_qp(line, istext=True)
