"""Reporting's read models: the dated history every indicator needs.

Every instant is kept as epoch seconds (`at`), so "before T" is one comparison
whatever offset an event was recorded with; ties are broken by the source's
`position` (then `seq`, the rank of a row inside its event).

Three kinds of table:

- history: one row per fact that sets a state ("asset A is at school X"), with
  `end_at` derived from the facts of the same key. A row is the latest fact
  at T, and so the state at T, exactly when `at < T <= end_at`.
- entities: one row per thing (a school, a fault, a session completed...)
  folded from its events in log order.
- flows: one row per fact counted over a period.

Derived fields depend only on the set of facts of a key, never on how events
were batched, so a rebuild (one batch holding every event) equals the live
model (one small batch per delivery) field for field.
"""
from __future__ import annotations

import json
from collections import defaultdict
from datetime import date, datetime, time
from operator import itemgetter

from sqlalchemy import (Boolean, Column, Float, Index, Integer, MetaData, String, Table, Text, delete, func,
                        select, tuple_)
from sqlalchemy.engine import Connection
from sqlalchemy.schema import CreateTable

from shared.config import SOURCES
from shared.projector import Projection

from .periods import CASABLANCA

NEVER = 1e18  # the end of a state nothing has replaced yet
CHUNK = 900  # keys per IN (...) list: under SQLite's parameter limit


def epoch(iso: str) -> float:
    return datetime.fromisoformat(iso).timestamp()


def day_start(iso_date: str) -> float:
    """The first instant of a calendar day in Africa/Casablanca."""
    return datetime.combine(date.fromisoformat(iso_date), time(0), CASABLANCA).timestamp()


def _code(n: int = 40):
    return String(n)


