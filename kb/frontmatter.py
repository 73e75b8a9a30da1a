"""One article file: YAML front matter between ``---`` lines, then the Markdown body.

Parsing says precisely what is wrong and on which line, because this is how editors and other
help desks' exports get in; writing produces the same format, so a round trip changes nothing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml

from kb.articles import TranslationContent, normalise_body, normalise_lang, normalise_tags
from kb.categories import category_key
from kb.errors import ArticleError
from kb.models import PUBLISHED, STATUSES
from kb.slugs import slugify

KNOWN_KEYS = ("key", "lang", "title", "slug", "category", "summary", "tags", "status")
DELIMITERS = ("---", "...")
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class FileError:
    """Why a file was not imported, and where."""

    path: Path
    line: int
    reason: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.reason}"


class FrontMatterError(ValueError):
    def __init__(self, line: int, reason: str) -> None:
        self.line = line
        self.reason = reason
        super().__init__(f"line {line}: {reason}")


class NoFrontMatter(ValueError):
    """The file does not start with ``---``: a README or licence, not an article."""


@dataclass(frozen=True)
class ArticleFile:
    key: str
    lang: str
    content: TranslationContent
    category_label: str | None  # the category as written, to name a category made for it
    lines: dict[str, int]  # front-matter key → line in the file, for error messages

    def line_of(self, name: str) -> int:
        return self.lines.get(name, 1)


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, datetime | date):
        return "a date"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


def _jsonable(value: Any, name: str, line: int) -> Any:
    """Front-matter values as JSON can store them (dates become ISO 8601 text)."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, float) and not math.isfinite(value):
        raise FrontMatterError(line, f"{name}: {value} cannot be stored; put it in quotes")
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, list | tuple | set):
        return [_jsonable(item, name, line) for item in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v, name, line) for k, v in value.items()}
    raise FrontMatterError(line, f"{name}: {_kind(value)} values cannot be stored")


def decode(data: bytes) -> str:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise FrontMatterError(
            line, f"the file is not UTF-8 text (byte 0x{data[exc.start]:02x}); save it as UTF-8"
        ) from exc
    return text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def split(data: bytes) -> tuple[str, str, int]:
    """The front matter's YAML, the body, and the line the YAML starts on."""
    lines = decode(data).split("\n")
    if not lines or lines[0].rstrip() != "---":
        raise NoFrontMatter("the file does not start with a --- line")
    for index in range(1, len(lines)):
        if lines[index].rstrip() in DELIMITERS:
            return "\n".join(lines[1:index]), "\n".join(lines[index + 1 :]), 2
    raise FrontMatterError(1, "the front matter is never closed: add a line with --- after it")


def load_yaml(text: str) -> tuple[Any, yaml.Node | None]:
    """Parse once (with libyaml when present) and keep the node tree for line numbers."""
    loader = _LOADER(text)
    try:
        node = loader.get_single_node()
        return (loader.construct_document(node) if node is not None else None), node
    finally:
        loader.dispose()


def _load(text: str, first_line: int) -> tuple[dict[str, Any], dict[str, int]]:
    try:
        data, node = load_yaml(text)
    except yaml.YAMLError as exc:
        # Where the broken construct starts (an unclosed [ or quote) beats where parsing gave up.
        mark = getattr(exc, "context_mark", None) or getattr(exc, "problem_mark", None)
        line = first_line + (mark.line if mark else 0)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        context = getattr(exc, "context", None)
        reason = f"{context}, {problem}" if context else problem
        raise FrontMatterError(line, f"the front matter is not valid YAML: {reason}") from exc
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise FrontMatterError(first_line, "the front matter must be 'name: value' lines")
    lines: dict[str, int] = {}
    if isinstance(node, yaml.MappingNode):
        for key_node, _ in node.value:
            lines.setdefault(str(key_node.value), first_line + key_node.start_mark.line)
    return {str(k): v for k, v in data.items()}, lines


def _text(data: dict[str, Any], name: str, lines: dict[str, int], *, ids: bool = False) -> str:
    value = data.get(name)
    if value is None:
        return ""
    if ids and isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if not isinstance(value, str):
        raise FrontMatterError(
            lines.get(name, 1), f"{name} must be text, not {_kind(value)} (put it in quotes)"
        )
    return value.strip()


