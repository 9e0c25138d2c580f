"""Periods and scopes of CONTRACT §4, in Africa/Casablanca time."""
from datetime import datetime, timezone

import pytest

from services.reporting.periods import parse_day, parse_period, parse_scope
from shared.errors import InvalidCommand


def utc(period):
    return period.start.astimezone(timezone.utc).isoformat(), period.end.astimezone(timezone.utc).isoformat()


def test_a_school_year_runs_from_1_september_to_31_august_in_casablanca():
    year = parse_period("2025-2026")
    # Morocco is at UTC+1 on both edges: the year starts at 23:00 UTC the evening before.
    assert utc(year) == ("2025-08-31T23:00:00+00:00", "2026-08-31T23:00:00+00:00")
    assert year.school_year == "2025-2026"


def test_semesters_split_on_1_february():
    s1, s2 = parse_period("2025-2026-S1"), parse_period("2025-2026-S2")
    assert utc(s1) == ("2025-08-31T23:00:00+00:00", "2026-01-31T23:00:00+00:00")
    assert utc(s2) == ("2026-01-31T23:00:00+00:00", "2026-08-31T23:00:00+00:00")
    assert s1.school_year == s2.school_year == "2025-2026"
    assert s2.year_start == s1.start


def test_t_is_the_end_of_the_period_or_now():
    year = parse_period("2025-2026")
    assert year.as_of(datetime(2027, 1, 1, tzinfo=timezone.utc)).isoformat() == "2026-09-01T00:00:00+01:00"
    now = datetime(2026, 3, 5, 10, 30, tzinfo=timezone.utc)
    assert year.as_of(now) == now
    assert not year.ended(now) and year.ended(datetime(2026, 9, 1, tzinfo=timezone.utc))


@pytest.mark.parametrize("text", ["2025", "2025-2027", "2025-2026-S3", "2025-2026-s1", "", None, 2025, "0000-0001",
                                  "0000-0001-S2", "1899-1900"])
def test_a_bad_period_is_refused_by_field(text):
    with pytest.raises(InvalidCommand) as exc:
        parse_period(text)
    assert "period" in exc.value.errors


def test_scopes():
    assert parse_scope("all").level == "all"
    assert (parse_scope("region:DOE").level, parse_scope("region:DOE").code) == ("region", "DOE")
    assert parse_scope("province:OED").code == "OED"
    assert parse_scope("school:OED001").name == "school:OED001"


@pytest.mark.parametrize("text", ["country:MA", "school:", "province", "ALL", "", None])
def test_a_bad_scope_is_refused_by_field(text):
    with pytest.raises(InvalidCommand) as exc:
        parse_scope(text)
    assert "scope" in exc.value.errors


@pytest.mark.parametrize("text", ["0000-0001", "0999-1000", "9998-9999"])
def test_a_school_year_out_of_range_is_refused_by_field_not_a_crash(text):
    with pytest.raises(InvalidCommand) as exc:
        parse_period(text)
    assert "from 1900-1901" in exc.value.errors["period"][0]


def test_as_of_cuts_at_the_end_of_that_day_in_casablanca():
    year = parse_period("2025-2026")
    later = datetime(2027, 1, 1, tzinfo=timezone.utc)
    # The end of 15 January 2026 is midnight in Casablanca (UTC+1): 23:00 UTC.
    t = year.cut(parse_day("2026-01-15"), later)
    assert t.astimezone(timezone.utc).isoformat() == "2026-01-15T23:00:00+00:00"
    # Not past the period's end, nor past now.
    assert year.cut(parse_day("2027-03-01"), later) == year.as_of(later)
    now = datetime(2026, 1, 15, 10, 0, tzinfo=timezone.utc)
    assert year.cut(parse_day("2026-01-15"), now) == now
    assert year.cut(None, later) == year.as_of(later)


def test_as_of_before_the_period_or_malformed_is_refused_by_field():
    with pytest.raises(InvalidCommand) as exc:
        parse_period("2025-2026-S2").cut(parse_day("2026-01-31"))
    assert "as_of" in exc.value.errors
    for text in ("2026-13-01", "15/01/2026", "2026-1-5", 20260115):
        with pytest.raises(InvalidCommand) as exc:
            parse_day(text)
        assert "as_of" in exc.value.errors
