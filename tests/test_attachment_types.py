"""Attachments are judged by what they contain, never by their name or declared type."""

from __future__ import annotations

import io
import zipfile

import pytest
from complaint_support import EXE, PDF, PNG, count_cases, send
from helpers import field_error, page_form
from sqlalchemy import select

from portal.cases.attachments import FileProblem, StagedFile, display_filename, receive_file
from portal.cases.models import Attachment
from portal.i18n import gettext

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64
GIF = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,"
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 \x18\x00\x00\x00" + b"\x00" * 32
HEIC = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 32


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("photos/one.jpg", JPEG)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "content", "kind"),
    [
        ("photo.png", PNG, "image/png"),
        ("photo.jpg", JPEG, "image/jpeg"),
        ("anim.gif", GIF, "image/gif"),
        ("photo.webp", WEBP, "image/webp"),
        ("IMG_0001.HEIC", HEIC, "image/heic"),
        ("receipt.pdf", PDF, "application/pdf"),
        ("notes.txt", "Kvitto för örngott 🧾\r\n\tRad två\n".encode(), "text/plain; charset=utf-8"),
        ("picture.txt", PNG, "image/png"),  # the name says text; the content is a PNG
        ("noextension", PDF, "application/pdf"),
    ],
)
def test_accepted_types_are_recognised_by_content(tmp_path, name, content, kind) -> None:
    outcome = receive_file(tmp_path, name, io.BytesIO(content), "S" * 24)
    assert isinstance(outcome, StagedFile), outcome
    assert outcome.content_type == kind
    assert outcome.size == len(content)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        (
            "invoice.exe.jpg",
            EXE,
            "invoice.exe.jpg is not an image, PDF or text file — it looks like a Windows program.",
        ),
        ("photos.zip.png", _zip(), "looks like a compressed archive"),
        ("notes.txt", b"line one\x00\x00line two", "is not an image, PDF or text file."),
        ("latin1.txt", "smörgåsbord".encode("latin-1"), "is not an image, PDF or text file."),
        ("scan.bmp", b"BM" + b"\x00" * 64, "is a kind of image we cannot open"),
        ("empty.pdf", b"", "empty.pdf is empty"),
    ],
)
def test_refused_types_are_named_with_a_reason(tmp_path, name, content, message) -> None:
    outcome = receive_file(tmp_path, name, io.BytesIO(content), "S" * 24)
    assert isinstance(outcome, FileProblem)
    text = gettext("en", outcome.message, name=outcome.filename, **outcome.params)
    assert message in text
    assert text.startswith(name)
    # Nothing of a refused file stays on disk.
    assert not [p for p in (tmp_path / "uploads").rglob("*") if p.is_file()]


def test_exe_renamed_jpg_is_refused_in_the_form_and_the_rest_kept(client, services) -> None:
    response = send(
        client,
        description="Here is the invoice you sent me.",
        files=[
            ("attachments", ("invoice.exe.jpg", EXE, "image/jpeg")),
            ("attachments", ("receipt.pdf", PDF, "application/pdf")),
        ],
    )
    assert response.status_code == 422
    assert field_error(response.text, "attachments") == (
        "Error: invoice.exe.jpg is not an image, PDF or text file — it looks like a Windows "
        "program."
    )
    kept = page_form(response.text, "/en/complaint")
    assert kept["description"] == "Here is the invoice you sent me."
    assert count_cases(services) == 0
    # The good file is still attached; sending again files the complaint with it.
    assert send(client, form=kept).status_code == 303
    with services.read() as session:
        names = list(session.scalars(select(Attachment.filename)))
    assert names == ["receipt.pdf"]


def test_declared_content_type_is_ignored(client, services) -> None:
    response = send(client, files=[("attachments", ("photo.pdf", PNG, "application/pdf"))])
    assert response.status_code == 303
    with services.read() as session:
        stored = session.scalar(select(Attachment))
    assert (stored.filename, stored.content_type) == ("photo.pdf", "image/png")


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\anna\\Desktop\\photo.png", "photo.png"),
        ("invoice\u202egpj.exe", "invoice gpj.exe"),
        ("two\r\nlines.png", "two lines.png"),
        ("  .hidden  ", "hidden"),
        ("", "attachment"),
        ("\x00\x01", "attachment"),
    ],
)
def test_file_names_are_made_safe_to_show(raw, shown) -> None:
    assert display_filename(raw) == shown


def test_long_file_names_keep_their_extension() -> None:
    shown = display_filename("a" * 300 + ".jpeg")
    assert len(shown) <= 120
    assert shown.endswith(".jpeg")


def test_crlf_in_file_name_is_stored_harmlessly(client, services) -> None:
    response = send(
        client, files=[("attachments", ("bad\r\nX-Injected: yes.png", PNG, "image/png"))]
    )
    assert response.status_code == 303
    with services.read() as session:
        assert session.scalar(select(Attachment.filename)) == "bad X-Injected: yes.png"
