"""The days people type in a page's date fields: day first, as they are written here (05/12/2026 is 5 December),
whatever the browser's language; ISO as links and the API give them; anything else refused, never guessed."""
from datetime import date, datetime

import pytest

from services.gateway.i18n import day_rule, day_shown, day_typed, days_read


@pytest.mark.parametrize("typed", ["05/12/2026", "5/12/2026", "05-12-2026", "05.12.2026", "2026-12-05",
                                   " 05/12/2026 ", "٠٥/١٢/٢٠٢٦"])
def test_a_day_is_read_day_first_or_iso(typed):
    assert day_typed(typed) == "2026-12-05"


def test_a_day_is_never_read_month_first():
    assert day_typed("12/05/2026") == "2026-05-12"
    assert day_typed("05/13/2026") is None  # no thirteenth month: not 13 May either


@pytest.mark.parametrize("typed", ["31/02/2026", "29/02/2025", "2026-13-01", "00/01/2026", "1/1/0000", "demain",
                                   "05/12-2026", "05/12/26", "2026-12-05T10:00", "", "  ", None])
def test_what_is_no_day_of_the_calendar_is_refused(typed):
    assert day_typed(typed) is None


@pytest.mark.parametrize("typed,rule", [("31/02/2026", "no_such_day"), ("29/02/2025", "no_such_day"),
                                        ("2026-13-01", "no_such_day"), ("demain", "day_format"),
                                        ("05/12/26", "day_format"), ("5 décembre", "day_format")])
def test_a_refusal_says_whether_the_day_is_written_otherwise_or_is_none_of_the_calendar(typed, rule):
    assert day_rule(typed) == rule


def test_a_leap_day_is_a_day_in_a_leap_year_only():
    assert day_typed("29/02/2028") == "2028-02-29"
    assert day_typed("29.2.2000") == "2000-02-29"
    assert day_typed("29/02/2100") is None


def test_the_days_of_a_form_are_read_and_those_that_are_none_kept_as_typed_and_named():
    values = {"starts_on": "05/12/2026", "ends_on": "31/02/2026", "venue": "05/12/2026", "day": ""}
    read, unread = days_read(values, ("starts_on", "ends_on", "day"))
    assert read == {"starts_on": "2026-12-05", "ends_on": "31/02/2026", "venue": "05/12/2026", "day": ""}
    assert unread == {"ends_on": "31/02/2026"}


@pytest.mark.parametrize("value,shown", [
    ("2026-12-05", "05/12/2026"), (date(2026, 9, 1), "01/09/2026"), ("5.12.2026", "05/12/2026"),
    ("2026-11-20T12:00:00+01:00", "20/11/2026"), (datetime(2026, 1, 31, 23, 59), "31/01/2026"),
    ("31/02/2026", "31/02/2026"), ("demain", "demain"), (None, ""), ("", "")])
def test_a_day_is_shown_back_day_first_and_what_is_none_as_typed(value, shown):
    assert day_shown(value) == shown
