"""Periods and scopes of CONTRACT §4, in Africa/Casablanca time."""
from datetime import datetime, timezone

import pytest

from services.reporting.periods import parse_period, parse_scope
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
