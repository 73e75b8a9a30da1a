"""Bad input, bots and floods: clear messages next to the field, nothing typed is lost, no case."""

from __future__ import annotations

from complaint_support import client_with, count_cases, only_case, open_form, send
from helpers import error_summary, field_error, page_form, parse

from portal.i18n import gettext

DESCRIPTION = "The kettle stopped working after two days.\nIt no longer heats the water."


def _kept(html: str) -> dict:
    return page_form(html, "/en/complaint")


def test_missing_email_is_explained_next_to_the_field(client, services) -> None:
    response = send(client, email="   ", description=DESCRIPTION, name="Anna")
    assert response.status_code == 422
    assert field_error(response.text, "email") == (
        "Error: Enter your email address so that we can reply."
    )
    page = parse(response.text)
    summary = page.find(class_="error-summary")
    assert summary.get("role") == "alert"
    assert summary.get("tabindex") == "-1"
    assert [a.get("href") for a in summary.find_all("a")] == ["#email"]
    email = page.by_id("email")
    assert email.get("aria-invalid") == "true"
    assert "email-error" in email.get("aria-describedby").split()
    assert page.find("title").text.startswith("Error:")
    kept = _kept(response.text)
    assert kept["description"] == DESCRIPTION
    assert kept["name"] == "Anna"
    assert count_cases(services) == 0


def test_invalid_email_keeps_what_was_typed(client, services) -> None:
    response = send(client, email="anna@example", description=DESCRIPTION)
    assert response.status_code == 422
    assert "Enter a valid email address, like name@example.com." in field_error(
        response.text, "email"
    )
    assert _kept(response.text)["email"] == "anna@example"
    assert count_cases(services) == 0


def test_empty_description_is_refused(client, services) -> None:
    response = send(client, description=" \n\t ", email="anna@example.com", order_ref="A-77")
    assert response.status_code == 422
    assert "Tell us what happened" in field_error(response.text, "description")
    assert error_summary(response.text) == ["Tell us what happened, in a few words or more."]
    kept = _kept(response.text)
    assert (kept["email"], kept["order_ref"]) == ("anna@example.com", "A-77")
    assert count_cases(services) == 0


def test_very_long_description_is_refused_and_kept_whole(client, services) -> None:
    text = ("My order went wrong in every way. " * 3000)[:100_000]
    response = send(client, description=text)
    assert response.status_code == 422
    message = field_error(response.text, "description")
    assert "100,000 characters" in message
    assert "20,000" in message
    assert _kept(response.text)["description"] == text
    textarea = parse(response.text).by_id("description")
    assert textarea.get("maxlength") is None  # a browser would cut a pasted text silently
    assert count_cases(services) == 0


def test_line_breaks_in_name_are_stored_harmlessly(client, services) -> None:
    response = send(client, name="Anna\r\nBcc: victim@example.com\r\n")
    assert response.status_code == 303
    case = only_case(services)
    assert case.name == "Anna Bcc: victim@example.com"


def test_invisible_control_characters_are_dropped(client, services) -> None:
    send(client, description="Broken\x00 lamp\x07", order_ref="A\u202e-1")
    case = only_case(services)
    assert case.description == "Broken lamp"
    assert case.order_ref == "A-1"


def test_unknown_choices_and_bad_phone_are_explained(client, services) -> None:
    response = send(client, category="urgent", desired_outcome="money", phone="call me maybe")
    assert response.status_code == 422
    assert field_error(response.text, "category")
    assert field_error(response.text, "desired_outcome")
    assert "digits" in field_error(response.text, "phone")
    anchors = [
        a.get("href") for a in parse(response.text).find(class_="error-summary").find_all("a")
    ]
    assert anchors == ["#category-product", "#desired_outcome-refund", "#phone"]
    assert _kept(response.text)["phone"] == "call me maybe"
    assert count_cases(services) == 0


