"""A staff member chooses the time zone their figures are counted in, on their account page."""

from __future__ import annotations

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
