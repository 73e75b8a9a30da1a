"""A staff member chooses their time zone on their account page: the back office shows times in
it, and the insights page counts its days in it."""

from __future__ import annotations

from datetime import timedelta

from desk_support import NOW, make_case
from helpers import error_summary, field_error, page_form, parse
from staff_support import load_user, make_staff, sign_in, submit

ACTION = "/staff/account/time-zone"


def _chosen(html: str) -> str:
    select = parse(html).by_id("time_zone")
    assert select is not None
    return next(o.get("value") for o in select.find_all("option") if o.get("selected") is not None)


def test_stockholm_is_chosen_until_someone_picks_another_zone(client, services) -> None:
    user_id = make_staff(services, "maja@example.com")
    sign_in(client, "maja@example.com")
    page = client.get("/staff/account")
    assert _chosen(page.text) == "Europe/Stockholm"
    assert page_form(page.text, ACTION)["time_zone"] == "Europe/Stockholm"

    response = submit(client, "/staff/account", ACTION, time_zone="Europe/London")
    assert response.status_code == 303
    assert response.headers["location"] == "/staff/account?done=time_zone"
    assert load_user(services, user_id).time_zone == "Europe/London"
    page = client.get(response.headers["location"])
    assert _chosen(page.text) == "Europe/London"
    assert "Your time zone was saved." in parse(page.text).find(role="status").text


def test_a_zone_not_offered_is_refused_next_to_the_field(client, services) -> None:
    user_id = make_staff(services, "maja@example.com")
    sign_in(client, "maja@example.com")
    response = submit(client, "/staff/account", ACTION, time_zone="Mars/Olympus_Mons")
    assert response.status_code == 400
    assert error_summary(response.text) == ["Choose a time zone from the list."]
    assert field_error(response.text, "time_zone") == "Error: Choose a time zone from the list."
    assert load_user(services, user_id).time_zone == "Europe/Stockholm"


def test_the_zones_are_named_in_the_readers_language(client, services) -> None:
    make_staff(services, "maja@example.com")
    sign_in(client, "maja@example.com")
    html = client.get("/staff/account", headers={"accept-language": "sv"}).text
    labels = {o.get("value"): o.text for o in parse(html).by_id("time_zone").find_all("option")}
    assert labels["Europe/Stockholm"] == "Sverigetid (Europe/Stockholm)"
    assert labels["America/New_York"] == "USA (New York)tid (America/New_York)"


def _sent_at(client, reference: str) -> str:
    """The case page's "Sent" time, as the page shows it."""
    page = parse(client.get(f"/staff/cases/{reference}").text)
    sent = (NOW - timedelta(hours=1)).isoformat()  # make_case: sent an hour before NOW
    return next(t.text for t in page.find_all("time") if t.get("datetime") == sent)


def test_times_in_the_back_office_are_shown_in_the_chosen_zone(client, services) -> None:
    make_staff(services, "maja@example.com")
    sign_in(client, "maja@example.com")
    reference = make_case(services, due=timedelta(hours=4))  # sent 08:00 UTC, 2 March 2026
    assert "09:00" in _sent_at(client, reference)  # Stockholm, UTC+1 in winter

    submit(client, "/staff/account", ACTION, time_zone="America/New_York")
    assert "03:00" in _sent_at(client, reference)  # New York, UTC-5 until 8 March
