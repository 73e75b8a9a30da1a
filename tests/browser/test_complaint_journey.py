"""A customer's whole complaint in a real browser: form, confirmation, email, status page.

Run in every language, each page checked with axe-core along the way.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from portal.i18n import gettext

from .pages import (
    LANGS,
    REFERENCE,
    attachment_file,
    axe_check,
    choose,
    field,
    plain_text,
    png_bytes,
    status_link,
    submit_button,
    wait_for_mail,
)

DESCRIPTION = {
    "en": "The kettle I bought stopped working after two days. It no longer heats the water.",
    "sv": "Vattenkokaren jag köpte slutade fungera efter två dagar. Den värmer inte vattnet.",
    "nb": "Vannkokeren jeg kjøpte sluttet å virke etter to dager. Den varmer ikke vannet.",
}
NAME = {"en": "Alex Morgan", "sv": "Åsa Öberg", "nb": "Bjørn Ødegård"}


@pytest.mark.parametrize("lang", LANGS)
def test_whole_complaint_journey(page: Page, new_context, live_server, lang: str) -> None:
    email = f"customer.{lang}@example.com"
    picture = png_bytes(6, 5)

    page.goto(live_server.at(f"/{lang}/complaint"))
    expect(page.locator("html")).to_have_attribute("lang", lang)
    # The promise is on the form itself, before anything is sent.
    expect(page.locator("main .promise")).to_be_visible()
    axe_check(page, f"empty complaint form in {lang}")

    # Sending it empty: errors next to the fields and in a summary, still accessible.
    submit_button(page).click()
    summary = page.locator(".error-summary")
    expect(summary).to_be_visible()
    expect(summary.locator("a[href='#email']")).to_be_visible()
    expect(summary.locator("a[href='#description']")).to_be_visible()
    expect(page.locator(".field.has-error .error-message")).to_have_count(2)
    axe_check(page, f"complaint form with errors in {lang}")

    field(page, "name").fill(NAME[lang])
    field(page, "email").fill(email)
    field(page, "phone").fill("+46 70 123 45 67")
    choose(page, "category", "product")
    choose(page, "desired_outcome", "replacement")
    field(page, "order_ref").fill("ORD-20481")
    field(page, "description").fill(DESCRIPTION[lang])
    field(page, "attachments").set_input_files([attachment_file("kettle.png", picture)])
    submit_button(page).click()

    # Confirmation: the reference, when we will answer, and where the email went.
    reference_box = page.locator("main .reference")
    expect(reference_box).to_have_text(re.compile(rf"^\s*{REFERENCE}\s*$"))
    reference = reference_box.inner_text().strip()
    promise = page.locator("main .promise time")
    expect(promise).to_be_visible()
    promised_text = " ".join(promise.inner_text().split())
    promised_at = promise.get_attribute("datetime")
    expect(page.locator("main")).to_contain_text(email)
    axe_check(page, f"confirmation in {lang}")
    # The browser that sent the complaint may follow it straight away.
    page.locator(f"main a[href='/{lang}/case/{reference}']").click()
    expect(page.locator("main h1")).to_contain_text(reference)

    # The acknowledgement arrives by real SMTP, in the customer's language.
    message = wait_for_mail(live_server.smtp.messages)
    assert f"[{reference}]" in message["Subject"]
    assert message["To"].addresses[0].addr_spec == email
    body = " ".join(plain_text(message).split())
    assert reference in body
    assert promised_text in body, "the email promises the time the confirmation showed"
    assert NAME[lang] in body
    link = status_link(message)
    assert link.startswith(live_server.at(f"/{lang}/c/"))
    secret = link.rsplit("/", 1)[1]

    # Another browser (the customer's phone, say) knows nothing of the case without the link.
    page = new_context().new_page()
    response = page.goto(live_server.at(f"/{lang}/case/{reference}"))
    assert response is not None
    assert response.status == 404
    # The link opens the case, and the secret leaves the address bar at once.
    response = page.goto(link)
    assert response is not None
    assert response.status == 200
    assert response.headers["cache-control"] == "no-store"
    expect(page).to_have_url(live_server.at(f"/{lang}/case/{reference}"))
    assert secret not in page.url
    assert secret not in page.content()
    main = page.locator("main")
    expect(main).to_contain_text(reference)
    expect(main).to_contain_text(DESCRIPTION[lang])
    expect(main).to_contain_text("ORD-20481")
    expect(main).to_contain_text(gettext(lang, "A product"))
    expect(main).to_contain_text(gettext(lang, "A replacement"))
    expect(page.locator("main .promise time")).to_have_attribute("datetime", promised_at or "")
    axe_check(page, f"status page in {lang}")

    # The attachment downloads through this access, byte for byte.
    with page.expect_download() as download_info:
        page.get_by_role("link", name=re.compile("kettle.png")).click()
    download = download_info.value
    assert download.suggested_filename == "kettle.png"
    with open(download.path(), "rb") as fh:
        assert fh.read() == picture
