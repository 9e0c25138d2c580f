"""Maintenance's own view of the equipment, projected from inventory's events.

Commands read it, never inventory: faults can be declared while inventory is
down, on everything this view had seen. The core's projector keeps it, with
its position in inventory's log, so a duplicate is skipped and a gap is read
back through `events_since`.
"""
from __future__ import annotations

import json
from datetime import date, datetime

from sqlalchemy import Index, MetaData, Table, delete, insert, select, update

from shared.columns import count, day, flag, instant, key, label, ref, text, words
from shared.projector import Projection

from shared.calendar import local_date, warranty_ends_on

from .domain import AssetRecord


class EquipmentView(Projection):
    name = "maintenance_equipment"
    sources = ("inventory",)

    def define_tables(self, metadata: MetaData) -> None:
        self.equipment = Table(
            "equipment", metadata,
            key("asset_id"),
            ref("serial", 100),
            label("kind", 40),
            label("bundle", 10),
            words("supplier"),
            instant("received_at"),  # occurred_at of equipment_received
            day("received_on"),  # its local date
            count("warranty_months"),
            day("warranty_ends_on"),  # first day not covered
            ref("school_code", optional=True),
            flag("decommissioned"),
            Index("ix_equipment_serial", "serial"),
            Index("ix_equipment_warranty", "warranty_ends_on"),
        )
        # transfer_completed names only the transfer: remember what it moves where.
        self.transfers = Table(
            "equipment_transfers", metadata,
            key("transfer_id"),
            text("asset_ids"),
            ref("to_school"),
        )

    # ---- inventory's events

    def on_equipment_received(self, conn, env):
        d = env["data"]
        received_at = datetime.fromisoformat(env["occurred_at"])
        values = dict(serial=d["serial"], kind=d["kind"], bundle=d["bundle"], supplier=d["supplier"],
                      received_at=env["occurred_at"], received_on=local_date(received_at).isoformat(),
                      warranty_months=d["warranty_months"],
                      warranty_ends_on=warranty_ends_on(received_at, d["warranty_months"]).isoformat())
        t = self.equipment
        if not conn.execute(update(t).where(t.c.asset_id == d["asset_id"]).values(**values)).rowcount:
            conn.execute(insert(t).values(asset_id=d["asset_id"], decommissioned=False, **values))

    def on_equipment_assigned(self, conn, env):
        d = env["data"]
        conn.execute(update(self.equipment).where(self.equipment.c.asset_id == d["asset_id"])
                     .values(school_code=d["school_code"]))

    def on_transfer_proposed(self, conn, env):
        d = env["data"]
        conn.execute(delete(self.transfers).where(self.transfers.c.transfer_id == d["transfer_id"]))
        conn.execute(insert(self.transfers).values(transfer_id=d["transfer_id"], asset_ids=json.dumps(d["asset_ids"]),
                                                   to_school=d["to_school"]))

    def on_transfer_rejected(self, conn, env):
        conn.execute(delete(self.transfers).where(self.transfers.c.transfer_id == env["data"]["transfer_id"]))

    def on_transfer_completed(self, conn, env):
        t = self.transfers
        row = conn.execute(select(t).where(t.c.transfer_id == env["data"]["transfer_id"])).first()
        if row is None:
            return
        conn.execute(update(self.equipment).where(self.equipment.c.asset_id.in_(json.loads(row.asset_ids)))
                     .values(school_code=row.to_school))
        conn.execute(delete(t).where(t.c.transfer_id == row.transfer_id))

    def on_equipment_decommissioned(self, conn, env):
        conn.execute(update(self.equipment).where(self.equipment.c.asset_id == env["data"]["asset_id"])
                     .values(decommissioned=True))

    # ---- queries

    def record(self, conn, asset_id: str, replaced_by: str | None = None) -> AssetRecord | None:
        row = conn.execute(select(self.equipment).where(self.equipment.c.asset_id == asset_id)).first()
        if row is None:
            return None
        return AssetRecord(asset_id=row.asset_id, kind=row.kind, supplier=row.supplier,
                           received_at=datetime.fromisoformat(row.received_at),
                           warranty_months=row.warranty_months, school_code=row.school_code,
                           decommissioned=row.decommissioned, replaced_by=replaced_by)

    def asset(self, conn, asset_id: str) -> dict | None:
        row = conn.execute(select(self.equipment).where(self.equipment.c.asset_id == asset_id)).mappings().first()
        return dict(row) if row else None

    def asset_with_serial(self, conn, serial: str) -> str | None:
        return conn.execute(select(self.equipment.c.asset_id).where(self.equipment.c.serial == serial)).scalar()

    def exists(self, conn, asset_id: str) -> bool:
        return conn.execute(select(self.equipment.c.asset_id).where(self.equipment.c.asset_id == asset_id)
                            ).first() is not None

    def warranty_ending(self, conn, after: date, until: date, school_code: str | None,
                        excluded=None) -> list[dict]:
        """In-service assets whose warranty still covers `after` and ends by `until`."""
        t = self.equipment
        q = (select(t).where(t.c.school_code.is_not(None), t.c.decommissioned.is_(False),
                             t.c.warranty_ends_on > after.isoformat(), t.c.warranty_ends_on <= until.isoformat())
             .order_by(t.c.warranty_ends_on, t.c.school_code, t.c.asset_id))
        if school_code is not None:
            q = q.where(t.c.school_code == school_code)
        if excluded is not None:
            q = q.where(t.c.asset_id.not_in(excluded))
        return [dict(r) for r in conn.execute(q).mappings()]