def test_too_long_name_is_explained(client, services) -> None:
    response = send(client, name="A" * 201)
    assert response.status_code == 422
    assert "at most 200 characters" in field_error(response.text, "name")
    assert _kept(response.text)["name"] == "A" * 201


def test_wrong_csrf_token_is_forbidden(client, services) -> None:
    form = open_form(client)
    form["_csrf_token"] = form["_csrf_token"][:-4] + "0000"
    response = send(client, form=form)
    assert response.status_code == 403
    assert count_cases(services) == 0


def test_missing_csrf_token_is_forbidden(client, services) -> None:
    form = open_form(client)
    del form["_csrf_token"]
    assert send(client, form=form).status_code == 403
    assert count_cases(services) == 0


def test_filled_honeypot_stores_nothing_but_keeps_everything(client, services) -> None:
    response = send(client, website="http://spam.example", description=DESCRIPTION, name="Anna")
    assert response.status_code == 200
    page = parse(response.text)
    assert "Please check your complaint and send it again" in page.find("main").text
    kept = _kept(response.text)
    assert kept["description"] == DESCRIPTION
    assert kept["name"] == "Anna"
    assert kept["website"] == ""
    assert count_cases(services) == 0
    # A person simply sends it again.
    assert send(client, form=kept).status_code == 303
    assert count_cases(services) == 1


def test_form_sent_too_fast_is_shown_again(settings) -> None:
    with client_with(settings, complaint_min_fill_seconds=3600) as (client, services):
        response = send(client, description=DESCRIPTION)
        assert response.status_code == 200
        assert "Please check your complaint and send it again" in parse(response.text).text
        assert _kept(response.text)["description"] == DESCRIPTION
        assert count_cases(services) == 0


def test_forged_form_token_is_shown_again(client, services) -> None:
    form = open_form(client)
    issued, _, _signature = form["form_token"].partition(".")
    form["form_token"] = f"{int(issued) - 3600}.{'0' * 32}"
    response = send(client, form=form, description=DESCRIPTION)
    assert response.status_code == 200
    assert "send it again" in parse(response.text).find("main").text
    assert count_cases(services) == 0
    assert send(client, form=_kept(response.text)).status_code == 303


def test_burst_of_submissions_is_limited_in_the_customers_language(settings) -> None:
    with client_with(settings, complaint_rate_limit_per_hour=2) as (client, services):
        for _ in range(4):  # showing the form does not count
            open_form(client, "sv")
        assert send(client, "sv", description="One").status_code == 303
        assert send(client, "sv", description="Two").status_code == 303
        response = send(client, "sv", description="Three")
        assert response.status_code == 429
        assert response.headers["ratelimit-remaining"] == "0"
        page = parse(response.text)
        assert page.find("html").get("lang") == "sv"
        assert page.find("h1").text == gettext("sv", "Too many attempts")
        assert count_cases(services) == 2
        # Other pages still work for this visitor.
        assert client.get("/sv/complaint").status_code == 200


def test_rate_limit_scale_multiplies_the_limit(settings) -> None:
    with client_with(settings, complaint_rate_limit_per_hour=1, rate_limit_scale=3) as (
        client,
        services,
    ):
        statuses = [send(client, description=f"Problem {n}").status_code for n in range(4)]
        assert statuses == [303, 303, 303, 429]
        assert count_cases(services) == 3


def test_oversized_request_gets_a_clear_page(settings, monkeypatch) -> None:
    import portal.cases.routes as case_routes

    monkeypatch.setattr(case_routes, "MAX_REQUEST_BYTES", 50_000)
    with client_with(settings) as (client, services):
        files = [("attachments", ("scan.pdf", b"%PDF-1.4\n" + b"0" * 60_000, "application/pdf"))]
        response = send(client, "nb", files=files)
        assert response.status_code == 413
        page = parse(response.text)
        assert page.find("html").get("lang") == "nb"
        assert page.find("h1").text == gettext("nb", "The files are too large")
        assert count_cases(services) == 0