def _tags(data: dict[str, Any], lines: dict[str, int]) -> list[str]:
    value = data.get("tags")
    line = lines.get("tags", 1)
    if value is None:
        return []
    if isinstance(value, str):
        return normalise_tags(value.split(","))
    if isinstance(value, list) and all(
        isinstance(v, str | int | float) and not isinstance(v, bool) for v in value
    ):
        return normalise_tags(str(v) for v in value)
    raise FrontMatterError(line, "tags must be a list such as [returns, refund] or 'a, b'")


def _stem(path: Path, lang: str) -> str:
    """File name without ``.md`` and without a ``.<lang>`` suffix (``faq.sv.md`` → ``faq``)."""
    stem = path.name[: -len(".md")] if path.name.endswith(".md") else path.stem
    return stem.removesuffix(f".{lang}")


def parse(path: Path, data: bytes) -> ArticleFile:
    """Read one article file; raises ``FrontMatterError`` (with a line) or ``NoFrontMatter``."""
    yaml_text, body, first_line = split(data)
    front, lines = _load(yaml_text, first_line)
    title = _text(front, "title", lines)
    raw_lang = _text(front, "lang", lines)
    missing = [name for name, value in (("title", title), ("lang", raw_lang)) if not value]
    if missing:
        names = " and ".join(missing)
        raise FrontMatterError(
            lines.get(missing[0], 1),
            f"the front matter has no {names} (title and lang are required)",
        )
    try:
        lang = normalise_lang(raw_lang)
    except ArticleError as exc:
        raise FrontMatterError(
            lines["lang"], f"lang {raw_lang!r} is not a language code such as en, sv or nb"
        ) from exc
    stem = _stem(path, lang)
    slug_text = _text(front, "slug", lines, ids=True)
    slug = slugify(slug_text or stem)
    if not slug:
        raise FrontMatterError(lines.get("slug", 1), "the slug has no letters or digits")
    key_text = _text(front, "key", lines, ids=True)
    key = slugify(key_text or stem, max_length=200)
    if not key:
        raise FrontMatterError(lines.get("key", 1), "the key has no letters or digits")
    category_text = _text(front, "category", lines, ids=True)
    category = category_key(category_text) if category_text else None
    if category_text and not category:
        raise FrontMatterError(lines["category"], "the category has no letters or digits")
    status = _text(front, "status", lines) or PUBLISHED
    if status not in STATUSES:
        raise FrontMatterError(
            lines["status"], f"status must be one of {', '.join(STATUSES)}, not {status!r}"
        )
    metadata = {
        name: _jsonable(value, name, lines.get(name, 1))
        for name, value in front.items()
        if name not in KNOWN_KEYS
    }
    content = TranslationContent(
        title=title,
        body_md=normalise_body(body),
        slug=slug,
        summary=_text(front, "summary", lines),
        tags=_tags(front, lines),
        status=status,
        category=category,
        metadata=metadata,
    )
    return ArticleFile(key, lang, content, category_text or None, lines)


class _Dumper(yaml.SafeDumper):
    """Block style, except lists of plain values on one line: ``tags: [a, b]``."""


def _represent_list(dumper: yaml.SafeDumper, data: list[Any]) -> yaml.Node:
    flat = all(value is None or isinstance(value, str | int | float | bool) for value in data)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=flat)


_Dumper.add_representer(list, _represent_list)


def dump(key: str, lang: str, snapshot: dict[str, Any]) -> str:
    """An article file from a revision-shaped snapshot (see ``kb.articles.snapshot``)."""
    front: dict[str, Any] = {
        "key": key,
        "lang": lang,
        "title": snapshot["title"],
        "slug": snapshot["slug"],
    }
    if snapshot.get("category"):
        front["category"] = snapshot["category"]
    if snapshot.get("summary"):
        front["summary"] = snapshot["summary"]
    if snapshot.get("tags"):
        front["tags"] = list(snapshot["tags"])
    front["status"] = snapshot["status"]
    for name, value in (snapshot.get("metadata") or {}).items():
        if name not in KNOWN_KEYS:
            front[name] = value
    yaml_text = yaml.dump(
        front,
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        width=1 << 16,
    )
    body = snapshot.get("body") or ""
    return f"---\n{yaml_text}---\n{body}\n" if body else f"---\n{yaml_text}---\n"
