"""The complaint flow with the keyboard alone: Tab, Shift+Tab, arrows, Space and Enter.

No mouse click anywhere; every control reached must show where the focus is.
"""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from .pages import REFERENCE, focused_name, png_bytes, status_link, wait_for_mail

MAX_TABS = 80


def is_focus_visible(page: Page) -> bool:
    return bool(page.evaluate("() => document.activeElement.matches(':focus-visible')"))


def focus_outline(page: Page) -> str:
    return page.evaluate(
        "() => { const s = getComputedStyle(document.activeElement);"
        " return s.outlineStyle + ' ' + s.outlineWidth; }"
    )


def tab_to(page: Page, name: str, backwards: bool = False) -> None:
    """Press Tab (or Shift+Tab) until the control called ``name`` has the focus."""
    key = "Shift+Tab" if backwards else "Tab"
    for _ in range(MAX_TABS):
        page.keyboard.press(key)
        if focused_name(page) == name:
            assert is_focus_visible(page), f"{name}: focus is not visible"
            assert not focus_outline(page).startswith("none"), f"{name}: focus has no outline"
            return
    raise AssertionError(f"{key} never reached {name!r}")


def tab_to_submit(page: Page) -> None:
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.matches('main form button[type=submit]')"):
            assert is_focus_visible(page)
            return
    raise AssertionError("Tab never reached the submit button")


def test_complaint_with_the_keyboard_only(page: Page, live_server) -> None:
    picture = png_bytes()
    page.goto(live_server.at("/en/complaint"))

    # An empty submit: the error summary takes the focus and leads to the fields.
    tab_to_submit(page)
    page.keyboard.press("Enter")
    summary = page.locator(".error-summary")
    expect(summary).to_be_focused()
    page.keyboard.press("Tab")
    expect(summary.locator("a").first).to_be_focused()
    assert is_focus_visible(page)
    # The summary lists both missing fields, in the order of the form; each link leads there.
    links = summary.locator("a")
    expect(links).to_have_count(2)
    assert links.nth(0).get_attribute("href") == "#description"
    assert links.nth(1).get_attribute("href") == "#email"
    page.keyboard.press("Enter")
    expect(page.locator("main form #description")).to_be_focused()
    page.keyboard.type("The parcel arrived crushed and the vase inside is broken.")
    page.keyboard.press("Shift+Tab")  # back from the field to the summary's last link
    expect(links.nth(1)).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("main form #email")).to_be_focused()
    page.keyboard.type("kim@example.com")

    # Radio groups: one Tab stop each; Space picks, the arrow keys move the choice.
    tab_to(page, "category")
    page.keyboard.press("Space")
    expect(page.locator("#category-product")).to_be_checked()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowUp")
    expect(page.locator("#category-service")).to_be_checked()
    expect(page.locator("#category-service")).to_be_focused()
    assert is_focus_visible(page)

    tab_to(page, "desired_outcome")
    page.keyboard.press("Space")
    page.keyboard.press("ArrowDown")
    expect(page.locator("#desired_outcome-replacement")).to_be_checked()

    # Further down, then back up to the order number with Shift+Tab.
    tab_to(page, "name")
    page.keyboard.type("Kim Keys")
    tab_to(page, "order_ref", backwards=True)
    page.keyboard.type("ORD-7731")

    # The file picker opens from the keyboard as well.
    tab_to(page, "attachments")
    with page.expect_file_chooser() as chooser_info:
        page.keyboard.press("Space")
    chooser_info.value.set_files([{"name": "vase.png", "mimeType": "image/png", "buffer": picture}])

    tab_to_submit(page)
    page.keyboard.press("Enter")
    reference_box = page.locator("main .reference")
    expect(reference_box).to_have_text(re.compile(rf"^\s*{REFERENCE}\s*$"))
    reference = reference_box.inner_text().strip()

    # From the email link to the status page, and the attachment by keyboard.
    page.goto(status_link(wait_for_mail(live_server.smtp.messages)))
    expect(page).to_have_url(live_server.at(f"/en/case/{reference}"))
    main = page.locator("main")
    for sent in ("Kim Keys", "kim@example.com", "ORD-7731", "Service or delivery", "A replacement"):
        expect(main).to_contain_text(sent)
    expect(main).to_contain_text("the vase inside is broken")
    attachment = page.get_by_role("link", name=re.compile("vase.png"))
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        if attachment.evaluate("el => el === document.activeElement"):
            break
    expect(attachment).to_be_focused()
    assert is_focus_visible(page)
    with page.expect_download() as download_info:
        page.keyboard.press("Enter")
    with open(download_info.value.path(), "rb") as fh:
        assert fh.read() == picture
