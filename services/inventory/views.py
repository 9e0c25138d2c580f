"""Inventory's read models, kept in the same transaction as its log.

Besides what users look up (schools, assets, transfers, audits), `asset_events`
indexes every event that names an asset, so an asset's whole history can be
read back from the log, and `placements` every school an asset was ever at.

The tables carry a version: when it changes, they are dropped and made again
from the log at start-up.
"""
from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import Column, MetaData, Table, bindparam, func, insert, select, update

from shared.columns import (YEAR, amount, count, filled_later, flag, instant, key, label, log_position, ref, text,
                            timestamp, user, words)
from shared.db import chunks, insert_many
from shared.projector import Projection
from shared.schools import details, registered_school

from .domain import conformity_report, serial_key

CHUNK = 500


def _ts(env: dict) -> float:
    return datetime.fromisoformat(env["occurred_at"]).timestamp()


def _later(env: dict, ts: float | None, position: int | None) -> bool:
    """Is `env` later than the fact recorded at (ts, position)? Latest = occurred_at, then position."""
    return ts is None or (_ts(env), env["position"]) > (ts, position)


def _order(fact: str) -> list[Column]:
    """When the fact kept last happened (as a number) and its position: a later one replaces it (`_later`)."""
    return [timestamp(f"{fact}_ts"), count(f"{fact}_pos")]


def _latest(record: str, *values: Column) -> list[Column]:
    """What a school's latest `record` says, and when it happened, as given and as `_order` keeps it."""
    return filled_later(*values, instant(f"{record}_at"), *_order(record))


