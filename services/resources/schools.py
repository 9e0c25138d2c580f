"""The schools resources knows, projected from inventory's `school_registered` events.

Kept by the core's projector (position tracked with the rows, duplicates
skipped, gaps filled from inventory's log), so distributing to schools keeps
working while inventory is down.
"""
from sqlalchemy import Column, MetaData, String, Table, insert, select

from shared.projector import Projection

from .domain import School


class SchoolDirectory(Projection):
    name = "resources_schools"
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

    def on_school_registered(self, conn, env):
        # A plain insert: an event applied twice would fail loudly, not pass unseen.
        d = env["data"]
        conn.execute(insert(self.schools).values(
            school_code=d["school_code"], name_ar=d["name_ar"], name_fr=d["name_fr"], cycle=d["cycle"],
            setting=d["setting"], commune=d["commune"], province_code=d["province_code"],
            region_code=d["region_code"], registered_at=env["occurred_at"]))

    # ---- queries

    def directory(self, conn, codes=None) -> dict[str, School]:
        """Registered schools by code: all of them, or those among `codes`."""
        t = self.schools
        q = select(t.c.school_code, t.c.cycle, t.c.setting)
        if codes is not None:
            q = q.where(t.c.school_code.in_(list(codes)))
        return {code: School(code, cycle, setting) for code, cycle, setting in conn.execute(q)}

    def listing(self, conn, cycle: str | None = None, setting: str | None = None) -> list[dict]:
        t = self.schools
        q = select(t).order_by(t.c.school_code)
        if cycle is not None:
            q = q.where(t.c.cycle == cycle)
        if setting is not None:
            q = q.where(t.c.setting == setting)
        return [dict(r) for r in conn.execute(q).mappings()]
