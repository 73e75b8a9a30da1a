"""CSV downloads of the insights page: the filtered case list and each table, with translated
headers, a proper type and file name, and no way to smuggle a formula into a spreadsheet."""

from __future__ import annotations

import csv
import io

import pytest
from insights_support import NOW, add_case, add_history, signed_in, utc

from portal.insights.cells import csv_bytes, safe

WEEK = {"period": "custom", "from": "2026-03-02", "to": "2026-03-08"}


@pytest.fixture
def history(services) -> dict[str, str]:
    services.clock = lambda: NOW
    return add_history(services)


def _read_csv(body: bytes) -> list[list[str]]:
    text = body.decode("utf-8")
    assert text.startswith("\ufeff")  # spreadsheets then read å, ä and ö right
    return list(csv.reader(io.StringIO(text[1:])))


@pytest.mark.parametrize(
    ("typed", "written"),
    [
        ('=HYPERLINK("http://evil.example")', '\'=HYPERLINK("http://evil.example")'),
        ("+46 70 123", "'+46 70 123"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("Lamp broken", "Lamp broken"),
        ("", ""),
    ],
)
def test_a_text_cell_never_starts_a_formula(typed: str, written: str) -> None:
    assert safe(typed) == written
    assert _read_csv(csv_bytes(["Header"], [[typed]]))[1] == [written]


def test_numbers_the_report_computed_stay_numbers() -> None:
    assert _read_csv(csv_bytes(["Change"], [[-3], [0.5]]))[1:] == [["-3"], ["0.5"]]


def test_the_case_list_is_filtered_and_neutralised(client, services, history) -> None:
    add_case(
        services,
        created_at=utc(3, 3, 9),
        promised_at=utc(3, 3, 15),
        category="billing",
        reference="=CMD-1",  # nothing a customer controls reaches a cell unneutralised
    )
    signed_in(client, services, "olle@example.com", ["agent"])
    response = client.get("/staff/insights/export", params={**WEEK, "table": "cases"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"] == (
        'attachment; filename="svar-cases-2026-03-02-2026-03-08.csv"'
    )
    rows = _read_csv(response.content)
    assert rows[0][:3] == ["Reference", "Created", "Category"]
    # Six cases in the period plus the one just added, oldest first; P3 was sent Monday 00:30.
    assert len(rows) == 8
    assert rows[1][0] == history["P3"]
    assert rows[1][1] == "2026-03-02 00:30"
    assert rows[4][:3] == ["'=CMD-1", "2026-03-03 10:00", "Billing or a misunderstanding"]
    by_ref = {row[0]: row for row in rows[1:]}
    # P1: two working hours to the first reply, six to the resolution, promise kept, rated 5.
    assert by_ref[history["P1"]][9:] == ["2.0", "6.0", "Yes", "0", "5"]
    # Only what the filters let through.
    by_phone = client.get(
        "/staff/insights/export", params={**WEEK, "table": "cases", "channel": "phone"}
    )
    assert [row[0] for row in _read_csv(by_phone.content)[1:]] == [history["B1"]]


def test_each_table_downloads_with_the_numbers_on_the_page(client, services, history) -> None:
    signed_in(client, services, "olle@example.com", ["agent"])
    response = client.get("/staff/insights/export", params={**WEEK, "table": "categories"})
    assert response.headers["content-disposition"] == (
        'attachment; filename="svar-categories-2026-03-02-2026-03-08.csv"'
    )
    assert _read_csv(response.content) == [
        ["Category", "Complaints", "Previous period", "Change"],
        ["A product", "3", "1", "2"],
        ["Service or delivery", "2", "1", "1"],
        ["Billing or a misunderstanding", "1", "0", "1"],
    ]
    kept = _read_csv(
        client.get("/staff/insights/export", params={**WEEK, "table": "kept-category"}).content
    )
    assert kept[-1] == ["All", "3", "5", "60.0", "50.0", "10.0"]


def test_headers_are_in_the_viewers_language(client, services, history) -> None:
    signed_in(client, services, "olle@example.com", ["agent"])
    response = client.get(
        "/staff/insights/export",
        params={**WEEK, "table": "categories"},
        headers={"accept-language": "sv"},
    )
    header = _read_csv(response.content)[0]
    assert header[0] == "Kategori"
    assert header[2] == "Föregående period"
