"""What every visitor meets first: the language redirect, the layout, health and readiness."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from portal.settings import Settings, SettingsError


class _Collect(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def tags(html: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Collect()
    parser.feed(html)
    return parser.tags


@pytest.mark.parametrize(
    ("accept", "lang"),
    [("sv-SE,sv;q=0.9,en;q=0.5", "sv"), ("nb-NO", "nb"), ("no", "nb"), ("de-DE", "en"), ("", "en")],
)
def test_root_redirects_by_accept_language(client, accept, lang) -> None:
    response = client.get("/", headers={"accept-language": accept}, follow_redirects=False)
    assert response.status_code == 302
    assert response.headers["location"] == f"/{lang}/"


def test_unknown_language_is_not_found(client) -> None:
    assert client.get("/de/").status_code == 404


def test_pages_carry_security_headers_and_no_inline_script(client) -> None:
    response = client.get("/en/")
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    scripts = [attrs for tag, attrs in tags(response.text) if tag == "script"]
    assert scripts
    assert all(attrs.get("src", "").startswith("/static/") for attrs in scripts)


def test_layout_has_skip_link_and_language_switcher(client) -> None:
    html = client.get("/sv/").text
    found = tags(html)
    assert ("html", {"lang": "sv"}) in [
        (t, {"lang": a.get("lang")}) for t, a in found if t == "html"
    ]
    assert any(t == "a" and a.get("href") == "#main" for t, a in found)
    hreflangs = {a.get("hreflang") for t, a in found if t == "a" and a.get("hreflang")}
    assert hreflangs == {"en", "sv", "nb"}


def test_health_and_ready(client) -> None:
    assert client.get("/health").json() == {"status": "ok"}
    assert client.get("/ready").json()["database"] == "ok"


def test_prod_refuses_default_secret_and_dev_mail() -> None:
    with pytest.raises(SettingsError, match="PORTAL_SECRET_KEY") as info:
        Settings(env="prod").check()
    assert "PORTAL_SMTP_URL" in str(info.value)
    Settings(env="prod", secret_key="x" * 40, smtp_url="smtp://mail.example.com:587").check()
