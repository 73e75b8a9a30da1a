"""A developer reads the emails the portal sent at /dev/mail; production has no such page."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import pytest
from litestar.testing import TestClient
from mail_support import drain, file_case
from support import TEST_SECRET, make_settings

from portal.app import create_app
from portal.mail.transport import DevMailSink
from portal.services import Services


class _Page(HTMLParser):
    """Start tags, and the text inside each ``pre``, ``table`` and ``dl`` that has an id."""

    CONTAINERS = ("pre", "table", "dl")

    def __init__(self) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.text_by_id: dict[str, str] = {}
        self._open: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        self.elements.append((tag, found))
        if tag in self.CONTAINERS and found.get("id"):
            self._open.append(str(found["id"]))
            self.text_by_id[str(found["id"])] = ""

    def handle_endtag(self, tag: str) -> None:
        if self._open and tag in self.CONTAINERS:
            self._open.pop()

    def handle_data(self, data: str) -> None:
        for element_id in self._open:
            self.text_by_id[element_id] += data


def _parse(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    return page


def test_developer_reads_a_sent_acknowledgement(client: TestClient, services: Services) -> None:
    queued = file_case(services, name='<script>alert("name")</script>')
    drain(services)

    listing = client.get("/dev/mail")
    assert listing.status_code == 200
    page = _parse(listing.text)
    assert "anna@example.com" in page.text_by_id["mails"]
    links = [
        a["href"] for t, a in page.elements if t == "a" and (a.get("href") or "").count("/") == 3
    ]
    assert len(links) == 1
    assert links[0].startswith("/dev/mail/")

    detail = client.get(links[0])
    assert detail.status_code == 200
    page = _parse(detail.text)
    headers = " ".join(page.text_by_id["headers"].split())
    assert f"[{queued.reference}] We have received your complaint" in headers
    assert "Auto-Submitted auto-generated" in headers
    assert queued.message_id in headers
    assert queued.reference in page.text_by_id["text-part"]
    [kept] = DevMailSink.for_settings(services.settings).latest()
    html_part = kept.message.get_body(preferencelist=("html",))
    assert html_part is not None
    assert page.text_by_id["html-source"] == html_part.get_content()  # shown as source
    assert "&lt;script&gt;" in page.text_by_id["html-source"]
    scripts = [a for t, a in page.elements if t == "script"]
    assert all((a.get("src") or "").startswith("/static/") for a in scripts)

    [frame] = [a for t, a in page.elements if t == "iframe"]
    assert frame["sandbox"] == ""  # no scripts, no same-origin access
    preview = client.get(str(frame["src"]))
    assert preview.status_code == 200
    csp = preview.headers["content-security-policy"]
    assert "sandbox" in csp.split(";")[0]
    assert "default-src 'none'" in csp
    assert "script-src" not in csp
    assert "frame-ancestors 'self'" in csp
    assert queued.reference in preview.text


def test_unknown_or_malformed_mail_ids_are_not_found(client: TestClient) -> None:
    for path in (
        "/dev/mail/00000000000000000000-deadbeef",
        "/dev/mail/..%2Fsvar",
        "/dev/mail/x/html",
    ):
        assert client.get(path).status_code == 404


def test_empty_sink_says_so(client: TestClient) -> None:
    response = client.get("/dev/mail")
    assert response.status_code == 200
    assert "No emails yet" in response.text


@pytest.mark.parametrize(
    "overrides",
    [
        {"env": "prod", "smtp_url": "smtp://127.0.0.1:2525", "secret_key": TEST_SECRET},
        {"smtp_url": "smtp://127.0.0.1:2525"},
    ],
    ids=["prod", "smtp-configured"],
)
def test_no_dev_mail_pages_without_the_sink(tmp_path: Path, sqlite_url: str, overrides) -> None:
    settings = make_settings(tmp_path, sqlite_url, **overrides)
    services = Services.build(settings)
    # A message left in the folder from an earlier dev run must not become visible.
    sink_dir = settings.data_dir / "mail"
    sink_dir.mkdir(parents=True)
    (sink_dir / "00000000000000000001-abcdef01.eml").write_text("Subject: old\n\nold\n")
    try:
        with TestClient(create_app(settings, services)) as client:
            assert client.get("/dev/mail").status_code == 404
            assert client.get("/dev/mail/00000000000000000001-abcdef01").status_code == 404
            assert client.get("/dev/mail/00000000000000000001-abcdef01/html").status_code == 404
    finally:
        services.close()
