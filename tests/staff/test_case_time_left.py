"""An agent reads how much working time is left before the promise, on the case's own calendar,
not clock time: on a Sunday evening a promise for Monday 09:00 has one working hour left."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from desk_support import make_case
from helpers import parse
from staff_support import make_staff, sign_in

from portal.cases.time_left import time_left, time_left_words
from portal.sla.calendars import default_calendar

SE = default_calendar("SE")
NO = default_calendar("NO")
# Sunday 1 March 2026, 20:00 in Stockholm.
SUNDAY_EVENING = datetime(2026, 3, 1, 19, 0, tzinfo=UTC)
MONDAY_NINE = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
FRIDAY_FOUR = datetime(2026, 2, 27, 15, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("due", "now", "lang", "expected"),
    [
        (MONDAY_NINE, SUNDAY_EVENING, "en", "1 working hour left — due tomorrow at 09:00"),
        (MONDAY_NINE, SUNDAY_EVENING, "sv", "1 arbetstimme kvar – senast i morgon kl. 09:00"),
        (MONDAY_NINE, SUNDAY_EVENING, "nb", "1 arbeidstime igjen – innen i morgen kl. 09:00"),
        # Promised for Friday 16:00: one working hour late by Sunday evening, not 52 hours.
        (
            FRIDAY_FOUR,
            SUNDAY_EVENING,
            "en",
            "Overdue by 1 working hour — was due Friday 27 February at 16:00",
        ),
        (
            FRIDAY_FOUR,
            SUNDAY_EVENING,
            "sv",
            "1 arbetstimme för sent – skulle ha besvarats fredag 27 februari kl. 16:00",
        ),
        (
            FRIDAY_FOUR,
            SUNDAY_EVENING,
            "nb",
            "1 arbeidstime for sent – skulle vært besvart fredag 27. februar kl. 16:00",
        ),
        # Passed at closing time on Friday: late, though no working time has gone by since.
        (
            datetime(2026, 2, 27, 16, 0, tzinfo=UTC),
            SUNDAY_EVENING,
            "en",
            "Overdue — was due Friday 27 February at 17:00",
        ),
        # Monday 10:00 to Wednesday 11:00: two working days and an hour.
        (
            datetime(2026, 3, 4, 10, 0, tzinfo=UTC),
            datetime(2026, 3, 2, 9, 0, tzinfo=UTC),
            "en",
            "2 working days left — due Wednesday at 11:00",
        ),
        (
            datetime(2026, 3, 2, 9, 40, tzinfo=UTC),
            datetime(2026, 3, 2, 9, 0, tzinfo=UTC),
            "en",
            "40 working minutes left — due today at 10:40",
        ),
    ],
)
def test_time_left_in_words(due, now, lang, expected) -> None:
    assert time_left_words(time_left(SE, due, now), lang) == expected


def test_a_norwegian_case_on_17_may_counts_the_norwegian_calendar() -> None:
    # Wednesday 17 May 2028 at 10:00, a promise for Thursday 10:00.
    now = datetime(2028, 5, 17, 8, 0, tzinfo=UTC)
    due = datetime(2028, 5, 18, 8, 0, tzinfo=UTC)
    assert time_left_words(time_left(NO, due, now), "nb") == (
        "2 arbeidstimer igjen – innen i morgen kl. 10:00"
    )
    assert time_left_words(time_left(SE, due, now), "sv") == (
        "9 arbetstimmar kvar – senast i morgon kl. 10:00"
    )


def test_the_case_page_shows_working_time_left(client, services) -> None:
    reference = make_case(
        services,
        due=timedelta(0),
        promised_at=MONDAY_NINE,
        created_at=datetime(2026, 2, 27, 8, 0, tzinfo=UTC),
        sla_calendar="SE",
    )
    make_staff(services, "olle@example.com", ["agent"], name="Olle Agent")
    services.clock = lambda: SUNDAY_EVENING
    sign_in(client, "olle@example.com")
    page = client.get(f"/staff/cases/{reference}")
    promise = parse(page.text).find("div", class_="promise")
    assert "1 working hour left — due tomorrow at 09:00" in promise.text
    assert "13 hours" not in promise.text

    swedish = client.get(f"/staff/cases/{reference}", headers={"accept-language": "sv"})
    promise = parse(swedish.text).find("div", class_="promise")
    assert "1 arbetstimme kvar – senast i morgon kl. 09:00" in promise.text
