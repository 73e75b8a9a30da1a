"""How many and how large: refused files are named, accepted ones are kept across errors."""

from __future__ import annotations

import os
import time

from complaint_support import PDF, PNG, count_cases, only_case, open_form, send
from helpers import field_error, page_form, parse
from sqlalchemy import select

from portal.cases.attachments import MB, purge_abandoned_uploads, stored_path
from portal.cases.models import Attachment


def _attachments(services) -> list[Attachment]:
    with services.read() as session:
        return list(session.scalars(select(Attachment).order_by(Attachment.id)))


def _staged_names(html: str) -> list[str]:
    return [el.text for el in parse(html).find_all("span", class_="filename")]


def _pdf(size: int) -> bytes:
    return PDF + b"%" * (size - len(PDF))


def test_file_over_ten_megabytes_is_refused_by_name(client, services) -> None:
    response = send(
        client, files=[("attachments", ("scan.pdf", _pdf(10 * MB + 1), "application/pdf"))]
    )
    assert response.status_code == 422
    assert field_error(response.text, "attachments") == (
        "Error: scan.pdf is larger than 10 MB. Please send a smaller file."
    )
    assert count_cases(services) == 0


def test_file_of_exactly_ten_megabytes_is_accepted(client, services) -> None:
    response = send(client, files=[("attachments", ("scan.pdf", _pdf(10 * MB), "application/pdf"))])
    assert response.status_code == 303
    assert [a.size for a in _attachments(services)] == [10 * MB]


def test_sixth_file_is_refused_and_five_are_kept(client, services) -> None:
    files = [("attachments", (f"photo-{n}.png", PNG, "image/png")) for n in range(1, 7)]
    response = send(client, description="", files=files)
    assert response.status_code == 422
    assert "photo-6.png was not added: you can attach up to 5 files to one complaint." in (
        field_error(response.text, "attachments")
    )
    assert _staged_names(response.text) == [f"photo-{n}.png" for n in range(1, 6)]
    kept = page_form(response.text, "/en/complaint")
    assert send(client, form=kept, description="Five photos of the damage.").status_code == 303
    assert [a.filename for a in _attachments(services)] == [f"photo-{n}.png" for n in range(1, 6)]


def test_files_over_the_total_are_refused_by_name(client, services) -> None:
    files = [("attachments", (f"scan-{n}.pdf", _pdf(9 * MB), "application/pdf")) for n in range(3)]
    response = send(client, files=files)
    assert response.status_code == 422
    assert "scan-2.pdf was not added: together your files would be larger than 25 MB." in (
        field_error(response.text, "attachments")
    )
    assert _staged_names(response.text) == ["scan-0.pdf", "scan-1.pdf"]
    assert count_cases(services) == 0


def test_valid_files_survive_an_error_elsewhere(client, services, settings) -> None:
    response = send(
        client,
        email="not an address",
        files=[("attachments", ("receipt.pdf", PDF, "application/pdf"))],
    )
    assert response.status_code == 422
    page = parse(response.text)
    assert _staged_names(response.text) == ["receipt.pdf"]
    remove = page.find("input", name="remove_attachment")
    assert remove is not None
    assert page.find("label", for_=remove.get("id")).text == "Remove receipt.pdf"

    kept = page_form(response.text, "/en/complaint")
    assert send(client, form=kept, email="anna@example.com").status_code == 303
    [attachment] = _attachments(services)
    assert attachment.filename == "receipt.pdf"
    assert attachment.case_id == only_case(services).id
    assert stored_path(settings.data_dir, attachment.storage_key).read_bytes() == PDF
    # Once used, a kept file is not attached again, not even to an edited resend of the form.
    again = send(client, form=kept, email="anna@example.com", description="Something else.")
    assert again.status_code == 303
    assert count_cases(services) == 2
    assert len(_attachments(services)) == 1


def test_a_kept_file_can_be_removed(client, services) -> None:
    response = send(
        client,
        email="",
        files=[
            ("attachments", ("keep.pdf", PDF, "application/pdf")),
            ("attachments", ("wrong.png", PNG, "image/png")),
        ],
    )
    page = parse(response.text)
    wrong = next(
        el
        for el in page.find_all("input", name="remove_attachment")
        if page.find("label", for_=el.get("id")).text == "Remove wrong.png"
    )
    kept = page_form(response.text, "/en/complaint")
    kept["remove_attachment"] = wrong.get("value")
    assert send(client, form=kept, email="anna@example.com").status_code == 303
    assert [a.filename for a in _attachments(services)] == ["keep.pdf"]


def test_files_kept_for_one_form_cannot_be_used_by_another(client, services) -> None:
    first = send(client, email="", files=[("attachments", ("private.pdf", PDF, "application/pdf"))])
    stolen = page_form(first.text, "/en/complaint")["staged"]
    other = open_form(client)
    assert send(client, form={**other, "staged": stolen}).status_code == 303
    assert _attachments(services) == []


def test_abandoned_uploads_are_purged_but_used_ones_kept(client, services, settings) -> None:
    abandoned = send(client, email="", files=[("attachments", ("a.pdf", PDF, "application/pdf"))])
    used = send(client, email="", files=[("attachments", ("b.pdf", PDF, "application/pdf"))])
    assert (
        send(client, form=page_form(used.text, "/en/complaint"), email="x@example.com").status_code
        == 303
    )
    abandoned_key = page_form(abandoned.text, "/en/complaint")["staged"]
    [attachment] = _attachments(services)
    records = settings.data_dir / "uploads" / "staged"
    for record in records.glob("*.json"):
        old = time.time() - 3 * 86400
        os.utime(record, (old, old))
    with services.read() as session:
        assert purge_abandoned_uploads(session, settings.data_dir, 86400) == 1
    assert not stored_path(settings.data_dir, abandoned_key).exists()
    assert stored_path(settings.data_dir, attachment.storage_key).exists()
