"""Every search is logged for the reports — without personal data: what was asked (masked),
in which language, how many results, and which result was opened at what position."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from knowledge_support import result_links
from litestar.testing import TestClient
from sqlalchemy import select

from kb.models import SearchLogEntry
from kb.search_log import normalise_query
from portal.services import Services


def _log(services: Services) -> list[SearchLogEntry]:
    with services.read() as session:
        return list(session.scalars(select(SearchLogEntry).order_by(SearchLogEntry.id)))


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("  Where is my   REFUND? ", "where is my refund?"),
        ("refund anna.svensson@example.com", "refund [email]"),
        ("ring me on +46 70-123 45 67", "ring me on [phone]"),
        ("ring 0047 912 34 567 please", "ring [phone] please"),
        ("order #48213 missing", "order [order] missing"),
        ("order NV-2024-88123 late", "order [order] late"),
        ("case K7M3-QX9T", "case [order]"),
        ("kundnummer 812345", "kundnummer [number]"),
        ("kundnummer 88812345", "kundnummer [phone]"),
        ("14 dagars ångerrätt 2024", "14 dagars ångerrätt 2024"),
        ("mp3 player covid-19", "mp3 player covid-19"),
    ],
)
def test_queries_are_stored_normalised_and_masked(typed: str, stored: str) -> None:
    assert normalise_query(typed) == stored


def test_a_search_is_logged_without_the_email_or_phone_in_it(
    demo_client: TestClient, demo_services: Services
) -> None:
    demo_client.get(
        "/sv/search", params={"q": "Återbetalning  till ulla@example.se ring 070-123 45 67"}
    )

    [entry] = _log(demo_services)
    assert entry.lang == "sv"
    assert entry.query == "återbetalning till [email] ring [phone]"
    assert "example" not in entry.query
    assert "123" not in entry.query
    assert entry.result_count > 0
    assert entry.opened_key is None
    assert entry.source == "search"


def test_a_search_that_finds_nothing_is_logged_with_zero(
    demo_client: TestClient, demo_services: Services
) -> None:
    demo_client.get("/en/search", params={"q": "zorbulator"})

    [entry] = _log(demo_services)
    assert (entry.query, entry.result_count) == ("zorbulator", 0)


def test_typing_letter_by_letter_is_one_entry(
    demo_client: TestClient, demo_services: Services
) -> None:
    for typed in ["re", "ref", "refu", "refund", "refun", "refund time"]:
        demo_client.get("/en/search", params={"q": typed}, headers={"HX-Request": "true"})
    demo_client.get("/en/search", params={"q": "gift card"})

    assert [e.query for e in _log(demo_services)] == ["refund time", "gift card"]


def test_the_opened_result_and_its_position_are_recorded(
    demo_client: TestClient, demo_services: Services
) -> None:
    links = result_links(demo_client.get("/en/search", params={"q": "parcel"}).text)
    second = links[1].get("href")

    assert demo_client.get(second).status_code == 200
    demo_client.get(links[0].get("href"))  # a second open of the same search changes nothing

    [entry] = _log(demo_services)
    slug = urlsplit(second).path.rsplit("/", 1)[-1]
    assert entry.opened_position == 2
    assert entry.opened_key is not None
    assert slug.startswith(entry.opened_key[:5])


def test_a_forged_search_id_is_ignored(demo_client: TestClient, demo_services: Services) -> None:
    links = result_links(demo_client.get("/en/search", params={"q": "parcel"}).text)
    href = links[0].get("href")
    q_id = parse_qs(urlsplit(href).query)["q_id"][0]
    entry_id, mac = q_id.split(".")

    forged = href.replace(q_id, f"{entry_id}.{'0' * len(mac)}")
    assert demo_client.get(forged).status_code == 200

    [entry] = _log(demo_services)
    assert entry.opened_key is None


def test_header_suggestions_are_logged_as_typeahead(
    demo_client: TestClient, demo_services: Services
) -> None:
    for typed in ["gi", "gift", "gift ca"]:
        demo_client.get("/en/search/suggest", params={"q": typed})

    [entry] = _log(demo_services)
    assert (entry.query, entry.source) == ("gift ca", "typeahead")
