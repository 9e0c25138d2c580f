"""Maintenance's read models of its own faults, kept in the same transaction as its log.

Instants are kept as given (ISO, for answers) and as epoch seconds (`*_epoch`)
so that "older than N days" and durations are one comparison whatever offset
each event was recorded with.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, MetaData, Table, and_, func, insert, select, update

from shared.columns import (amount, count, filled_later, flag, instant, key, label, log_position, ref, text, timestamp,
                            user, words)
from shared.db import chunks
from shared.projector import Projection

DAY = 86_400.0
# MNT02's rule: the time to repair counts faults closed as repaired or replaced.
REPAIRED = ("repaired", "replaced")
STEPS = ("fault_declared", "warranty_claim_filed", "repair_completed", "equipment_replaced", "fault_closed")


def epoch(iso: str) -> float:
    return datetime.fromisoformat(iso).timestamp()


class FaultViews(Projection):
    name = "maintenance_views"

    def define_tables(self, metadata: MetaData) -> None:
        self.faults = Table(
            "faults", metadata,
            key("fault_id"),
            ref("asset_id"),
            ref("school_code"),
            text("symptom"),
            flag("under_warranty"),
            label("status", 10),  # open, closed
            instant("declared_at"),
            timestamp("declared_epoch"),
            count("declared_position"),  # breaks ties between equal instants
            # each later step of a fault's life: what it records, and when
            *filled_later(words("supplier"), ref("claim_ref", 100), instant("claimed_at")),
            *filled_later(text("repair_action"), amount("repair_cost_mad"), instant("repaired_at")),
            *filled_later(ref("new_asset_id"), ref("new_serial", 100), instant("replaced_at")),
            *filled_later(label("resolution"), instant("closed_at"), timestamp("closed_epoch")),
            Index("ix_faults_asset", "asset_id", "status"),
            Index("ix_faults_school", "school_code", "status"),
        )
        # Replacements recorded here, known before inventory has reacted to them.
        self.replacements = Table(
            "replacements", metadata,
            key("new_asset_id"),
            ref("new_serial", 100, unique=True),
            ref("old_asset_id", index=True),
            ref("fault_id"),
        )
        # Each step of a fault's life and who recorded it, as its log tells: the fault's history in words.
        self.steps = Table(
            "fault_steps", metadata,
            log_position(primary=True),
            ref("fault_id", index=True),
            label("event_type", 40),
            instant("occurred_at"),
            user("actor_user", 80, optional=True),
            label("actor_role", 40, optional=True),
        )

    def apply(self, conn, envelope) -> None:
        super().apply(conn, envelope)
        fault_id = (envelope.get("data") or {}).get("fault_id")
        if fault_id and envelope["event_type"] in STEPS:
            actor = envelope.get("actor") or {}
            conn.execute(insert(self.steps).values(
                position=envelope["position"], fault_id=fault_id, event_type=envelope["event_type"],
                occurred_at=envelope["occurred_at"], actor_user=actor.get("user"), actor_role=actor.get("role")))

    # ---- maintenance's events

    def on_fault_declared(self, conn, env):
        d = env["data"]
        conn.execute(insert(self.faults).values(
            fault_id=d["fault_id"], asset_id=d["asset_id"], school_code=d["school_code"], symptom=d["symptom"],
            under_warranty=d["under_warranty"], status="open", declared_at=env["occurred_at"],
            declared_epoch=epoch(env["occurred_at"]), declared_position=env["position"]))

    def _fault(self, conn, fault_id, **values):
        conn.execute(update(self.faults).where(self.faults.c.fault_id == fault_id).values(**values))

    def on_warranty_claim_filed(self, conn, env):
        d = env["data"]
        self._fault(conn, d["fault_id"], supplier=d["supplier"], claim_ref=d["claim_ref"],
                    claimed_at=env["occurred_at"])

    def on_repair_completed(self, conn, env):
        d = env["data"]
        self._fault(conn, d["fault_id"], repair_action=d["action"], repair_cost_mad=d["cost_mad"],
                    repaired_at=env["occurred_at"])

    def on_equipment_replaced(self, conn, env):
        d = env["data"]
        self._fault(conn, d["fault_id"], new_asset_id=d["new_asset_id"], new_serial=d["new_serial"],
                    replaced_at=env["occurred_at"])
        conn.execute(insert(self.replacements).values(new_asset_id=d["new_asset_id"], new_serial=d["new_serial"],
                                                      old_asset_id=d["old_asset_id"], fault_id=d["fault_id"]))

    def on_fault_closed(self, conn, env):
        d = env["data"]
        self._fault(conn, d["fault_id"], status="closed", resolution=d["resolution"], closed_at=env["occurred_at"],
                    closed_epoch=epoch(env["occurred_at"]))

    # ---- what commands check

    def open_fault_of(self, conn, asset_id: str) -> str | None:
        t = self.faults
        return conn.execute(select(t.c.fault_id).where(t.c.asset_id == asset_id, t.c.status == "open")).scalar()

    def open_faults_of(self, conn, asset_ids) -> dict[str, str]:
        """The open fault of each of these assets that has one, in one query a thousand assets."""
        t, found = self.faults, {}
        for some in chunks(asset_ids, 1000):
            for asset_id, fault_id in conn.execute(select(t.c.asset_id, t.c.fault_id).where(
                    t.c.asset_id.in_(some), t.c.status == "open")):
                found.setdefault(asset_id, fault_id)
        return found

    def replacement_of(self, conn, old_asset_id: str) -> str | None:
        t = self.replacements
        return conn.execute(select(t.c.new_asset_id).where(t.c.old_asset_id == old_asset_id)).scalar()

    def replaced_asset_ids(self):
        return select(self.replacements.c.old_asset_id)

    def replacement_with_serial(self, conn, serial: str) -> str | None:
        t = self.replacements
        return conn.execute(select(t.c.new_asset_id).where(t.c.new_serial == serial)).scalar()

    def replacement_exists(self, conn, new_asset_id: str) -> bool:
        t = self.replacements
        return conn.execute(select(t.c.new_asset_id).where(t.c.new_asset_id == new_asset_id)).first() is not None

    # ---- queries

    def fault(self, conn, fault_id: str) -> dict | None:
        """A fault, with its steps: each event of its life, when and by whom."""
        row = conn.execute(select(self.faults).where(self.faults.c.fault_id == fault_id)).mappings().first()
        return self._with_steps(conn, [_answer(row)])[0] if row else None

    def _with_steps(self, conn, faults: list[dict]) -> list[dict]:
        t = self.steps
        steps: dict[str, list] = {f["fault_id"]: [] for f in faults}
        for row in conn.execute(select(t).where(t.c.fault_id.in_(list(steps))).order_by(t.c.position)).mappings():
            steps[row["fault_id"]].append({"event_type": row["event_type"], "occurred_at": row["occurred_at"],
                                           "actor": {"user": row["actor_user"], "role": row["actor_role"]}})
        return [dict(f, steps=steps[f["fault_id"]]) for f in faults]

    def open_faults(self, conn, school_code: str | None = None) -> list[dict]:
        t = self.faults
        q = select(t).where(t.c.status == "open").order_by(t.c.declared_epoch, t.c.declared_position)
        if school_code is not None:
            q = q.where(t.c.school_code == school_code)
        return [_answer(r) for r in conn.execute(q).mappings()]

    def overdue_faults(self, conn, now: float, days: int, school_code: str | None = None) -> list[dict]:
        """Open faults declared more than `days` days before `now` (epoch seconds), oldest first."""
        t = self.faults
        q = (select(t).where(t.c.status == "open", t.c.declared_epoch < now - days * DAY)
             .order_by(t.c.declared_epoch, t.c.declared_position))
        if school_code is not None:
            q = q.where(t.c.school_code == school_code)
        out = []
        for row in conn.execute(q).mappings():
            fault = _answer(row)
            fault["days_open"] = round((now - row["declared_epoch"]) / DAY, 1)
            out.append(fault)
        return out

    def faults_since(self, conn, since: float) -> list[dict]:
        """Every fault declared after `since` (epoch seconds), open or closed, oldest first."""
        t = self.faults
        q = select(t).where(t.c.declared_epoch >= since).order_by(t.c.declared_epoch, t.c.declared_position)
        return [_answer(r) for r in conn.execute(q).mappings()]

    def faults_of_asset(self, conn, asset_id: str) -> list[dict]:
        t = self.faults
        q = select(t).where(t.c.asset_id == asset_id).order_by(t.c.declared_epoch, t.c.declared_position)
        return self._with_steps(conn, [_answer(r) for r in conn.execute(q).mappings()])

    def _repaired(self, school_code: str | None = None, school_codes: list[str] | None = None) -> list:
        """MNT02's faults: closed as repaired or replaced (of one school, or of the schools given)."""
        t = self.faults
        where = [t.c.status == "closed", t.c.resolution.in_(REPAIRED)]
        if school_code is not None:
            where.append(t.c.school_code == school_code)
        if school_codes is not None:
            where.append(t.c.school_code.in_(school_codes))
        return where

    def time_to_repair(self, conn, school_code: str | None = None, school_codes: list[str] | None = None) -> dict:
        """Mean days from declaration to closing of the faults closed as repaired or replaced."""
        t = self.faults
        q = select(func.count(), func.sum(t.c.closed_epoch - t.c.declared_epoch)).where(
            and_(*self._repaired(school_code, school_codes)))
        count, seconds = conn.execute(q).one()
        return _repair_time(count, seconds)

    def time_to_repair_by(self, conn, column, school_code: str | None = None,
                          school_codes: list[str] | None = None) -> list[dict]:
        """The same, one row per value of `column` of the equipment (its supplier, its kind) joined by asset;
        a fault on equipment this service has not heard of counts under None."""
        t, name = self.faults, column.name
        q = (select(column, func.count(), func.sum(t.c.closed_epoch - t.c.declared_epoch))
             .select_from(t.outerjoin(column.table, column.table.c.asset_id == t.c.asset_id))
             .where(and_(*self._repaired(school_code, school_codes))).group_by(column))
        rows = [{name: value, **_repair_time(count, seconds)} for value, count, seconds in conn.execute(q)]
        return sorted(rows, key=lambda r: (r[name] is None, r[name] or ""))


def _repair_time(count: int, seconds: float | None) -> dict:
    total = (seconds or 0.0) / DAY
    return {"faults": count, "total_days": round(total, 3), "mean_days": round(total / count, 1) if count else None}


def _answer(row) -> dict:
    fault = {k: v for k, v in dict(row).items() if not k.endswith(("_epoch", "_position"))}
    if fault["closed_at"] is not None:
        fault["days_to_close"] = round((row["closed_epoch"] - row["declared_epoch"]) / DAY, 1)
    return fault