class IndicatorsProjection(Projection):
    name = "reporting"
    sources = SOURCES

    # ------------------------------------------------------------------ tables

    def define_tables(self, md: MetaData) -> None:
        def ordered():
            return [Column("at", Float, nullable=False), Column("position", Integer, primary_key=True),
                    Column("seq", Integer, primary_key=True, default=0)]

        def history(name, *columns, key=()):
            return Table(name, md, *columns, *ordered(), Column("end_at", Float, nullable=False),
                         Index(f"ix_{name}_key", *key))

        # ---- entities
        self.schools = Table(
            "schools", md,
            Column("school_code", _code(), primary_key=True),
            Column("name_ar", String(300), nullable=False),
            Column("name_fr", String(300), nullable=False),
            Column("cycle", _code(20), nullable=False),
            Column("setting", _code(20), nullable=False),
            Column("commune", String(300), nullable=False),
            Column("province_code", _code(), nullable=False),
            Column("region_code", _code(), nullable=False),
            Column("registered_at", Float, nullable=False),
            Index("ix_schools_province", "province_code"),
            Index("ix_schools_region", "region_code"),
        )
        self.assets = Table(
            "assets", md,
            Column("asset_id", _code(64), primary_key=True),
            Column("kind", _code(40)),
            Column("bundle", _code(10)),
            Column("decommissioned_at", Float, nullable=False),
        )
        self.transfers = Table(
            "transfers", md,
            Column("transfer_id", _code(64), primary_key=True),
            Column("from_school", _code()),
            Column("to_school", _code()),
            Column("asset_ids", Text, nullable=False),
            Column("completed_at", Float, nullable=False),
            Index("ix_transfers_completed", "completed_at"),
        )
        self.faults = Table(
            "faults", md,
            Column("fault_id", _code(64), primary_key=True),
            Column("asset_id", _code(64)),
            Column("school_code", _code()),
            Column("under_warranty", Boolean),
            Column("declared_at", Float),
            Column("closed_at", Float, nullable=False),
            Column("resolution", _code(30)),
            Index("ix_faults_school", "school_code"),
            Index("ix_faults_asset", "asset_id"),
            Index("ix_faults_closed", "closed_at", "declared_at"),  # the open ones at a recent T
        )
        self.dysfunctions = Table(
            "dysfunctions", md,
            Column("dysfunction_id", _code(64), primary_key=True),
            Column("school_code", _code()),
            Column("reported_at", Float),
            Column("resolved_at", Float, nullable=False),
            Index("ix_dysfunctions_school", "school_code"),
        )
        self.completions = Table(
            "session_completions", md,
            Column("session_id", _code(64), primary_key=True),
            Column("completed_at", Float, nullable=False),
            Index("ix_session_completions_at", "completed_at"),
        )
        self.presences = Table(
            "presences", md,
            Column("session_id", _code(64), primary_key=True),
            Column("staff_id", _code(64), primary_key=True),
            Column("first_at", Float, nullable=False),
            Column("province_code", _code(), nullable=False),
            Index("ix_presences_staff", "staff_id"),
        )
        self.first_resources = Table(
            "first_resources", md,
            Column("school_code", _code(), primary_key=True),
            Column("first_at", Float, nullable=False),
        )

        # ---- histories: the state at T is the row with at < T <= end_at
        self.placements = history(
            "placements",
            Column("asset_id", _code(64), nullable=False),
            Column("school_code", _code(), nullable=False),
            Column("kind", _code(40)),
            Column("bundle", _code(10)),
            key=("asset_id",))
        Index("ix_placements_school", self.placements.c.school_code, self.placements.c.end_at)
        self.observations = history(
            "observations",
            Column("asset_id", _code(64), nullable=False),
            Column("school_code", _code(), nullable=False),
            Column("status", _code(20), nullable=False),
            key=("asset_id",))
        Index("ix_observations_school", self.observations.c.school_code)
        self.connectivity = history(
            "connectivity",
            Column("school_code", _code(), nullable=False),
            Column("status", _code(20), nullable=False),
            key=("school_code",))
        self.filtering = history(
            "filtering",
            Column("school_code", _code(), nullable=False),
            Column("active", Boolean, nullable=False),
            key=("school_code",))
        self.censuses = history(
            "censuses",
            Column("school_code", _code(), nullable=False),
            Column("school_year", _code(9), nullable=False),
            Column("pupils", Integer, nullable=False),
            Column("teachers", Integer, nullable=False),
            key=("school_code",))
        self.audits = history(
            "audits",
            Column("school_code", _code(), nullable=False),
            Column("present", Integer, nullable=False),
            Column("findings", Integer, nullable=False),
            key=("school_code",))
        self.invitations = history(
            "invitations",
            Column("staff_id", _code(64), nullable=False),
            Column("school_code", _code()),
            Column("role", _code(20), nullable=False),
            key=("staff_id",))
        Index("ix_invitations_school", self.invitations.c.school_code)
        self.schedules = history(
            "schedules",
            Column("session_id", _code(64), nullable=False),
            Column("starts_at", Float, nullable=False),
            Column("hours", Float, nullable=False),
            Column("province_code", _code(), nullable=False),
            key=("session_id",))

        # ---- flows
        def flow(name, *columns, indexes=()):
            return Table(name, md, *columns, *ordered(),
                         *[Index(f"ix_{name}_{'_'.join(cols)}", *cols) for cols in indexes])

        self.resources_received = flow(
            "resources_received", Column("resource_id", _code(64), nullable=False),
            Column("province_code", _code(), nullable=False), indexes=[("at",)])
        self.distributions = flow(
            "distributions", Column("resource_id", _code(64), nullable=False),
            Column("school_code", _code(), nullable=False), indexes=[("school_code", "at")])
        self.decisions = flow(
            "decisions", Column("resource_id", _code(64), nullable=False),
            Column("decision", _code(20), nullable=False), Column("province_code", _code(), nullable=False),
            indexes=[("at",)])
        self.usages = flow(
            "usages", Column("school_code", _code(), nullable=False),
            Column("period_end_at", Float, nullable=False), Column("uses", Integer, nullable=False),
            indexes=[("school_code", "period_end_at"), ("period_end_at",)])
        self.workshop_schools = flow(
            "workshop_schools", Column("workshop_id", _code(64), nullable=False),
            Column("school_code", _code(), nullable=False), indexes=[("school_code", "at"), ("at",)])
        self.trainings = flow(
            "trainings", Column("training_id", _code(64), nullable=False),
            Column("school_year", _code(9), nullable=False), Column("province_code", _code(), nullable=False),
            indexes=[("school_year",)])
        self.attendance = flow(
            "attendance", Column("session_id", _code(64), nullable=False),
            Column("staff_id", _code(64), nullable=False), Column("status", _code(20), nullable=False),
            Column("province_code", _code(), nullable=False), indexes=[("session_id",)])
        self.certifications = flow(
            "certifications", Column("staff_id", _code(64), nullable=False),
            Column("province_code", _code(), nullable=False), indexes=[("at",)])

        self.entity_specs = [
            # table, key columns; in fold order (transfers make placements)
            (self.schools, ("school_code",)),
            (self.assets, ("asset_id",)),
            (self.transfers, ("transfer_id",)),
            (self.faults, ("fault_id",)),
            (self.dysfunctions, ("dysfunction_id",)),
            (self.completions, ("session_id",)),
            (self.presences, ("session_id", "staff_id")),
            (self.first_resources, ("school_code",)),
        ]
        # table, the column its rows are loaded by, how rows group into one state
        self.history_specs = [
            (self.placements, "asset_id", lambda r: r["asset_id"]),
            (self.observations, "asset_id", lambda r: r["asset_id"]),
            (self.connectivity, "school_code", lambda r: r["school_code"]),
            (self.filtering, "school_code", lambda r: r["school_code"]),
            (self.censuses, "school_code", lambda r: (r["school_code"], r["school_year"])),
            (self.audits, "school_code", lambda r: r["school_code"]),
            (self.invitations, "staff_id", lambda r: r["staff_id"]),
            (self.schedules, "session_id", lambda r: r["session_id"]),
        ]
        self.flow_tables = [self.resources_received, self.distributions, self.decisions, self.usages,
                            self.workshop_schools, self.trainings, self.attendance, self.certifications]
        self._handlers = {name[3:]: getattr(self, name) for name in dir(self) if name.startswith("on_")}
        self.listeners = []  # told what each stored batch changed: listener(Changes)

    # ------------------------------------------------------------------ applying

    def apply(self, conn: Connection, envelope: dict) -> None:
        self.apply_many(conn, [envelope])

    def apply_many(self, conn: Connection, envelopes: list[dict]) -> None:
        batch = Batch()
        for env in envelopes:
            self.add(batch, env)
        self.store(conn, batch)

    def add(self, batch: "Batch", env: dict) -> None:
        """Turn one event into rows and folds (no I/O)."""
        handler = self._handlers.get(env["event_type"])
        if handler is not None:
            at = epoch(env["occurred_at"])
            if at > batch.latest:
                batch.latest = at
            handler(batch, env, env["data"], at, env["position"])

    def store(self, conn: Connection, batch: "Batch", empty: bool = False) -> None:
        """Write a batch. `empty`: the tables are known to be empty (a rebuild), so nothing is read back."""
        changes = Changes(batch.latest, everything=empty)
        # Entities first: a completed transfer places assets, a received asset changes its placements.
        for table, keys in self.entity_specs:
            ops = batch.folds.get(table.name)
            if ops:
                self._store_entities(conn, batch, table, keys, ops, empty, changes)
        for table, load_by, group in self.history_specs:
            touched = batch.touched.get(table.name)
            if touched:
                self._store_history(conn, batch, table, load_by, group, touched, empty, changes)
        for table in self.flow_tables:
            rows = batch.rows.get(table.name)
            if rows:
                bulk_insert(conn, table, rows)
                changes.note_all(rows)
        if self.listeners:
            if not empty:
                changes.expand(conn, self)
            for listener in self.listeners:
                listener(changes)

    def _store_entities(self, conn, batch, table, keys, ops, empty, changes):
        wanted = {key for key, _, _ in ops}
        existing = {} if empty else load_entities(conn, table, keys, wanted)
        current = dict(existing)
        for key, fold, args in ops:
            current[key] = fold(batch, current.get(key), *args)
        if table is self.assets:
            batch.assets.update(current)
        changed = [k for k in wanted if current.get(k) is not None and current[k] != existing.get(k)]
        stale = [k for k in changed if k in existing]
        if not empty:
            changes.note_all(existing[k] for k in stale)
            changes.note_all(current[k] for k in changed)
            if table is self.assets:
                changes.assets.update(changed)
        if stale:
            delete_keys(conn, table, keys, stale)
        bulk_insert(conn, table, [current[k] for k in changed])

    def _store_history(self, conn, batch, table, load_by, group, touched, empty, changes):
        new_rows = batch.rows.get(table.name, [])
        old_rows = [] if empty else load_rows(conn, table, load_by, touched)
        old_derived = {(r["position"], r["seq"]): r for r in old_rows}
        old_derived = {k: dict(r) for k, r in old_derived.items()}
        by_key = defaultdict(list)
        for r in old_rows:
            by_key[group(r)].append(r)
        for r in new_rows:
            by_key[group(r)].append(r)
        if table is self.placements:
            assets = batch.assets
            missing = {r["asset_id"] for r in new_rows + old_rows if r["asset_id"] not in assets}
            if missing and not empty:
                assets.update(load_entities(conn, self.assets, ("asset_id",), missing))
        for key, rows in by_key.items():
            rows.sort(key=lambda r: (r["at"], r["position"], r["seq"]))
            ends = [r["at"] for r in rows[1:]] + [NEVER]
            if table is self.placements:
                asset = batch.assets.get(key)
                stop = asset["decommissioned_at"] if asset else NEVER
                kind, bundle = (asset["kind"], asset["bundle"]) if asset else (None, None)
                for r, end in zip(rows, ends):
                    r["end_at"] = min(end, stop)
                    r["kind"], r["bundle"] = kind, bundle
            else:
                for r, end in zip(rows, ends):
                    r["end_at"] = end
        bulk_insert(conn, table, new_rows)
        updated = [r for r in old_rows if r != old_derived[(r["position"], r["seq"])]]
        if updated:
            update_rows(conn, table, updated, ("end_at", "kind", "bundle") if table is self.placements
                        else ("end_at",))
        if not empty:
            changes.note_all(new_rows)
            changes.note_all(updated)
            if table is self.placements:
                changes.assets.update(touched)

    # ------------------------------------------------------------------ inventory

    def on_school_registered(self, b, env, d, at, pos):
        b.fold(self.schools, d["school_code"], _register_school, d, at)

    def on_school_census_recorded(self, b, env, d, at, pos):
        b.history(self.censuses, d["school_code"], school_code=d["school_code"], school_year=d["school_year"],
                  pupils=d["pupils"], teachers=d["teachers"], at=at, position=pos)

    def on_equipment_received(self, b, env, d, at, pos):
        b.fold(self.assets, d["asset_id"], _receive_asset, d)
        b.touch(self.placements, d["asset_id"])

    def on_equipment_assigned(self, b, env, d, at, pos):
        b.history(self.placements, d["asset_id"], asset_id=d["asset_id"], school_code=d["school_code"],
                  at=at, position=pos)

    def on_equipment_decommissioned(self, b, env, d, at, pos):
        b.fold(self.assets, d["asset_id"], _decommission_asset, d["asset_id"], at)
        b.touch(self.placements, d["asset_id"])

    def on_usage_visit_recorded(self, b, env, d, at, pos):
        for seq, obs in enumerate(d["observations"]):
            b.history(self.observations, obs["asset_id"], asset_id=obs["asset_id"], school_code=d["school_code"],
                      status=obs["status"], at=at, position=pos, seq=seq)

    def on_transfer_proposed(self, b, env, d, at, pos):
        b.fold(self.transfers, d["transfer_id"], _propose_transfer, d)

    def on_transfer_completed(self, b, env, d, at, pos):
        b.fold(self.transfers, d["transfer_id"], self._complete_transfer, at, pos)

    def _complete_transfer(self, b, transfer, at, pos):
        if transfer is None:  # completed without a known proposal: nothing to place
            transfer = {"transfer_id": None, "from_school": None, "to_school": None, "asset_ids": "[]",
                        "completed_at": NEVER}
        for seq, asset_id in enumerate(json.loads(transfer["asset_ids"])):
            b.history(self.placements, asset_id, asset_id=asset_id, school_code=transfer["to_school"],
                      at=at, position=pos, seq=seq)
        if transfer["transfer_id"] is None:
            return None
        return dict(transfer, completed_at=min(transfer["completed_at"], at))

    def on_inventory_audit_completed(self, b, env, d, at, pos):
        present = sum(1 for f in d["findings"] if f["status"] == "present")
        b.history(self.audits, d["school_code"], school_code=d["school_code"], present=present,
                  findings=len(d["findings"]), at=at, position=pos)

    def on_connectivity_recorded(self, b, env, d, at, pos):
        b.history(self.connectivity, d["school_code"], school_code=d["school_code"], status=d["status"],
                  at=at, position=pos)

    def on_filtering_recorded(self, b, env, d, at, pos):
        b.history(self.filtering, d["school_code"], school_code=d["school_code"], active=bool(d["active"]),
                  at=at, position=pos)

    # ------------------------------------------------------------------ maintenance

    def on_fault_declared(self, b, env, d, at, pos):
        b.fold(self.faults, d["fault_id"], _declare_fault, d, at)

    def on_fault_closed(self, b, env, d, at, pos):
        b.fold(self.faults, d["fault_id"], _close_fault, d, at)

    # ------------------------------------------------------------------ resources

    def on_resource_received(self, b, env, d, at, pos):
        b.flow(self.resources_received, resource_id=d["resource_id"], province_code=env["province_code"],
               at=at, position=pos)

    def on_resource_distributed(self, b, env, d, at, pos):
        for seq, code in enumerate(d["school_codes"]):
            b.flow(self.distributions, resource_id=d["resource_id"], school_code=code, at=at, position=pos,
                   seq=seq)
            b.fold(self.first_resources, code, _first_resource, code, at)

    def on_validation_committee_held(self, b, env, d, at, pos):
        for seq, decision in enumerate(d["decisions"]):
            b.flow(self.decisions, resource_id=decision["resource_id"], decision=decision["decision"],
                   province_code=env["province_code"], at=at, position=pos, seq=seq)

    def on_resource_usage_recorded(self, b, env, d, at, pos):
        b.flow(self.usages, school_code=d["school_code"], period_end_at=day_start(d["period_end"]),
               uses=d["uses"], at=at, position=pos)

    def on_awareness_workshop_held(self, b, env, d, at, pos):
        for seq, code in enumerate(dict.fromkeys(d["school_codes"])):
            b.flow(self.workshop_schools, workshop_id=d["workshop_id"], school_code=code, at=at, position=pos,
                   seq=seq)

    def on_dysfunction_reported(self, b, env, d, at, pos):
        b.fold(self.dysfunctions, d["dysfunction_id"], _report_dysfunction, d, at)

    def on_dysfunction_resolved(self, b, env, d, at, pos):
        b.fold(self.dysfunctions, d["dysfunction_id"], _resolve_dysfunction, d, at)

    # ------------------------------------------------------------------ training

    def on_training_planned(self, b, env, d, at, pos):
        b.flow(self.trainings, training_id=d["training_id"], school_year=d["school_year"],
               province_code=env["province_code"], at=at, position=pos)

    def on_session_scheduled(self, b, env, d, at, pos):
        b.history(self.schedules, d["session_id"], session_id=d["session_id"],
                  starts_at=day_start(d["starts_on"]), hours=float(d["hours"]),
                  province_code=env["province_code"], at=at, position=pos)

    def on_participant_invited(self, b, env, d, at, pos):
        b.history(self.invitations, d["staff_id"], staff_id=d["staff_id"], school_code=d.get("school_code"),
                  role=d["role"], at=at, position=pos)

    def on_attendance_recorded(self, b, env, d, at, pos):
        b.flow(self.attendance, session_id=d["session_id"], staff_id=d["staff_id"], status=d["status"],
               province_code=env["province_code"], at=at, position=pos)
        if d["status"] == "present":
            b.fold(self.presences, (d["session_id"], d["staff_id"]), _present, d, env["province_code"], at)

    def on_session_completed(self, b, env, d, at, pos):
        b.fold(self.completions, d["session_id"], _complete_session, d, at)

    def on_certification_awarded(self, b, env, d, at, pos):
        b.flow(self.certifications, staff_id=d["staff_id"], province_code=env["province_code"], at=at,
               position=pos)

    def latest_at(self, conn: Connection) -> float:
        """The latest occurred_at in the model (a memo must know whether anything is dated after now)."""
        latest = float("-inf")
        for table in self.metadata.sorted_tables:
            if "at" in table.c:
                value = conn.execute(select(func.max(table.c.at))).scalar()
                if value is not None:
                    latest = max(latest, value)
        return latest

    # ------------------------------------------------------------------ rebuilding

    def store_flows(self, conn: Connection, batch: "Batch") -> None:
        """Write the flow rows gathered so far (they need nothing else) and forget them."""
        for table in self.flow_tables:
            rows = batch.rows.pop(table.name, None)
            if rows:
                bulk_insert(conn, table, rows)

    def create_bare(self, conn: Connection) -> None:
        """Drop every table and make them again without indexes (faster to fill)."""
        self.metadata.drop_all(conn)
        for table in self.metadata.sorted_tables:
            conn.execute(CreateTable(table))

    def create_indexes(self, conn: Connection) -> None:
        for table in self.metadata.sorted_tables:
            for index in table.indexes:
                index.create(conn)


