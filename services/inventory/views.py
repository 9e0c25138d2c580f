"""Inventory's read models, kept in the same transaction as its log."""
from sqlalchemy import Boolean, Column, Integer, MetaData, String, Table, insert, select, update

from shared.projector import Projection


class InventoryViews(Projection):
    name = "inventory_views"

    def define_tables(self, metadata: MetaData) -> None:
        self.schools = Table(
            "schools", metadata,
            Column("school_code", String(40), primary_key=True),
            Column("name_ar", String(300), nullable=False),
            Column("name_fr", String(300), nullable=False),
            Column("cycle", String(20), nullable=False),
            Column("setting", String(20), nullable=False),
            Column("commune", String(300), nullable=False),
            Column("region_code", String(40), nullable=False),
        )
        self.assets = Table(
            "assets", metadata,
            Column("asset_id", String(40), primary_key=True),
            Column("serial", String(100), nullable=False, unique=True),
            Column("kind", String(40), nullable=False),
            Column("bundle", String(10), nullable=False),
            Column("supplier", String(300), nullable=False),
            Column("received_on", String(40), nullable=False),
            Column("warranty_months", Integer, nullable=False),
            Column("school_code", String(40)),
            Column("in_service", Boolean, nullable=False, default=True),
        )

    def on_school_registered(self, conn, env):
        d = env["data"]
        conn.execute(insert(self.schools).values(
            school_code=d["school_code"], name_ar=d["name_ar"], name_fr=d["name_fr"], cycle=d["cycle"],
            setting=d["setting"], commune=d["commune"], region_code=d["region_code"]))

    def on_equipment_received(self, conn, env):
        d = env["data"]
        conn.execute(insert(self.assets).values(
            asset_id=d["asset_id"], serial=d["serial"], kind=d["kind"], bundle=d["bundle"],
            supplier=d["supplier"], received_on=env["occurred_at"], warranty_months=d["warranty_months"],
            in_service=True))

    def on_equipment_assigned(self, conn, env):
        d = env["data"]
        conn.execute(update(self.assets).where(self.assets.c.asset_id == d["asset_id"])
                     .values(school_code=d["school_code"]))

    # ---- queries

    def asset_with_serial(self, conn, serial: str) -> str | None:
        return conn.execute(select(self.assets.c.asset_id).where(self.assets.c.serial == serial)).scalar()

    def school(self, conn, code: str) -> dict | None:
        row = conn.execute(select(self.schools).where(self.schools.c.school_code == code)).mappings().first()
        return dict(row) if row else None

    def assets_at(self, conn, code: str) -> list[dict]:
        rows = conn.execute(select(self.assets).where(self.assets.c.school_code == code)
                            .order_by(self.assets.c.asset_id)).mappings()
        return [dict(r) for r in rows]
