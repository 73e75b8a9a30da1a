"""Helpers shared by the browser tests: accessibility checks, test files and reading the mail."""

from __future__ import annotations

import re
import struct
import time
import zlib
from email.message import EmailMessage

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import FilePayload, Locator, Page, Route

LANGS = ("en", "sv", "nb")
_axe = Axe()


def axe_check(page: Page, what: str = "") -> None:
    """Fail with axe-core's readable report when the page has any accessibility violation."""
    result = _axe.run(page)
    where = f"{what} ({page.url})" if what else page.url
    assert result.violations_count == 0, f"axe-core on {where}:\n{result.generate_report()}"


def axe_check_without_js(page: Page, what: str = "") -> None:
    """axe-core on a page opened with JavaScript switched off, as that browser shows it.

    axe-core itself is JavaScript, and a page without it never runs it; so the page's HTML as the
    script-less browser got it is opened again in a second tab that runs axe-core but blocks the
    page's own scripts (htmx never starts), with the same styles and images.
    """
    html, url = page.content(), page.url
    browser = page.context.browser
    assert browser is not None
    checker = browser.new_context()
    try:
        tab = checker.new_page()

        def serve(route: Route) -> None:
            request = route.request
            if request.is_navigation_request() and request.url == url:
                route.fulfill(status=200, content_type="text/html; charset=utf-8", body=html)
            elif request.resource_type == "script":
                route.abort()
            else:
                route.continue_()

        tab.route("**/*", serve)
        tab.goto(url)
        axe_check(tab, f"{what}, without JavaScript" if what else "without JavaScript")
    finally:
        checker.close()


def png_bytes(width: int = 4, height: int = 3) -> bytes:
    """A small, valid RGB PNG: content sniffing must recognise it as an image."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    row = b"\x00" + bytes([200, 60, 30]) * width
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(row * height))
        + chunk(b"IEND", b"")
    )


def wait_for_mail(
    messages: list[EmailMessage], count: int = 1, within: float = 20.0
) -> EmailMessage:
    """The ``count``-th message the SMTP server accepted (the outbox delivers in the background)."""
    deadline = time.monotonic() + within
    while len(messages) < count:
        assert time.monotonic() < deadline, f"expected {count} email(s), got {len(messages)}"
        time.sleep(0.05)
    return messages[count - 1]


def plain_text(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None, "the email has no plain-text part"
    return part.get_content()


def status_link(message: EmailMessage) -> str:
    """The private status link (``/{lang}/c/{token}``) in the plain-text part."""
    found = re.findall(r"https?://\S+/(?:en|sv|nb)/c/[A-Za-z0-9_\-]+", plain_text(message))
    assert found, "no status link in the email:\n" + plain_text(message)
    return found[0]


def focused_name(page: Page) -> str | None:
    """The ``name`` (or id) of the focused element, to follow keyboard focus."""
    return page.evaluate(
        "() => document.activeElement && "
        "(document.activeElement.getAttribute('name') || document.activeElement.id)"
    )


def has_horizontal_scroll(page: Page) -> bool:
    return bool(
        page.evaluate(
            "() => document.documentElement.scrollWidth > document.documentElement.clientWidth"
        )
    )


# -- the complaint form, driven by field names (labels differ per language) -------------------

REFERENCE = r"[A-Z0-9]{4}(?:-[A-Z0-9]{4})+"


def field(page: Page, name: str) -> Locator:
    return page.locator(f"main form [name='{name}']")


def choose(page: Page, name: str, value: str) -> None:
    """Pick one option of a radio group (category, desired outcome)."""
    page.locator(f"main form input[type=radio][name='{name}'][value='{value}']").check()


def chosen(page: Page, name: str) -> str | None:
    """The value currently picked in a radio group, if any."""
    checked = page.locator(f"main form input[type=radio][name='{name}']:checked")
    return checked.get_attribute("value") if checked.count() else None


def submit_button(page: Page) -> Locator:
    return page.locator("main form button[type=submit]")


def attachment_file(name: str = "receipt.png", data: bytes | None = None) -> FilePayload:
    return {"name": name, "mimeType": "image/png", "buffer": data or png_bytes()}
