"""The insights page as staff use it: the figures in its tables, the GET form with a custom
range and its messages, and what editors see (only the knowledge-base part)."""

from __future__ import annotations

import pytest
from helpers import error_summary, field_error, parse
from insights_support import NOW, add_history, signed_in

WEEK = {"period": "custom", "from": "2026-03-02", "to": "2026-03-08"}


@pytest.fixture
def history(services) -> dict[str, str]:
    services.clock = lambda: NOW
    return add_history(services)


def _rows(html: str, table: str) -> list[list[str]]:
    element = parse(html).by_id(f"table-{table}")
    assert element is not None, f"no table {table}"
    return [
        [cell.text for cell in row.iter() if cell.tag in ("th", "td")]
        for row in element.find("tbody").find_all("tr")
    ]


def test_an_agent_sees_every_figure_of_the_period(client, services, history) -> None:
    signed_in(client, services, "olle@example.com", ["agent"])
    response = client.get("/staff/insights", params=WEEK)
    assert response.status_code == 200, response.text
    html = response.text
    # Complaints per category with the previous period and the change.
    assert _rows(html, "categories") == [
        ["A product", "3", "1", "+2"],
        ["Service or delivery", "2", "1", "+1"],
        ["Billing or a misunderstanding", "1", "0", "+1"],
    ]
    # The chart and the table beside it: seven days, Monday with two product complaints.
    volume = _rows(html, "volume")
    assert len(volume) == 7
    assert volume[0][1:] == ["2", "0", "0", "2"]
    svg = parse(html).find("svg")
    assert svg.get("role") == "img"
    assert svg.find("title").text == "Complaints over time by category"
    # Working time: product's median first response 2 h, p90 6 h; resolution 5 h and 6 h.
    speed = {row[0]: row for row in _rows(html, "speed")}
    assert speed["A product"][1:3] == ["2.0 h", "6.0 h"]
    assert speed["A product"][3:7] == ["7.0 h", "7.0 h", "5.0 h", "6.0 h"]
    kept = {row[0]: row for row in _rows(html, "kept-category")}
    assert kept["All"][1:4] == ["3", "5", "60.0%"]
    outcomes = {row[0]: row[1:] for row in _rows(html, "outcomes")}
    assert outcomes["Service recovery"] == ["33.3%", "100.0%", "-66.7%"]
    assert outcomes["Satisfaction (average rating, 1–5)"][0] == "4.00"
    assert parse(html).by_id("table-self-service") is not None


def test_filters_by_channel_and_language(client, services, history) -> None:
    signed_in(client, services, "olle@example.com", ["agent"])
    html = client.get("/staff/insights", params={**WEEK, "channel": "email"}).text
    assert _rows(html, "categories") == [["Service or delivery", "1", "0", "+1"]]
    form = parse(html).find("form", action="/staff/insights")
    assert form.get("method") == "get"
    chosen = form.find("select", name="channel").find("option", selected="")
    assert chosen.get("value") == "email"


def test_a_wrong_custom_range_is_explained_next_to_the_field(client, services, history) -> None:
    signed_in(client, services, "olle@example.com", ["agent"])
    response = client.get(
        "/staff/insights", params={"period": "custom", "from": "2026-03-08", "to": "2026-03-02"}
    )
    assert response.status_code == 400
    assert field_error(response.text, "to").endswith(
        "The last day must be on or after the first day."
    )
    assert error_summary(response.text) == ["The last day must be on or after the first day."]
    # What was typed stays in the form.
    form = parse(response.text).find("form", action="/staff/insights")
    assert form.find("input", name="from").get("value") == "2026-03-08"
    response = client.get("/staff/insights", params={"period": "custom", "from": "1 March"})
    assert field_error(response.text, "from").endswith(
        "Enter the first day as a date like 2026-03-01."
    )
    assert field_error(response.text, "to").endswith("Enter the last day of the period.")


def test_an_editor_sees_only_the_knowledge_base_part(client, services, history) -> None:
    signed_in(client, services, "eva@example.com", ["editor"])
    response = client.get("/staff/insights", params=WEEK)
    assert response.status_code == 200
    page = parse(response.text)
    assert page.by_id("table-self-service") is not None
    for table in ("volume", "categories", "speed", "kept-category", "outcomes", "terms"):
        assert page.by_id(f"table-{table}") is None
    assert "A product" not in page.text
    assert (
        client.get("/staff/insights/export", params={**WEEK, "table": "speed"}).status_code == 403
    )
    allowed = client.get("/staff/insights/export", params={**WEEK, "table": "self-service"})
    assert allowed.status_code == 200


def _choose_zone(services, email: str, zone: str) -> None:
    from portal.staff import accounts

    with services.write() as session:
        accounts.set_own_time_zone(session, accounts.user_by_email(session, email), zone)


def test_a_viewer_in_london_sees_london_days(client, services, history) -> None:
    signed_in(client, services, "olle@example.com", ["agent"])
    stockholm = client.get("/staff/insights", params=WEEK).text
    _choose_zone(services, "olle@example.com", "Europe/London")
    london = client.get("/staff/insights", params=WEEK).text
    # Stockholm is UTC+1 and London UTC+0 in March. P3 (Sunday 1 March 23:30 UTC) is Monday in
    # Stockholm but Sunday, in the previous week, in London; P2 (Monday 23:30 UTC) is Tuesday in
    # Stockholm but Monday in London; X (Sunday 8 March 23:30 UTC) is after the week in
    # Stockholm but its Sunday in London.
    assert _rows(stockholm, "categories")[0] == ["A product", "3", "1", "+2"]  # P1 P2 P3 / Q1
    assert _rows(london, "categories")[0] == ["A product", "3", "2", "+1"]  # P1 P2 X / P3 Q1
    by_day = {"stockholm": _rows(stockholm, "volume"), "london": _rows(london, "volume")}
    assert [row[1] for row in by_day["stockholm"]] == ["2", "1", "0", "0", "0", "0", "0"]
    assert [row[1] for row in by_day["london"]] == ["2", "0", "0", "0", "0", "0", "1"]
    assert "United Kingdom Time (Europe/London)" in parse(london).by_id("period-summary").text
    assert "Sweden Time (Europe/Stockholm)" in parse(stockholm).by_id("period-summary").text
    # The service cases keep their days: S1 on Wednesday, S2 on Thursday in both zones.
    assert [row[2] for row in by_day["london"]] == [row[2] for row in by_day["stockholm"]]
