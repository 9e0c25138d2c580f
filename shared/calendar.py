"""Dates as the province lives them (Africa/Casablanca), and the warranty rule
that inventory and maintenance must agree on."""
from __future__ import annotations

import calendar as _calendar
from datetime import date, datetime
from zoneinfo import ZoneInfo

CASABLANCA = ZoneInfo("Africa/Casablanca")


def local_date(instant: datetime) -> date:
    return instant.astimezone(CASABLANCA).date()


def add_months(day: date, months: int) -> date:
    """The same day `months` later; a 31st becomes the last day of a shorter month."""
    total = day.month - 1 + months
    year, month = day.year + total // 12, total % 12 + 1
    return date(year, month, min(day.day, _calendar.monthrange(year, month)[1]))


def warranty_ends_on(received_at: datetime, warranty_months: int) -> date:
    """The first day the warranty no longer covers: reception date plus the warranty months."""
    return add_months(local_date(received_at), warranty_months)


def is_under_warranty(received_at: datetime, warranty_months: int, at: datetime) -> bool:
    return local_date(at) < warranty_ends_on(received_at, warranty_months)
