"""On a small phone (360 px wide) nothing needs sideways scrolling."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from .pages import (
    REFERENCE,
    attachment_file,
    field,
    has_horizontal_scroll,
    status_link,
    submit_button,
    wait_for_mail,
)

PHONE = {"width": 360, "height": 740}
LONG_WORD = "Orderreferens" * 12  # a long unbroken string must wrap, not widen the page


@pytest.fixture
def phone(new_context) -> Page:
    return new_context(viewport=PHONE).new_page()


@pytest.mark.parametrize("path", ["/nb/", "/nb/complaint", "/nb/track"])
def test_pages_fit_a_small_phone(phone: Page, live_server, path: str) -> None:
    phone.goto(live_server.at(path))
    assert not has_horizontal_scroll(phone), f"{path} scrolls sideways at 360 px"


def test_form_with_errors_and_status_page_fit_a_small_phone(phone: Page, live_server) -> None:
    phone.goto(live_server.at("/nb/complaint"))
    field(phone, "order_ref").fill(LONG_WORD[:100])
    field(phone, "description").fill(LONG_WORD)
    submit_button(phone).click()
    expect(phone.locator(".error-summary")).to_be_visible()
    assert not has_horizontal_scroll(phone), "the form with errors scrolls sideways"

    field(phone, "email").fill("kari@example.no")
    field(phone, "attachments").set_input_files(
        [attachment_file("et-veldig-langt-filnavn-" * 4 + ".png")]
    )
    submit_button(phone).click()
    reference_box = phone.locator("main .reference")
    expect(reference_box).to_have_text(re.compile(rf"^\s*{REFERENCE}\s*$"))
    assert not has_horizontal_scroll(phone), "the confirmation scrolls sideways"

    phone.goto(status_link(wait_for_mail(live_server.smtp.messages)))
    expect(phone.locator("main")).to_contain_text(LONG_WORD)
    assert not has_horizontal_scroll(phone), "the status page scrolls sideways"
