"""Times of day are written one way per language, in the email and on every page alike.

Babel's short time format decides: 17:00 in Swedish and Norwegian (Språkrådet accepts 17:00 beside
the older 17.00) and, as the rest of the portal writes English the British way, in English too.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time
from pathlib import Path

import pytest
from complaint_support import reference_from, send
from helpers import parse
from mail_support import drain, file_case, parts, read_html
from support import make_settings

from portal.i18n import format_clock
from portal.insights.cells import display
from portal.insights.tables import DATE
from portal.services import Services
from portal.sla.promise import target_promise
from portal.sla.words import describe

PROMISE_DUE = {
    "en": "by Wednesday 25 November at 11:00",
    "sv": "senast onsdag 25 november kl. 11:00",
    "nb": "innen onsdag 25. november kl. 11:00",
}


@pytest.mark.parametrize("lang", ["en", "sv", "nb"])
def test_the_promise_writes_the_time_with_a_colon(lang: str) -> None:
    promise = target_promise("billing", datetime.fromisoformat("2026-11-24T11:00:00+01:00"))
    text = describe(promise, lang)
    assert text.deadline == PROMISE_DUE[lang]
    assert text.time == format_clock(time(11, 0), lang) == "11:00"


@pytest.fixture
def smtp_services(tmp_path: Path, database_url: str, smtp_server):
    services = Services.build(make_settings(tmp_path, database_url, smtp_url=smtp_server.url))
    yield services
    services.close()


def test_norwegian_email_uses_the_same_clock_as_the_page(smtp_services, smtp_server) -> None:
    file_case(smtp_services, lang="nb")
    assert drain(smtp_services) == 1
    text, html = parts(smtp_server.messages[0])
    _hrefs, visible, _tags = read_html(html)
    for body in (text, visible):
        assert re.search(r"kl\. \d{2}:\d{2}\b", body), body
        assert not re.search(r"\b\d{2}\.\d{2}\b", body), body


@pytest.mark.parametrize("lang", ["sv", "nb"])
def test_the_status_page_timeline_uses_the_same_clock(client, lang: str) -> None:
    reference = reference_from(send(client, lang, description="Lampen kom i stykker."))
    main = parse(client.get(f"/{lang}/case/{reference}").text).find("main")
    shown = main.find("ol", class_="timeline").find("time").text
    assert re.search(r"\b\d{2}:\d{2}(:\d{2})?$", shown), shown
    promise = main.find(class_="promise").text
    assert re.search(r"kl\. \d{2}:\d{2}\b", promise), promise


@pytest.mark.parametrize(
    ("lang", "shown"), [("en", "24 Nov 2026"), ("sv", "24 nov. 2026"), ("nb", "24. nov. 2026")]
)
def test_insights_tables_write_days_like_the_rest_of_the_portal(lang: str, shown: str) -> None:
    assert display(date(2026, 11, 24), DATE, lang) == shown