class InventoryViews(Projection):
    name = "inventory_views"

    def define_tables(self, metadata: MetaData) -> None:
        def of_a_school(name, record_id, *columns):
            """A table of records each about one school (a visit, an audit, a work), read by school."""
            return Table(name, metadata, key(record_id), ref("school_code", index=True), *columns)

        self.schools = Table(
            "schools", metadata,
            *registered_school(),
            instant("updated_at"),
            *_latest("connectivity", label("connectivity"), label("link"), amount("bandwidth_mbps")),
            *_latest("filtering", flag("filtering_active")),
        )
        self.censuses = Table(
            "school_censuses", metadata,
            key("school_code"),
            key("school_year", YEAR),
            count("pupils"),
            count("teachers"),
            instant("recorded_at"),
            timestamp("ts"),
            count("pos"),
        )
        self.assets = Table(
            "assets", metadata,
            key("asset_id"),
            ref("serial", 100),
            ref("serial_key", 100, unique=True),
            label("kind", 40),
            words("model", 200),
            label("bundle", 10),
            words("supplier"),
            words("delivery_ref"),
            instant("received_at"),
            count("warranty_months"),
            ref("school_code", optional=True, index=True),
            flag("installed"),
            flag("in_service"),
            *filled_later(text("decommission_reason"), ref("transfer_id"), label("observation"),
                          *_order("observation")),
        )
        self.asset_events = Table("asset_events", metadata, key("asset_id"), log_position(primary=True))
        self.placements = Table("asset_placements", metadata, key("school_code"), key("asset_id"))
        self.transfers = Table(
            "transfers", metadata,
            key("transfer_id"),
            label("status", index=True),
            text("asset_ids"),
            ref("from_school"),
            ref("to_school"),
            text("reason"),
            text("report"),
            instant("proposed_at"),
            user("proposed_by"),
            *filled_later(user("approved_by"), instant("decided_at"), text("rejection_reason"),
                          instant("completed_at")),
        )
        self.visits = of_a_school(
            "usage_visits", "visit_id",
            instant("occurred_at"),
            text("observations"),
            text("notes"),
        )
        self.audits = of_a_school(
            "inventory_audits", "audit_id",
            label("occasion"),
            instant("occurred_at"),
            user("audited_by"),
            text("report"),
        )
        self.works = of_a_school(
            "infrastructure_works", "work_id",
            label("kind"),
            label("status"),
            instant("updated_at"),
        )

    def __init__(self):
        super().__init__()
        self._assign_asset = (update(self.assets).where(self.assets.c.asset_id == bindparam("a_id"))
                              .values(school_code=bindparam("school_code"), installed=False))

    # ---- schools

    def on_school_registered(self, conn, env):
        d = env["data"]
        values = details(d)
        t = self.schools
        done = conn.execute(update(t).where(t.c.school_code == d["school_code"])
                            .values(updated_at=env["occurred_at"], **values)).rowcount
        if not done:
            conn.execute(insert(t).values(school_code=d["school_code"], registered_at=env["occurred_at"],
                                          updated_at=env["occurred_at"], **values))

    def on_school_census_recorded(self, conn, env):
        d = env["data"]
        t = self.censuses
        row = conn.execute(select(t.c.ts, t.c.pos).where(t.c.school_code == d["school_code"],
                                                         t.c.school_year == d["school_year"])).first()
        values = dict(pupils=d["pupils"], teachers=d["teachers"], recorded_at=env["occurred_at"], ts=_ts(env),
                      pos=env["position"])
        if row is None:
            conn.execute(insert(t).values(school_code=d["school_code"], school_year=d["school_year"], **values))
        elif _later(env, row.ts, row.pos):
            conn.execute(update(t).where(t.c.school_code == d["school_code"], t.c.school_year == d["school_year"])
                         .values(**values))

    def _school_latest(self, conn, env, prefix, values):
        t = self.schools
        code = env["data"]["school_code"]
        row = conn.execute(select(t.c[f"{prefix}_ts"], t.c[f"{prefix}_pos"]).where(t.c.school_code == code)).first()
        if row is not None and _later(env, row[0], row[1]):
            conn.execute(update(t).where(t.c.school_code == code).values(
                **values, **{f"{prefix}_at": env["occurred_at"], f"{prefix}_ts": _ts(env),
                             f"{prefix}_pos": env["position"]}))

    def on_connectivity_recorded(self, conn, env):
        d = env["data"]
        self._school_latest(conn, env, "connectivity", {"connectivity": d["status"], "link": d["link"],
                                                        "bandwidth_mbps": d["bandwidth_mbps"]})

    def on_filtering_recorded(self, conn, env):
        self._school_latest(conn, env, "filtering", {"filtering_active": env["data"]["active"]})

    def on_infrastructure_work_recorded(self, conn, env):
        d = env["data"]
        t = self.works
        values = dict(school_code=d["school_code"], kind=d["kind"], status=d["status"], updated_at=env["occurred_at"])
        if not conn.execute(update(t).where(t.c.work_id == d["work_id"]).values(**values)).rowcount:
            conn.execute(insert(t).values(work_id=d["work_id"], **values))

    # ---- assets

    def _index(self, conn, env, asset_ids):
        insert_many(conn, self.asset_events, [{"asset_id": a, "position": env["position"]} for a in asset_ids])

    def _place(self, conn, school_code, asset_ids):
        t = self.placements
        for chunk in chunks(asset_ids, CHUNK):
            known = set(conn.execute(select(t.c.asset_id).where(t.c.school_code == school_code,
                                                                t.c.asset_id.in_(chunk))).scalars())
            new = [{"school_code": school_code, "asset_id": a} for a in chunk if a not in known]
            if new:
                conn.execute(insert(t), new)

    def on_equipment_received(self, conn, env):
        d = env["data"]
        insert_many(conn, self.assets, [dict(
            asset_id=d["asset_id"], serial=d["serial"], serial_key=serial_key(d["serial"]), kind=d["kind"],
            model=d["model"], bundle=d["bundle"], supplier=d["supplier"], delivery_ref=d["delivery_ref"],
            received_at=env["occurred_at"], warranty_months=d["warranty_months"], installed=False,
            in_service=True)])
        self._index(conn, env, [d["asset_id"]])

    def on_equipment_assigned(self, conn, env):
        d = env["data"]
        conn.execute(self._assign_asset, {"a_id": d["asset_id"], "school_code": d["school_code"]})
        self._index(conn, env, [d["asset_id"]])
        self._place(conn, d["school_code"], [d["asset_id"]])

    def on_equipment_installed(self, conn, env):
        d = env["data"]
        conn.execute(update(self.assets).where(self.assets.c.asset_id == d["asset_id"]).values(installed=True))
        self._index(conn, env, [d["asset_id"]])

    def on_equipment_decommissioned(self, conn, env):
        d = env["data"]
        conn.execute(update(self.assets).where(self.assets.c.asset_id == d["asset_id"])
                     .values(in_service=False, decommission_reason=d["reason"]))
        self._index(conn, env, [d["asset_id"]])

    def on_usage_visit_recorded(self, conn, env):
        d = env["data"]
        conn.execute(insert(self.visits).values(
            visit_id=d["visit_id"], school_code=d["school_code"], occurred_at=env["occurred_at"],
            observations=json.dumps(d["observations"]), notes=d["notes"]))
        if not d["observations"]:
            return
        self._index(conn, env, [o["asset_id"] for o in d["observations"]])
        t = self.assets
        for o in d["observations"]:
            row = conn.execute(select(t.c.observation_ts, t.c.observation_pos)
                               .where(t.c.asset_id == o["asset_id"])).first()
            if row is not None and _later(env, row.observation_ts, row.observation_pos):
                conn.execute(update(t).where(t.c.asset_id == o["asset_id"]).values(
                    observation=o["status"], observation_ts=_ts(env), observation_pos=env["position"]))

    # ---- transfers

    def on_transfer_proposed(self, conn, env):
        d = env["data"]
        conn.execute(insert(self.transfers).values(
            transfer_id=d["transfer_id"], status="proposed", asset_ids=json.dumps(d["asset_ids"]),
            from_school=d["from_school"], to_school=d["to_school"], reason=d["reason"], report=d["report"],
            proposed_at=env["occurred_at"], proposed_by=env["actor"]["user"]))
        for chunk in chunks(d["asset_ids"], CHUNK):
            conn.execute(update(self.assets).where(self.assets.c.asset_id.in_(chunk))
                         .values(transfer_id=d["transfer_id"]))
        self._index(conn, env, d["asset_ids"])

    def _transfer_moved(self, conn, env, **values) -> dict | None:
        t = self.transfers
        tid = env["data"]["transfer_id"]
        conn.execute(update(t).where(t.c.transfer_id == tid).values(**values))
        row = conn.execute(select(t).where(t.c.transfer_id == tid)).mappings().first()
        if row is None:
            return None
        row = dict(row)
        row["asset_ids"] = json.loads(row["asset_ids"])
        self._index(conn, env, row["asset_ids"])
        return row

    def on_transfer_approved(self, conn, env):
        self._transfer_moved(conn, env, status="approved", approved_by=env["data"]["approved_by"],
                             decided_at=env["occurred_at"])

    def on_transfer_rejected(self, conn, env):
        row = self._transfer_moved(conn, env, status="rejected", rejection_reason=env["data"]["reason"],
                                   decided_at=env["occurred_at"])
        if row:
            for chunk in chunks(row["asset_ids"], CHUNK):
                conn.execute(update(self.assets).where(self.assets.c.asset_id.in_(chunk),
                                                       self.assets.c.transfer_id == row["transfer_id"])
                             .values(transfer_id=None))

    def on_transfer_completed(self, conn, env):
        row = self._transfer_moved(conn, env, status="completed", completed_at=env["occurred_at"])
        if row:
            for chunk in chunks(row["asset_ids"], CHUNK):
                conn.execute(update(self.assets).where(self.assets.c.asset_id.in_(chunk))
                             .values(school_code=row["to_school"], installed=False, transfer_id=None))
            self._place(conn, row["to_school"], row["asset_ids"])

    # ---- audits

    def on_inventory_audit_completed(self, conn, env):
        d = env["data"]
        ids = [f["asset_id"] for f in d["findings"]]
        kinds = {}
        for chunk in chunks(ids, CHUNK):
            kinds.update(conn.execute(select(self.assets.c.asset_id, self.assets.c.kind)
                                      .where(self.assets.c.asset_id.in_(chunk))).all())
        report = conformity_report(d["findings"], d["unexpected_serials"], kinds)
        report["findings"] = d["findings"]
        report["unexpected_serials"] = d["unexpected_serials"]
        conn.execute(insert(self.audits).values(
            audit_id=d["audit_id"], school_code=d["school_code"], occasion=d["occasion"],
            occurred_at=env["occurred_at"], audited_by=env["actor"]["user"], report=json.dumps(report)))
        if ids:
            self._index(conn, env, ids)

    # ---- queries

    def serial_owners(self, conn, serials) -> dict[str, dict]:
        """For each serial already known in the province, by its key: its asset."""
        keys = sorted({serial_key(s) for s in serials})
        t = self.assets
        owners = {}
        columns = (t.c.serial_key, t.c.asset_id, t.c.kind, t.c.school_code, t.c.delivery_ref, t.c.in_service)
        for chunk in chunks(keys, CHUNK):
            for row in conn.execute(select(*columns).where(t.c.serial_key.in_(chunk))).mappings():
                owners[row["serial_key"]] = dict(row)
        return owners

    def asset_with_serial(self, conn, serial: str) -> str | None:
        return conn.execute(select(self.assets.c.asset_id)
                            .where(self.assets.c.serial_key == serial_key(serial))).scalar()

    def known_assets(self, conn, asset_ids) -> set[str]:
        return _held(conn, self.assets.c.asset_id, asset_ids)

    def known_schools(self, conn, codes) -> set[str]:
        return _held(conn, self.schools.c.school_code, codes)

    def asset_ids_in_service_at(self, conn, code: str) -> list[str]:
        t = self.assets
        return list(conn.execute(select(t.c.asset_id).where(t.c.school_code == code, t.c.in_service.is_(True))
                                 .order_by(t.c.asset_id)).scalars())

    def asset_ids_ever_at(self, conn, code: str) -> list[str]:
        t = self.placements
        return list(conn.execute(select(t.c.asset_id).where(t.c.school_code == code)).scalars())

    def serials_of(self, conn, asset_ids) -> dict[str, str]:
        """{asset_id: serial} of the assets received among `asset_ids`."""
        t, out = self.assets, {}
        for chunk in chunks(list(dict.fromkeys(asset_ids)), CHUNK):
            out.update(conn.execute(select(t.c.asset_id, t.c.serial).where(t.c.asset_id.in_(chunk))).all())
        return out

    def asset(self, conn, asset_id: str) -> dict | None:
        row = conn.execute(select(self.assets).where(self.assets.c.asset_id == asset_id)).mappings().first()
        return _asset_row(row) if row else None

    def school(self, conn, code: str) -> dict | None:
        row = conn.execute(select(self.schools).where(self.schools.c.school_code == code)).mappings().first()
        if row is None:
            return None
        school = _school_row(row)
        c = self.censuses
        school["censuses"] = [
            {"school_year": r.school_year, "pupils": r.pupils, "teachers": r.teachers, "recorded_at": r.recorded_at}
            for r in conn.execute(select(c).where(c.c.school_code == code).order_by(c.c.school_year))]
        school["infrastructure_works"] = self.works_at(conn, code)
        school["equipment_in_service"] = len(self.asset_ids_in_service_at(conn, code))
        return school

    def schools_list(self, conn) -> list[dict]:
        return [_school_row(r) for r in conn.execute(select(self.schools).order_by(self.schools.c.school_code))
                .mappings()]

    def assets_at(self, conn, code: str) -> list[dict]:
        """The equipment in service at a school now."""
        t = self.assets
        rows = conn.execute(select(t).where(t.c.school_code == code, t.c.in_service.is_(True))
                            .order_by(t.c.asset_id)).mappings()
        return [_asset_row(r) for r in rows]

    def all_assets(self, conn, school_codes: list[str] | None = None, status: str | None = None) -> list[dict]:
        """Every asset the province ever received (or those now at these schools), with its last observation
        at a visit. `status` narrows them to the rows that can have it (the register's `status_of` decides)."""
        t = self.assets
        q = select(t.c.asset_id, t.c.serial, t.c.kind, t.c.model, t.c.bundle, t.c.supplier, t.c.delivery_ref,
                   t.c.received_at, t.c.warranty_months, t.c.school_code, t.c.installed, t.c.in_service,
                   t.c.transfer_id, t.c.observation)
        if school_codes is not None:
            q = q.where(t.c.school_code.in_(school_codes))
        if status == "decommissioned":
            q = q.where(t.c.in_service.is_(False))
        elif status == "in_stock":
            q = q.where(t.c.in_service.is_(True), t.c.school_code.is_(None))
        elif status in ("unused", "broken"):
            q = q.where(t.c.in_service.is_(True), t.c.school_code.is_not(None), t.c.observation == status)
        elif status is not None:
            q = q.where(t.c.in_service.is_(True), t.c.school_code.is_not(None))
        return [dict(r) for r in conn.execute(q).mappings()]

    def transfers_list(self, conn, open_only: bool = True, school_code: str | None = None) -> list[dict]:
        t = self.transfers
        q = select(t).order_by(t.c.proposed_at, t.c.transfer_id)
        if open_only:
            q = q.where(t.c.status.in_(("proposed", "approved")))
        if school_code:
            q = q.where((t.c.from_school == school_code) | (t.c.to_school == school_code))
        return [dict(r, asset_ids=json.loads(r["asset_ids"])) for r in conn.execute(q).mappings()]

    def transfer(self, conn, transfer_id: str) -> dict | None:
        t = self.transfers
        row = conn.execute(select(t).where(t.c.transfer_id == transfer_id)).mappings().first()
        return dict(row, asset_ids=json.loads(row["asset_ids"])) if row else None

    def audit_reports(self, conn, school_code: str | None = None, audit_id: str | None = None) -> list[dict]:
        t = self.audits
        q = select(t).order_by(t.c.occurred_at, t.c.audit_id)
        if school_code:
            q = q.where(t.c.school_code == school_code)
        if audit_id:
            q = q.where(t.c.audit_id == audit_id)
        reports = []
        for r in conn.execute(q).mappings():
            report = json.loads(r["report"])
            owners = self.serial_owners(conn, report["unexpected_serials"])
            # What an unexpected serial is on record as, if anything, today.
            report["unexpected_serials"] = [
                {"serial": s, "known_as": owner.get("asset_id"), "kind": owner.get("kind"),
                 "on_record_at": owner.get("school_code")}
                for s, owner in ((s, owners.get(serial_key(s), {})) for s in report["unexpected_serials"])]
            reports.append({"audit_id": r["audit_id"], "school_code": r["school_code"], "occasion": r["occasion"],
                            "occurred_at": r["occurred_at"], "audited_by": r["audited_by"], **report})
        return reports

    def visits_at(self, conn, code: str) -> list[dict]:
        t = self.visits
        return [dict(r, observations=json.loads(r["observations"]))
                for r in conn.execute(select(t).where(t.c.school_code == code).order_by(t.c.occurred_at)).mappings()]

    def last_visits(self, conn) -> dict[str, str]:
        """Each visited school's latest follow-up visit (its occurred_at)."""
        t = self.visits
        rows = conn.execute(select(t.c.school_code, func.max(t.c.occurred_at)).group_by(t.c.school_code)).all()
        return {code: at for code, at in rows}

    def works_at(self, conn, code: str | None = None) -> list[dict]:
        t = self.works
        q = select(t).order_by(t.c.school_code, t.c.work_id)
        if code:
            q = q.where(t.c.school_code == code)
        return [dict(r) for r in conn.execute(q).mappings()]


def _held(conn, column, values) -> set:
    """Those of `values` that `column` holds, asked a chunk at a time."""
    found = set()
    for chunk in chunks(set(values), CHUNK):
        found.update(conn.execute(select(column).where(column.in_(chunk))).scalars())
    return found


def _asset_row(row) -> dict:
    r = dict(row)
    for k in ("serial_key", "observation_ts", "observation_pos"):
        r.pop(k, None)
    return r


def _school_row(row) -> dict:
    r = dict(row)
    for k in ("connectivity_ts", "connectivity_pos", "filtering_ts", "filtering_pos"):
        r.pop(k, None)
    return r
