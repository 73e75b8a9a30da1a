"""Admins change response-time targets and business calendars in the back office, and the next
complaint is promised with them; bad input is shown by the field and changes nothing."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from complaint_support import only_case, send
from helpers import error_summary, field_error, page_form, parse
from sqlalchemy import select
from staff_support import audit_actions, make_staff, sign_in, submit

from portal.cases.models import Case
from portal.sla.models import SlaCalendar, SlaPolicy
from portal.sla.policies import calendar_from_row, ensure_defaults, invalidate, load_sla

PAGE = "/staff/response-times"


@pytest.fixture(autouse=True)
def fresh_cache():
    """Each test has its own database; no configuration cached by an earlier test counts."""
    invalidate()
    yield
    invalidate()


@pytest.fixture
def admin(client, services):
    make_staff(services, "ada@example.com", ["admin"], name="Ada Admin")
    assert sign_in(client, "ada@example.com").status_code == 303
    assert client.get(PAGE).status_code == 200  # the first visit seeds the default settings
    return client


def _calendar(services, key: str = "SE") -> SlaCalendar:
    with services.read() as session:
        row = session.scalar(select(SlaCalendar).where(SlaCalendar.key == key))
        assert row is not None
        return row


def _policy(services, category: str, priority: str = "normal") -> tuple[int, int]:
    with services.read() as session:
        row = session.scalar(
            select(SlaPolicy).where(SlaPolicy.category == category, SlaPolicy.priority == priority)
        )
        assert row is not None
        return row.first_response_minutes, row.resolution_minutes


def _expected_due(services, case: Case, working: timedelta) -> datetime:
    """Where the case's promise must fall: ``working`` opening hours on the Swedish calendar."""
    calendar = calendar_from_row(_calendar(services))
    return calendar.add_working_time(case.created_at, working)


def _cases(services) -> list[Case]:
    with services.read() as session:
        return list(session.scalars(select(Case).order_by(Case.id)))


def _calendar_url(services, key: str = "SE") -> str:
    return f"{PAGE}/calendars/{_calendar(services, key).id}"


def test_a_new_target_is_the_promise_the_next_complaint_gets(admin, services) -> None:
    page = admin.get(PAGE)
    assert page.status_code == 200
    form = page_form(page.text, f"{PAGE}/targets")
    assert (form["first-billing-normal"], form["first-billing-normal-unit"]) == ("1", "days")

    saved = submit(
        admin,
        PAGE,
        f"{PAGE}/targets",
        **{
            "first-billing-normal": "3",
            "first-billing-normal-unit": "days",
            "resolution-billing-normal": "45",
            "resolution-billing-normal-unit": "hours",
        },
    )
    assert saved.status_code == 303
    assert _policy(services, "billing") == (27 * 60, 45 * 60)
    listing = parse(admin.get(saved.headers["location"]).text)
    assert "The targets were saved" in listing.find(role="status").text
    assert ("sla.targets", "ada@example.com", "") in audit_actions(services)

    assert send(admin, category="billing").status_code == 303
    case = only_case(services)
    assert case.promised_at == _expected_due(services, case, timedelta(hours=27))


def test_an_extra_closed_day_moves_the_promise(admin, services) -> None:
    assert send(admin, category="product").status_code == 303
    first = only_case(services)
    calendar = calendar_from_row(_calendar(services))
    due_day = first.promised_at.astimezone(calendar.tz).date()

    url = _calendar_url(services)
    added = submit(
        admin, url, f"{url}/closed-days", closed_date=due_day.isoformat(), closed_label="Staff day"
    )
    assert added.status_code == 303
    calendar_page = parse(admin.get(added.headers["location"]).text)
    assert "The closed day was added." in calendar_page.find(role="status").text
    upcoming = calendar_page.by_id("upcoming-title").parent.text
    assert "Staff day" in upcoming

    assert send(admin, category="product", email="bo@example.com").status_code == 303
    second = _cases(services)[-1]
    moved = calendar_from_row(_calendar(services))
    assert due_day in moved.closed_days
    assert second.promised_at.astimezone(moved.tz).date() > due_day
    assert second.promised_at == moved.add_working_time(second.created_at, timedelta(hours=18))

    removed = submit(admin, url, f"{url}/closed-days/delete", date=due_day.isoformat())
    assert removed.status_code == 303
    assert _calendar(services).closed_days == []
    actions = [a for a, who, _t in audit_actions(services) if who == "ada@example.com"]
    assert actions[-2:] == ["sla.closed_day.add", "sla.closed_day.remove"]