class Batch:
    """What a run of events changes, gathered before anything is written."""

    __slots__ = ("rows", "folds", "touched", "assets", "latest")

    def __init__(self):
        self.rows = defaultdict(list)  # table name -> new rows (histories and flows)
        self.folds = defaultdict(list)  # table name -> [(key, fold, args)] in log order
        self.touched = defaultdict(set)  # history table name -> keys whose states to derive again
        self.assets = {}  # asset_id -> row of `assets`, for placements
        self.latest = -NEVER

    def history(self, table, key, seq=0, **row):
        row["seq"] = seq
        row["end_at"] = NEVER
        self.rows[table.name].append(row)
        self.touched[table.name].add(key)

    def touch(self, table, key):
        self.touched[table.name].add(key)

    def flow(self, table, seq=0, **row):
        row["seq"] = seq
        self.rows[table.name].append(row)

    def fold(self, table, key, fold, *args):
        self.folds[table.name].append((key, fold, args))


class Changes:
    """Which schools' figures a stored batch may have changed: a superset, for caches of figures.

    A row names a school directly, or through an asset (the schools it was placed at: its
    observations and faults count there), a session (the staff who attended it) or a member of
    staff (the schools they were invited for).
    """

    def __init__(self, latest: float, everything: bool = False):
        self.latest = latest  # the latest occurred_at stored
        self.everything = everything
        self.schools, self.assets, self.sessions, self.staff = set(), set(), set(), set()

    def note_all(self, rows) -> None:
        if self.everything:
            return
        for r in rows:
            for column in ("school_code", "from_school", "to_school"):
                if r.get(column) is not None:
                    self.schools.add(r[column])
            if r.get("asset_id") is not None:
                self.assets.add(r["asset_id"])
            if r.get("session_id") is not None:
                self.sessions.add(r["session_id"])
            if r.get("staff_id") is not None:
                self.staff.add(r["staff_id"])
            if r.get("asset_ids"):
                self.assets.update(json.loads(r["asset_ids"]))

    def expand(self, conn: Connection, p: "IndicatorsProjection") -> None:
        for part in _chunks(self.sessions):
            self.staff.update(conn.execute(select(p.attendance.c.staff_id).distinct()
                                           .where(p.attendance.c.session_id.in_(part))).scalars())
        for part in _chunks(self.staff):
            self.schools.update(s for s in conn.execute(select(p.invitations.c.school_code).distinct()
                                                        .where(p.invitations.c.staff_id.in_(part))).scalars() if s)
        for part in _chunks(self.assets):
            self.schools.update(conn.execute(select(p.placements.c.school_code).distinct()
                                             .where(p.placements.c.asset_id.in_(part))).scalars())


