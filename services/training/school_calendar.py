"""The province's school calendar per school year, and the sessions let through it.

This is configuration the coordinator loads, kept in plain tables of
training's own database rather than in its event log:
- no other service needs it, and the event catalogue is the published
  contract: a calendar event would put a type on the bus that nobody may rely on;
- it is replaced as a whole when the academy publishes a new calendar, and
  every load is kept as a new version (who, when, which periods), so what a
  session was checked against can still be told;
- it is not derived from events, so rebuilding the read models leaves it alone.

A session scheduled over the calendar with an override reason keeps that
reason here, written in the same transaction as its `session_scheduled`.
"""
from __future__ import annotations

import json
from datetime import date

from nameko.extensions import DependencyProvider
from sqlalchemy import Column, Integer, MetaData, String, Table, Text, func, insert, select
from sqlalchemy.engine import Connection

from shared import config
from shared.db import make_engine
from shared.service import migrate

from .domain import CalendarPeriod


def _period_dict(p: CalendarPeriod) -> dict:
    return {"kind": p.kind, "name": p.name, "starts_on": p.starts_on.isoformat(), "ends_on": p.ends_on.isoformat()}


def _period(d: dict) -> CalendarPeriod:
    return CalendarPeriod(d["kind"], d["name"], date.fromisoformat(d["starts_on"]), date.fromisoformat(d["ends_on"]))


class SchoolCalendars:
    def __init__(self):
        self.metadata = MetaData()
        self.calendars = Table(
            "school_calendars", self.metadata,
            Column("school_year", String(9), primary_key=True),
            Column("version", Integer, primary_key=True, autoincrement=False),
            Column("loaded_at", String(40), nullable=False),
            Column("loaded_by", String(200), nullable=False),
            Column("periods", Text, nullable=False),
        )
        self.overrides = Table(
            "calendar_overrides", self.metadata,
            Column("session_id", String(40), primary_key=True),
            Column("training_id", String(40), nullable=False),
            Column("reason", Text, nullable=False),
            Column("calendar_version", Integer),  # None: no calendar was loaded
            Column("periods", Text, nullable=False),  # the periods it overlapped
            Column("recorded_at", String(40), nullable=False),
            Column("recorded_by", String(200), nullable=False),
        )

    # ---- the calendar

    def load(self, conn: Connection, school_year: str, periods: list[CalendarPeriod], loaded_by: str,
             loaded_at: str) -> int:
        """Store a new version of the school year's calendar; return its version."""
        t = self.calendars
        version = conn.execute(select(func.coalesce(func.max(t.c.version), 0))
                               .where(t.c.school_year == school_year)).scalar_one() + 1
        ordered = sorted(periods, key=lambda p: (p.starts_on, p.ends_on, p.name))
        conn.execute(insert(t).values(school_year=school_year, version=version, loaded_at=loaded_at,
                                      loaded_by=loaded_by,
                                      periods=json.dumps([_period_dict(p) for p in ordered], ensure_ascii=False)))
        return version

    def current(self, conn: Connection, school_year: str) -> dict | None:
        t = self.calendars
        row = conn.execute(select(t).where(t.c.school_year == school_year)
                           .order_by(t.c.version.desc()).limit(1)).mappings().first()
        if row is None:
            return None
        return {"school_year": row["school_year"], "version": row["version"], "loaded_at": row["loaded_at"],
                "loaded_by": row["loaded_by"], "periods": json.loads(row["periods"])}

    def periods(self, conn: Connection, school_year: str) -> tuple[int, list[CalendarPeriod]] | None:
        """(version, periods) of the school year's current calendar, or None if none was loaded."""
        calendar = self.current(conn, school_year)
        if calendar is None:
            return None
        return calendar["version"], [_period(d) for d in calendar["periods"]]

    # ---- overrides

    def record_override(self, conn: Connection, session_id: str, training_id: str, reason: str,
                        calendar_version: int | None, periods: list[CalendarPeriod], recorded_by: str,
                        recorded_at: str) -> None:
        conn.execute(insert(self.overrides).values(
            session_id=session_id, training_id=training_id, reason=reason, calendar_version=calendar_version,
            periods=json.dumps([_period_dict(p) for p in periods], ensure_ascii=False),
            recorded_at=recorded_at, recorded_by=recorded_by))

    def override(self, conn: Connection, session_id: str) -> dict | None:
        row = conn.execute(select(self.overrides).where(self.overrides.c.session_id == session_id)).mappings().first()
        if row is None:
            return None
        return {"reason": row["reason"], "calendar_version": row["calendar_version"],
                "periods": json.loads(row["periods"]), "recorded_at": row["recorded_at"],
                "recorded_by": row["recorded_by"]}


class CalendarConfig(DependencyProvider):
    """The calendar tables, in the service's database; queries go through the command's connection.

    They are kept tables (the service's `kept_tables`): the migrations make
    them, once and under a lock, never a `create_all` here that would race
    with the other dependencies' set-up.
    """

    def setup(self):
        self.calendars = SchoolCalendars()
        engine = make_engine(config.database_url(self.container.service_name))
        try:
            migrate(self.container, engine)
        finally:
            engine.dispose()

    def get_dependency(self, worker_ctx):
        return self.calendars