def test_the_calendar_form_saves_hours_eves_and_country(admin, services) -> None:
    url = _calendar_url(services)
    saved = submit(
        admin,
        url,
        url,
        **{
            "time_zone": "Europe/Helsinki",
            "country": "fi",
            "day-4-closes": "15:00",
            "day-5-closed": "",
            "day-5-opens": "10:00",
            "day-5-closes": "14:00",
            "eve-christmas_eve": "early",
            "eve-christmas_eve-closes": "12:00",
            "eve-midsummer_eve": "open",
        },
    )
    assert saved.status_code == 303, error_summary(saved.text)
    row = _calendar(services)
    assert (row.tz, row.country) == ("Europe/Helsinki", "FI")
    assert row.hours[4] == ["08:00", "15:00"]
    assert row.hours[5] == ["10:00", "14:00"]
    assert row.hours[6] is None
    assert row.eves["christmas_eve"] == "12:00"
    assert "midsummer_eve" not in row.eves
    with services.read() as session:
        calendar = load_sla(session).calendar_for("sv")
    assert calendar.day_hours(date(2026, 12, 24))[1].hour == 12  # a Thursday, closes at noon
    assert ("sla.calendar", "ada@example.com", str(row.id)) in audit_actions(services)


def test_bad_targets_are_shown_by_their_fields_and_nothing_is_saved(admin, services) -> None:
    before = _policy(services, "product")
    response = submit(
        admin,
        PAGE,
        f"{PAGE}/targets",
        **{
            "first-product-normal": "0",
            "first-product-high": "soon",
            "first-product-urgent": "900",
            "first-product-urgent-unit": "days",
            "first-service-normal": "20",
            "first-service-normal-unit": "hours",
            "resolution-service-normal": "2",
            "resolution-service-normal-unit": "hours",
        },
    )
    assert response.status_code == 400
    assert "more than zero" in field_error(response.text, "first-product-normal")
    assert "as a number" in field_error(response.text, "first-product-high")
    assert "at most 60 working days" in field_error(response.text, "first-product-urgent")
    assert "sooner than it is first answered" in field_error(
        response.text, "resolution-service-normal"
    )
    assert len(error_summary(response.text)) == 4
    kept = page_form(response.text, f"{PAGE}/targets")
    assert kept["first-product-high"] == "soon"
    assert (kept["first-product-urgent"], kept["first-product-urgent-unit"]) == ("900", "days")
    assert _policy(services, "product") == before
    assert not [a for a, _who, _t in audit_actions(services) if a.startswith("sla.")]


def test_bad_calendar_input_is_shown_by_its_field(admin, services) -> None:
    before = _calendar(services)
    url = _calendar_url(services)
    response = submit(
        admin,
        url,
        url,
        time_zone="Europe/Atlantis",
        country="XX",
        **{"day-0-opens": "17:00", "day-0-closes": "08:00", "day-1-opens": "8 am"},
    )
    assert response.status_code == 400
    assert "Europe/Atlantis is not a time zone" in field_error(response.text, "time_zone")
    assert "No public holidays are known for XX" in field_error(response.text, "country")
    assert "after the opening time" in field_error(response.text, "day-0-closes")
    assert "such as 08:00" in field_error(response.text, "day-1-opens")
    kept = page_form(response.text, url)
    assert (kept["time_zone"], kept["country"], kept["day-1-opens"]) == (
        "Europe/Atlantis",
        "XX",
        "8 am",
    )
    after = _calendar(services)
    assert (after.tz, after.country, after.hours) == (before.tz, before.country, before.hours)

    for bad, message in (("2026-13-45", "a real date"), ("", "Enter the date")):
        refused = submit(admin, url, f"{url}/closed-days", closed_date=bad, closed_label="Kickoff")
        assert refused.status_code == 400
        assert message in field_error(refused.text, "closed_date")
        assert page_form(refused.text, f"{url}/closed-days")["closed_label"] == "Kickoff"
    assert _calendar(services).closed_days == []

    all_closed = {f"day-{d}-closed": "1" for d in range(7)}
    refused = submit(admin, url, url, **all_closed)
    assert refused.status_code == 400
    assert "at least one day" in " ".join(error_summary(refused.text))


def test_languages_can_move_to_another_calendar(admin, services) -> None:
    norway = _calendar(services, "NO")
    saved = submit(admin, PAGE, f"{PAGE}/languages", **{"calendar-en": str(norway.id)})
    assert saved.status_code == 303
    with services.read() as session:
        assert load_sla(session).calendar_for("en").key == "NO"
    refused = submit(admin, PAGE, f"{PAGE}/languages", **{"calendar-sv": "999"})
    assert refused.status_code == 400
    assert "Choose one of the calendars" in field_error(refused.text, "calendar-sv")


def test_agents_read_the_settings_and_others_may_not_change_them(client, services) -> None:
    make_staff(services, "olle@example.com", ["agent"])
    make_staff(services, "eva@example.com", ["editor"])
    with services.write() as session:
        ensure_defaults(session)
    sign_in(client, "olle@example.com")
    page = client.get(PAGE)
    assert page.status_code == 200
    doc = parse(page.text)
    assert doc.find("form", action=f"{PAGE}/targets") is None
    assert doc.find("a", href=_calendar_url(services)) is None
    token = page_form(page.text, "/staff/logout")["_csrf_token"]
    refused = client.post(
        f"{PAGE}/targets",
        data={"_csrf_token": token, "first-billing-normal": "1"},
        follow_redirects=False,
    )
    assert refused.status_code == 403
    assert client.get(_calendar_url(services)).status_code == 403

    client.cookies.clear()
    sign_in(client, "eva@example.com")
    assert client.get(PAGE).status_code == 403