# ---------------------------------------------------------------------- folds
# Each takes (batch, current row or None, ...) and returns the new row.

def _register_school(b, school, d, at):
    first = at if school is None else min(school["registered_at"], at)
    return {"school_code": d["school_code"], "name_ar": d["name_ar"], "name_fr": d["name_fr"],
            "cycle": d["cycle"], "setting": d["setting"], "commune": d["commune"],
            "province_code": d["province_code"], "region_code": d["region_code"], "registered_at": first}


def _receive_asset(b, asset, d):
    return {"asset_id": d["asset_id"], "kind": d["kind"], "bundle": d["bundle"],
            "decommissioned_at": asset["decommissioned_at"] if asset else NEVER}


def _decommission_asset(b, asset, asset_id, at):
    asset = asset or {"asset_id": asset_id, "kind": None, "bundle": None, "decommissioned_at": NEVER}
    return dict(asset, decommissioned_at=min(asset["decommissioned_at"], at))


def _propose_transfer(b, transfer, d):
    return {"transfer_id": d["transfer_id"], "from_school": d["from_school"], "to_school": d["to_school"],
            "asset_ids": json.dumps(list(d["asset_ids"])),
            "completed_at": transfer["completed_at"] if transfer else NEVER}


def _declare_fault(b, fault, d, at):
    fault = fault or {"closed_at": NEVER, "resolution": None}
    return {"fault_id": d["fault_id"], "asset_id": d["asset_id"], "school_code": d["school_code"],
            "under_warranty": bool(d["under_warranty"]), "declared_at": at,
            "closed_at": fault["closed_at"], "resolution": fault["resolution"]}


