"""Article Markdown → safe HTML, a table of contents and plain text for the search index.

markdown-it-py (CommonMark + tables + strikethrough) renders; nh3 then removes anything an
article could use to run script, load styles or handle events, whatever the author typed
(raw HTML is allowed in articles because imported help centres use tables and ``<kbd>``).
Headings get stable ids ("Så lång tid tar leveransen" → ``sa-lang-tid-tar-leveransen``) so
links to a section keep working across edits that do not rename it. Results are cached by
content, so an article is rendered once per edit however often it is read.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from html import unescape
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

import nh3
from markdown_it import MarkdownIt
from markdown_it.token import Token

from kb.slugs import slugify

_MD = MarkdownIt("commonmark", {"html": True, "linkify": False, "typographer": False}).enable(
    ["table", "strikethrough"]
)

HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
TAGS = HEADINGS | {
    "a", "abbr", "b", "blockquote", "br", "caption", "code", "dd", "del", "dl", "dt", "em",
    "figcaption", "figure", "hr", "i", "img", "kbd", "li", "mark", "ol", "p", "pre", "s",
    "small", "strong", "sub", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
}  # fmt: skip
ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "img": {"src", "alt", "title", "width", "height"},
    "ol": {"start"},
    "td": {"colspan", "rowspan", "class"},
    "th": {"colspan", "rowspan", "scope", "class"},
    "code": {"class"},
    **{h: {"id"} for h in HEADINGS},
}
# Removed together with everything inside them.
DROP_WITH_CONTENT = {
    "script", "style", "iframe", "object", "embed", "template", "svg", "math", "noscript",
    "textarea", "select", "title",
}  # fmt: skip
URL_SCHEMES = {"http", "https", "mailto"}
EXTERNAL_REL = "noopener noreferrer nofollow"
# Ids the page around an article uses; a heading never takes them.
RESERVED_IDS = {"main", "content", "top", "results", "search", "toc", "q", "nav", "footer"}
TOC_LEVELS = (2, 3)

_ALIGN = re.compile(r"text-align:\s*(left|center|right)")
_CODE_CLASS = re.compile(r"language-[A-Za-z0-9_+#.-]{1,40}")
_CELL_CLASS = re.compile(r"align-(left|center|right)")
_ANCHOR = re.compile(r"<a\b([^>]*)>")
_HREF = re.compile(r'\shref="([^"]*)"')
_WHITESPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class TocEntry:
    level: int
    id: str
    text: str


@dataclass(frozen=True)
class Rendered:
    """What a page shows (``html``), links to (``toc``) and what search indexes (``text``)."""

    html: str
    toc: tuple[TocEntry, ...]
    text: str


def _inline_text(tokens: Iterable[Token] | None) -> str:
    parts: list[str] = []
    for token in tokens or ():
        if token.type in ("text", "code_inline"):
            parts.append(token.content)
        elif token.type in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif token.children:
            parts.append(_inline_text(token.children))
    return _WHITESPACE.sub(" ", "".join(parts)).strip()


def _prepare(tokens: list[Token]) -> tuple[list[TocEntry], set[str]]:
    """Give headings unique ids, turn table alignment into classes; return the TOC and ids."""
    toc: list[TocEntry] = []
    used: set[str] = set(RESERVED_IDS)
    ids: set[str] = set()
    for index, token in enumerate(tokens):
        if token.type == "heading_open":
            text = _inline_text(tokens[index + 1].children)
            base = slugify(text, max_length=80) or "section"
            anchor, n = base, 1
            while anchor in used:
                n += 1
                anchor = f"{base}-{n}"
            used.add(anchor)
            ids.add(anchor)
            token.attrSet("id", anchor)
            level = int(token.tag[1])
            if level in TOC_LEVELS:
                toc.append(TocEntry(level, anchor, text))
        elif token.type in ("th_open", "td_open"):
            style = str(token.attrs.pop("style", ""))
            match = _ALIGN.search(style)
            if match:
                token.attrSet("class", f"align-{match.group(1)}")
    return toc, ids


def _attribute_filter(heading_ids: set[str]) -> Any:
    remaining = set(heading_ids)

    def keep(tag: str, attribute: str, value: str) -> str | None:
        if attribute == "id":  # only the ids we generated, each once: raw HTML cannot forge one
            if value in remaining:
                remaining.discard(value)
                return value
            return None
        if attribute == "class":
            pattern = _CODE_CLASS if tag == "code" else _CELL_CLASS
            return value if pattern.fullmatch(value) else None
        return value

    return keep


def _mark_external(html: str, internal_hosts: frozenset[str]) -> str:
    def rewrite(match: re.Match[str]) -> str:
        attrs = match.group(1)
        href = _HREF.search(attrs)
        if href is None:
            return match.group(0)
        # Browsers read "\\" as "/" in web URLs, so "/\\evil.example" is another host too.
        parts = urlsplit(unescape(href.group(1)).strip().replace("\\", "/"))
        host = (parts.hostname or "").lower()
        if parts.scheme in ("http", "https", "") and host and host not in internal_hosts:
            return f'<a{attrs} rel="{EXTERNAL_REL}">'
        return match.group(0)

    return _ANCHOR.sub(rewrite, html)


def sanitise(html: str, *, heading_ids: Iterable[str] = ()) -> str:
    """Keep a conservative set of tags and attributes; no script, style, frames, forms, event
    handlers, ``style`` attributes, or URLs other than http(s), mailto and relative ones."""
    return nh3.clean(
        html,
        tags=TAGS,
        clean_content_tags=DROP_WITH_CONTENT,
        attributes=ATTRIBUTES,
        attribute_filter=_attribute_filter(set(heading_ids)),
        url_schemes=URL_SCHEMES,
        strip_comments=True,
        link_rel=None,
        set_tag_attribute_values={"img": {"loading": "lazy"}},
    )


class _TextExtractor(HTMLParser):
    BLOCKS = HEADINGS | {
        "p", "li", "tr", "pre", "blockquote", "br", "table", "dd", "dt", "figcaption", "hr",
    }  # fmt: skip

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.BLOCKS:
            self.parts.append("\n")
        elif tag in ("td", "th"):
            self.parts.append(" ")
        elif tag == "img":
            alt = dict(attrs).get("alt")
            if alt:
                self.parts.append(f" {alt} ")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        self.parts.append(_WHITESPACE.sub(" ", data))


def plain_text(html: str) -> str:
    """Readable text of (sanitised) HTML: one line per block, link targets left out."""
    extractor = _TextExtractor()
    extractor.feed(html)
    extractor.close()
    lines = (" ".join(line.split()) for line in "".join(extractor.parts).split("\n"))
    return "\n".join(line for line in lines if line)


def render_uncached(markdown: str, *, internal_hosts: Iterable[str] = ()) -> Rendered:
    env: dict[str, Any] = {}
    tokens = _MD.parse(markdown, env)
    toc, ids = _prepare(tokens)
    raw = _MD.renderer.render(tokens, _MD.options, env)
    hosts = frozenset(h.lower() for h in internal_hosts)
    html = _mark_external(sanitise(raw, heading_ids=ids), hosts)
    return Rendered(html=html, toc=tuple(toc), text=plain_text(html))


@lru_cache(maxsize=2048)
def _render_cached(markdown: str, internal_hosts: frozenset[str]) -> Rendered:
    return render_uncached(markdown, internal_hosts=internal_hosts)


def render(markdown: str, *, internal_hosts: Iterable[str] = ()) -> Rendered:
    """Render and sanitise, cached by content: an edit is rendered once, then served from memory.

    Links to ``internal_hosts`` (the portal's own host names) are not treated as external.
    """
    return _render_cached(markdown, frozenset(h.lower() for h in internal_hosts))


def clear_cache() -> None:
    _render_cached.cache_clear()
