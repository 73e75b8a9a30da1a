"""A Swedish or Norwegian admin reads the response-time settings in their own language: public
holidays by the names a Nordic reader knows, countries and calendars named in that language, and
the eves the portal adds itself in its own translated words."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from helpers import parse
from staff_support import make_staff, sign_in, submit

from portal.sla.policies import invalidate

PAGE = "/staff/response-times"
# Monday 1 March 2027: Easter, Ascension, 17 May and midsummer are among the next closed days.
NOW = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
ENGLISH = ("Good Friday", "Easter Monday", "Maundy Thursday", "Constitution Day", "Ascension Day")


@pytest.fixture(autouse=True)
def fresh_cache():
    invalidate()
    yield
    invalidate()


@pytest.fixture
def admin(client, services):
    services.clock = lambda: NOW
    make_staff(services, "ada@example.com", ["admin"], name="Ada Admin")
    assert sign_in(client, "ada@example.com").status_code == 303
    assert client.get(PAGE).status_code == 200  # the first visit seeds the default settings
    return client


def _calendars(client, lang: str) -> dict[str, str]:
    """Each calendar's summary on the overview, by the name it is shown under."""
    page = parse(client.get(PAGE, headers={"accept-language": lang}).text)
    return {
        panel.find("h3").text: panel.text
        for panel in page.find_all("div", class_="calendar-summary")
    }


def test_a_swedish_admin_reads_holidays_and_eves_in_swedish(admin) -> None:
    calendars = _calendars(admin, "sv")
    assert set(calendars) == {"Sverige", "Norge"}
    sweden, norway = calendars["Sverige"], calendars["Norge"]
    assert "Sverige (SE)" in sweden
    for name in ("Långfredagen", "Annandag påsk", "Kristi himmelsfärdsdag", "Midsommarafton"):
        assert name in sweden
    assert "Lördag: Stängt hela dagen" in sweden
    # Norway's holidays by their own names, which a Swede reads, rather than in English.
    for name in ("Skjærtorsdag", "Langfredag", "Andre påskedag", "Grunnlovsdag"):
        assert name in norway
    # The eves are the portal's own rules, named in Swedish.
    assert "Onsdagen före skärtorsdagen (öppet 08:00–12:00)" in norway
    for english in (*ENGLISH, "Closed", "Avslutat"):
        assert english not in sweden + norway


def test_a_norwegian_admin_reads_holidays_and_eves_in_norwegian(admin) -> None:
    calendars = _calendars(admin, "nb")
    assert set(calendars) == {"Sverige", "Norge"}
    sweden, norway = calendars["Sverige"], calendars["Norge"]
    assert "Norge (NO)" in norway
    for name in ("Skjærtorsdag", "Langfredag", "Andre påskedag", "Grunnlovsdag"):
        assert name in norway
    assert "Onsdag før skjærtorsdag (åpent 08:00–12:00)" in norway
    assert "Lørdag: Stengt hele dagen" in norway
    # Sweden's holidays by their Swedish names; its midsummer eve rule in Norwegian.
    for name in ("Långfredagen", "Annandag påsk", "Midtsommeraften"):
        assert name in sweden
    for english in (*ENGLISH, "Closed", "Avsluttet"):
        assert english not in sweden + norway


def test_finland_reads_in_finland_swedish_on_a_norwegian_page(admin) -> None:
    admin.headers["accept-language"] = "nb"
    overview = parse(admin.get(PAGE).text)
    url = next(a.get("href") for a in overview.find_all("a") if a.text == "Endre Sverige")
    saved = submit(admin, url, url, country="FI", time_zone="Europe/Helsinki")
    assert saved.status_code == 303

    page = parse(admin.get(url).text)
    assert page.find("h1").text == "Kalender: Sverige"
    upcoming = page.by_id("upcoming-title").parent.text
    assert "Självständighetsdagen" in upcoming  # 6 December, not "Itsenäisyyspäivä"
    assert "Itsenäisyyspäivä" not in upcoming
    assert "Independence Day" not in upcoming
    countries = {o.get("value"): o.text for o in page.by_id("countries").find_all("option")}
    assert countries["FI"] == "Finland (FI)"
    assert countries["GB"] == "Storbritannia (GB)"
    assert countries["DE"] == "Tyskland (DE)"


def test_an_english_page_keeps_english_names(admin) -> None:
    calendars = _calendars(admin, "en")
    assert set(calendars) == {"Sweden", "Norway"}
    assert "Good Friday" in calendars["Sweden"]
    assert "Constitution Day" in calendars["Norway"]
    assert "The Wednesday before Maundy Thursday (open 08:00–12:00)" in calendars["Norway"]