def _close_fault(b, fault, d, at):
    fault = fault or {"fault_id": d["fault_id"], "asset_id": None, "school_code": None, "under_warranty": None,
                      "declared_at": None, "closed_at": NEVER, "resolution": None}
    if at < fault["closed_at"]:  # a fault's closing is its earliest fault_closed
        return dict(fault, closed_at=at, resolution=d["resolution"])
    return fault


def _report_dysfunction(b, dysfunction, d, at):
    return {"dysfunction_id": d["dysfunction_id"], "school_code": d["school_code"], "reported_at": at,
            "resolved_at": dysfunction["resolved_at"] if dysfunction else NEVER}


def _resolve_dysfunction(b, dysfunction, d, at):
    dysfunction = dysfunction or {"dysfunction_id": d["dysfunction_id"], "school_code": None,
                                  "reported_at": None, "resolved_at": NEVER}
    return dict(dysfunction, resolved_at=min(dysfunction["resolved_at"], at))


def _complete_session(b, session, d, at):
    return {"session_id": d["session_id"], "completed_at": min(session["completed_at"], at) if session else at}


def _present(b, presence, d, province, at):
    if presence is not None and presence["first_at"] <= at:
        return presence
    return {"session_id": d["session_id"], "staff_id": d["staff_id"], "first_at": at, "province_code": province}


