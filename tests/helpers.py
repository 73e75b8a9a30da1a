"""Reading pages as a browser would: a small DOM from the stdlib parser, forms and their fields.

Tests look at elements, attributes and visible text, never at raw markup.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}  # fmt: skip


@dataclass
class Element:
    tag: str
    attrs: dict[str, str] = field(default_factory=dict)
    children: list[Element | str] = field(default_factory=list)
    parent: Element | None = None

    def get(self, name: str, default: str | None = None) -> str | None:
        return self.attrs.get(name, default)

    @property
    def text(self) -> str:
        """Visible text, whitespace collapsed (like ``innerText`` roughly)."""
        return " ".join(self.raw_text.split())

    @property
    def raw_text(self) -> str:
        parts: list[str] = []
        for child in self.children:
            if isinstance(child, str):
                parts.append(child)
            elif child.tag not in ("script", "style"):
                parts.append(child.raw_text)
        return "".join(parts)

    def iter(self) -> list[Element]:
        found: list[Element] = []
        for child in self.children:
            if isinstance(child, Element):
                found.append(child)
                found.extend(child.iter())
        return found

    def find_all(self, tag: str | None = None, **attrs: str) -> list[Element]:
        wanted = {k.rstrip("_").replace("_", "-"): v for k, v in attrs.items()}
        return [
            el
            for el in self.iter()
            if (tag is None or el.tag == tag)
            and all(
                v in (el.attrs.get(k) or "").split() if k == "class" else el.attrs.get(k) == v
                for k, v in wanted.items()
            )
        ]

    def find(self, tag: str | None = None, **attrs: str) -> Element | None:
        found = self.find_all(tag, **attrs)
        return found[0] if found else None

    def by_id(self, element_id: str) -> Element | None:
        return self.find(id=element_id)


class _TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("#document")
        self.current = self.root

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {k: v if v is not None else "" for k, v in attrs}, [], self.current)
        self.current.children.append(element)
        if tag not in VOID:
            self.current = element

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {k: v if v is not None else "" for k, v in attrs}, [], self.current)
        self.current.children.append(element)

    def handle_endtag(self, tag: str) -> None:
        node: Element | None = self.current
        while node is not None and node.tag != tag:
            node = node.parent
        if node is not None and node.parent is not None:
            self.current = node.parent

    def handle_data(self, data: str) -> None:
        self.current.children.append(data)


def parse(html: str) -> Element:
    builder = _TreeBuilder()
    builder.feed(html)
    builder.close()
    return builder.root


def form_values(form: Element) -> dict[str, Any]:
    """What the browser would send for ``form`` (files excluded); repeated names become lists."""
    values: dict[str, Any] = {}

    def add(name: str, value: str) -> None:
        if name in values:
            existing = values[name]
            values[name] = [*existing, value] if isinstance(existing, list) else [existing, value]
        else:
            values[name] = value

    for el in form.iter():
        name = el.get("name")
        if not name or el.get("disabled") is not None:
            continue
        if el.tag == "input":
            kind = (el.get("type") or "text").lower()
            if kind in ("file", "submit", "button", "reset", "image"):
                continue
            if kind in ("checkbox", "radio") and el.get("checked") is None:
                continue
            add(name, el.get("value") or ("on" if kind in ("checkbox", "radio") else ""))
        elif el.tag == "textarea":
            text = el.raw_text
            add(name, text[1:] if text.startswith("\n") else text)
        elif el.tag == "select":
            chosen = [o for o in el.find_all("option") if o.get("selected") is not None]
            if chosen:
                add(name, chosen[0].get("value") or chosen[0].text)
    return values


def page_form(html: str, action: str) -> dict[str, Any]:
    """The values of the form posting to ``action`` on a page."""
    form = parse(html).find("form", action=action)
    assert form is not None, f"no form posting to {action}"
    return form_values(form)


def error_summary(html: str) -> list[str]:
    """The messages in the page's error summary, as a screen reader would read them."""
    summary = parse(html).find(class_="error-summary")
    if summary is None:
        return []
    return [li.text for li in summary.find_all("li")] or [summary.text]


def field_error(html: str, name: str) -> str:
    element = parse(html).by_id(f"{name}-error")
    return element.text if element is not None else ""
