"""The promise with an empty queue: working hours Mon–Fri 08–17 on the language's calendar, and
`portal sla eta`."""

from __future__ import annotations

from datetime import datetime

import pytest
from click.testing import CliRunner

from portal.cli import main
from portal.sla.promise import target_promise
from portal.sla.words import describe


@pytest.fixture(autouse=True)
def empty_data_dir(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`portal sla eta` on a database without any cases: the policy target alone."""
    monkeypatch.setenv("PORTAL_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("PORTAL_DATABASE_URL", raising=False)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


@pytest.mark.parametrize(
    ("category", "submitted", "due"),
    [
        ("billing", "2026-11-24T10:00:00+01:00", "2026-11-25T10:00:00+01:00"),  # mid-week
        ("billing", "2026-11-27T16:59:00+01:00", "2026-11-30T16:59:00+01:00"),  # Friday 16:59
        ("billing", "2026-11-28T03:00:00+01:00", "2026-11-30T17:00:00+01:00"),  # Saturday night
        ("billing", "2026-11-23T06:30:00+01:00", "2026-11-23T17:00:00+01:00"),  # before opening
        ("product", "2026-11-24T10:00:00+01:00", "2026-11-26T10:00:00+01:00"),  # two days
        ("service", "2026-03-27T12:00:00+01:00", "2026-03-30T12:00:00+02:00"),  # across DST
    ],
)
def test_promise_counts_working_hours_only(category: str, submitted: str, due: str) -> None:
    assert target_promise(category, at(submitted)).due == at(due)


def test_promise_in_words_names_day_and_time() -> None:
    promise = target_promise("billing", at("2026-11-24T11:00:00+01:00"))
    text = describe(promise, "en")
    assert text.sentence == "by Wednesday 25 November at 11:00 — within one working day"
    assert text.iso == "2026-11-25T11:00:00+01:00"


def test_sla_eta_command_prints_iso_then_sentence() -> None:
    result = CliRunner().invoke(
        main, ["sla", "eta", "--category", "billing", "--at", "2026-11-27T16:30:00+01:00"]
    )
    assert result.exit_code == 0, result.output
    first, second = result.output.strip().splitlines()
    assert first == "2026-11-30T16:30:00+01:00"
    assert "Monday 30 November" in second


def test_sla_eta_rejects_a_bad_moment() -> None:
    result = CliRunner().invoke(main, ["sla", "eta", "--category", "other", "--at", "tomorrow"])
    assert result.exit_code != 0
    assert "ISO 8601" in result.output


def test_sla_eta_answers_for_a_friday_afternoon_before_midsommar() -> None:
    result = CliRunner().invoke(
        main,
        ["sla", "eta", "--category", "billing", "--lang", "sv", "--at", "2026-06-18T16:00:00"],
    )
    assert result.exit_code == 0, result.output
    first, second = result.output.strip().splitlines()
    # Thursday 16:00: one hour that day, midsommarafton and the weekend closed, 8 h Monday.
    assert first == "2026-06-22T16:00:00+02:00"
    assert "måndag 22 juni" in second


def test_sla_eta_in_norwegian_uses_oslo_and_skips_17_mai() -> None:
    result = CliRunner().invoke(
        main,
        ["sla", "eta", "--category", "service", "--lang", "nb", "--at", "2027-05-14T16:00:00"],
    )
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0] == "2027-05-18T16:00:00+02:00"


def test_sla_eta_explains_where_the_time_comes_from() -> None:
    result = CliRunner().invoke(
        main,
        ["sla", "eta", "--category", "product", "--at", "2026-11-24T10:00:00+01:00", "--explain"],
    )
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[2].startswith("target 18 h + queue")


@pytest.mark.parametrize(
    ("lang", "due", "day"),
    [
        # Midsommarafton is closed in Sweden: Monday and Tuesday count, 18 h to Tuesday 17:00.
        ("sv", "2026-06-23T17:00:00+02:00", "senast tisdag 23 juni"),
        # Sankthansaften is an ordinary Friday in Norway: 1.5 h that day, Monday, 7.5 h Tuesday.
        ("nb", "2026-06-23T15:30:00+02:00", "innen tirsdag 23. juni"),
    ],
)
def test_sla_eta_on_the_friday_afternoon_of_midsommar(lang: str, due: str, day: str) -> None:
    result = CliRunner().invoke(
        main,
        ["sla", "eta", "--category", "product", "--lang", lang, "--at", "2026-06-19T15:30"],
    )
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert len(lines) == 2
    assert lines[0] == due
    assert datetime.fromisoformat(lines[0]).utcoffset() is not None
    assert lines[1].startswith(day)