def _first_resource(b, first, code, at):
    if first is not None and first["first_at"] <= at:
        return first
    return {"school_code": code, "first_at": at}


# ---------------------------------------------------------------------- SQL helpers

def _chunks(items, size=CHUNK):
    items = list(items)
    for i in range(0, len(items), size):
        yield items[i:i + size]


def _placeholder(conn: Connection) -> str:
    return "?" if conn.dialect.paramstyle == "qmark" else "%s"


def bulk_insert(conn: Connection, table: Table, rows: list[dict]) -> None:
    """Insert many rows through the driver's executemany: a rebuild writes millions."""
    if not rows:
        return
    names = [c.name for c in table.columns]
    mark = _placeholder(conn)
    sql = f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({', '.join([mark] * len(names))})"
    values = itemgetter(*names)
    cursor = conn.connection.driver_connection.cursor()
    if conn.dialect.name == "postgresql":  # COPY: several times faster than inserts
        try:
            with cursor.copy(f"COPY {table.name} ({', '.join(names)}) FROM STDIN") as copy:
                for r in rows:
                    try:
                        copy.write_row(values(r))
                    except KeyError:
                        copy.write_row(tuple(r.get(n) for n in names))
        finally:
            cursor.close()
        return
    try:
        for part in _chunks(rows, 20000):
            try:
                cursor.executemany(sql, list(map(values, part)))
            except KeyError:  # a row without some nullable column
                cursor.executemany(sql, [tuple(r.get(n) for n in names) for r in part])
    finally:
        cursor.close()


