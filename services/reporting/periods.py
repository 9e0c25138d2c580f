"""Scopes and periods of CONTRACT §4, in Africa/Casablanca time."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from shared.errors import InvalidCommand

CASABLANCA = ZoneInfo("Africa/Casablanca")
_PERIOD = re.compile(r"^(\d{4})-(\d{4})(?:-(S1|S2))?$")
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
FIRST_YEAR, LAST_YEAR = 1900, 2199  # the school years a period may name
_SCOPE = re.compile(r"^(all|(region|province|school):([A-Za-z0-9_.-]+))$")


@dataclass(frozen=True)
class Period:
    name: str
    school_year: str
    start: datetime  # first instant inside the period
    end: datetime  # first instant after it
    year_start: datetime  # first instant of its school year

    def as_of(self, now: datetime | None = None) -> datetime:
        """T: the end of the period, or now if it has not ended."""
        now = now or datetime.now(timezone.utc)
        return min(self.end, now).astimezone(CASABLANCA)

    def cut(self, as_of: date | None = None, now: datetime | None = None) -> datetime:
        """T for `as_of` (CONTRACT §7.3): the earliest of the end of that day, the end of the period and now."""
        t = self.as_of(now)
        if as_of is None:
            return t
        if as_of < self.start.date():
            raise InvalidCommand({"as_of": [f"Must not be before the period's start, {self.start.date()}."]})
        end_of_day = datetime.combine(as_of + timedelta(days=1), time(0), CASABLANCA)
        return min(t, end_of_day)

    def ended(self, now: datetime | None = None) -> bool:
        return (now or datetime.now(timezone.utc)) >= self.end


@dataclass(frozen=True)
class Scope:
    name: str
    level: str  # all, region, province, school
    code: str | None


def parse_period(text: str) -> Period:
    m = _PERIOD.match(text or "") if isinstance(text, str) else None
    if not m or int(m.group(2)) != int(m.group(1)) + 1:
        raise InvalidCommand({"period": ["Must be a school year like 2025-2026, or a semester like 2025-2026-S1."]})
    # Years outside are no school year of the programme (and 0000 is no year of any calendar).
    if not FIRST_YEAR <= int(m.group(1)) <= LAST_YEAR:
        raise InvalidCommand({"period": [f"Must be a school year from {FIRST_YEAR}-{FIRST_YEAR + 1} "
                                         f"to {LAST_YEAR}-{LAST_YEAR + 1}."]})
    first, second, semester = int(m.group(1)), int(m.group(2)), m.group(3)
    sept = datetime(first, 9, 1, tzinfo=CASABLANCA)
    feb = datetime(second, 2, 1, tzinfo=CASABLANCA)
    next_sept = datetime(second, 9, 1, tzinfo=CASABLANCA)
    start, end = {None: (sept, next_sept), "S1": (sept, feb), "S2": (feb, next_sept)}[semester]
    return Period(text, f"{first}-{second}", start, end, sept)


def parse_scope(text: str) -> Scope:
    m = _SCOPE.match(text or "") if isinstance(text, str) else None
    if not m:
        raise InvalidCommand({"scope": ["Must be all, region:<code>, province:<code> or school:<code>."]})
    if m.group(1) == "all":
        return Scope("all", "all", None)
    return Scope(text, m.group(2), m.group(3))


def parse_day(text, field: str = "as_of") -> date | None:
    """An ISO date `YYYY-MM-DD`, or None when not given."""
    if text is None or text == "":
        return None
    try:
        if not isinstance(text, str) or not _DAY.match(text):
            raise ValueError
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidCommand({field: ["Must be a date like 2026-01-31."]}) from None
