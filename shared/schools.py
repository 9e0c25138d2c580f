"""The schools inventory registered, as another service knows them.

Projected from inventory's `school_registered` events by the core's projector,
so a service that needs to know a school keeps working while inventory is down.
Inventory records the event again, in full, when a school's details change:
the new details replace the old, the first registration date stays.
"""
from __future__ import annotations

from sqlalchemy import Column, MetaData, String, Table, insert, select, update
from sqlalchemy.engine import Connection

from .projector import Projection

_DETAILS = ("name_ar", "name_fr", "cycle", "setting", "commune", "province_code", "region_code")


class KnownSchools(Projection):
    """Subclasses name the projection; the table and its upkeep are the same everywhere."""

    sources = ("inventory",)

    def define_tables(self, metadata: MetaData) -> None:
        self.schools = Table(
            "known_schools", metadata,
            Column("school_code", String(40), primary_key=True),
            Column("name_ar", String(300), nullable=False),
            Column("name_fr", String(300), nullable=False),
            Column("cycle", String(20), nullable=False),
            Column("setting", String(20), nullable=False),
            Column("commune", String(300), nullable=False),
            Column("province_code", String(40), nullable=False),
            Column("region_code", String(40), nullable=False),
            Column("registered_at", String(40), nullable=False),
        )

    def on_school_registered(self, conn: Connection, env: dict) -> None:
        d = env["data"]
        values = {k: d[k] for k in _DETAILS}
        t = self.schools
        if not conn.execute(update(t).where(t.c.school_code == d["school_code"]).values(**values)).rowcount:
            conn.execute(insert(t).values(school_code=d["school_code"], registered_at=env["occurred_at"], **values))

    def listing(self, conn: Connection, codes=None, cycle: str | None = None,
                setting: str | None = None) -> list[dict]:
        """The known schools in code order: all, or those among `codes`, of a cycle, of a setting."""
        t = self.schools
        q = select(t).order_by(t.c.school_code)
        if codes is not None:
            q = q.where(t.c.school_code.in_({c for c in codes if c} or {""}))
        if cycle is not None:
            q = q.where(t.c.cycle == cycle)
        if setting is not None:
            q = q.where(t.c.setting == setting)
        return [dict(r) for r in conn.execute(q).mappings()]