def update_rows(conn: Connection, table: Table, rows: list[dict], columns) -> None:
    mark = _placeholder(conn)
    sets = ", ".join(f"{c} = {mark}" for c in columns)
    sql = f"UPDATE {table.name} SET {sets} WHERE position = {mark} AND seq = {mark}"
    cursor = conn.connection.driver_connection.cursor()
    try:
        cursor.executemany(sql, [tuple(r[c] for c in columns) + (r["position"], r["seq"]) for r in rows])
    finally:
        cursor.close()


def load_rows(conn: Connection, table: Table, column: str, keys) -> list[dict]:
    keys = {k[0] if isinstance(k, tuple) else k for k in keys}
    out = []
    for part in _chunks(keys):
        out += [dict(r) for r in conn.execute(select(table).where(table.c[column].in_(part))).mappings()]
    return out


def load_entities(conn: Connection, table: Table, keys: tuple[str, ...], wanted) -> dict:
    out = {}
    if len(keys) == 1:
        column = table.c[keys[0]]
        for part in _chunks(wanted):
            for r in conn.execute(select(table).where(column.in_(part))).mappings():
                out[r[keys[0]]] = dict(r)
    else:
        columns = tuple_(*(table.c[k] for k in keys))
        for part in _chunks(wanted, CHUNK // len(keys)):
            for r in conn.execute(select(table).where(columns.in_(part))).mappings():
                out[tuple(r[k] for k in keys)] = dict(r)
    return out


def delete_keys(conn: Connection, table: Table, keys: tuple[str, ...], values) -> None:
    if len(keys) == 1:
        for part in _chunks(values):
            conn.execute(delete(table).where(table.c[keys[0]].in_(part)))
    else:
        columns = tuple_(*(table.c[k] for k in keys))
        for part in _chunks(values, CHUNK // len(keys)):
            conn.execute(delete(table).where(columns.in_(part)))


