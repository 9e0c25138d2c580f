"""The schools resources knows, projected from inventory's `school_registered` events.

Kept by the core's projector (position tracked with the rows, duplicates
skipped, gaps filled from inventory's log), so distributing to schools keeps
working while inventory is down.
"""
from sqlalchemy import Column, MetaData, String, Table, insert, select, update

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
        # Inventory records the event again, in full, when a school's details change:
        # the new details replace the old, the first registration date stays.
        d = env["data"]
        values = {k: d[k] for k in ("name_ar", "name_fr", "cycle", "setting", "commune", "province_code",
                                    "region_code")}
        t = self.schools
        if not conn.execute(update(t).where(t.c.school_code == d["school_code"]).values(**values)).rowcount:
            conn.execute(insert(t).values(school_code=d["school_code"], registered_at=env["occurred_at"], **values))

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
