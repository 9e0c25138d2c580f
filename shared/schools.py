"""The schools inventory registered, as another service knows them.

Projected from inventory's `school_registered` events by the core's projector,
so a service that needs to know a school keeps working while inventory is down.
Inventory records the event again, in full, when a school's details change:
the new details replace the old, the first registration date stays.
"""
from __future__ import annotations

from sqlalchemy import Column, MetaData, String, Table, insert, select, update
from sqlalchemy.engine import Connection

from .columns import instant, key
from .projector import Projection

# A school's details as `school_registered` carries them, and how long each may be where it is kept.
DETAILS = {"name_ar": 300, "name_fr": 300, "cycle": 20, "setting": 20, "commune": 300,
           "province_code": 40, "region_code": 40}


def details(data: dict) -> dict:
    """The school's details in a `school_registered` event's data."""
    return {k: data[k] for k in DETAILS}


def detail_columns() -> list[Column]:
    """The columns of a table that keeps a school's registered details."""
    return [Column(name, String(length), nullable=False) for name, length in DETAILS.items()]


def registered_school() -> list[Column]:
    """A school as its registration tells: its code (the key), its details, when it was first registered."""
    return [key("school_code"), *detail_columns(), instant("registered_at")]


class KnownSchools(Projection):
    """Subclasses name the projection; the table and its upkeep are the same everywhere."""

    sources = ("inventory",)

    def define_tables(self, metadata: MetaData) -> None:
        self.schools = Table("known_schools", metadata, *registered_school())

    def on_school_registered(self, conn: Connection, env: dict) -> None:
        d = env["data"]
        values = details(d)
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
