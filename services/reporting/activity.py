"""The activity log: who did what and when, in every source, as a table of reporting's read model.

One row per event of any source (`activity`), and one per school an event names (`activity_schools`).
Both are flows: written as the events come, the same in a rebuild as live. Filtering by school also
finds the events that name only a fault or a transfer of that school (a claim, an approval), through
reporting's own fault and transfer tables, so the answer does not depend on the order of arrival.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import orjson
from sqlalchemy import Index, MetaData, Table, and_, func, or_, select
from sqlalchemy.engine import Connection

from shared.columns import instant, key, label, ref, text, timestamp, user
from shared.errors import InvalidCommand

from .model import PLACE_BITS, placed
from .periods import CASABLANCA

PLACE_MASK = (1 << PLACE_BITS) - 1  # a row's position in its own log

# The field that names what an event is about, in the order they are looked for.
SUBJECTS = ("transfer_id", "fault_id", "audit_id", "visit_id", "committee_id", "workshop_id", "project_id",
            "practice_id", "dysfunction_id", "research_id", "session_id", "training_id", "resource_id",
            "work_id", "asset_id", "school_code")
SCHOOL_FIELDS = ("school_code", "from_school", "to_school")
MOST = 1000  # entries one answer holds at most
EXPORT_MOST = 20000


class ActivityTables:
    """Mixed into reporting's projection: its two tables, and the rows one event makes."""

    def define_activity(self, md: MetaData) -> None:
        def of_an_event():
            """Which event a row comes from (its source, and where it stands), and when."""
            return [key("source", 20), *placed(), timestamp("at")]

        self.activity = Table(
            "activity", md,
            *of_an_event(),
            label("event_type", 60),
            user("actor", 80),
            label("role", 40),
            ref("subject", 80, optional=True),
            ref("province_code"),
            instant("occurred_at"),
            text("data"),
            Index("ix_activity_at", "at"),
            Index("ix_activity_actor", "actor", "at"),
            Index("ix_activity_subject", "subject"),
        )
        # `school`, not `school_code`: these rows change no indicator, so they must not empty its caches.
        self.activity_schools = Table(
            "activity_schools", md,
            *of_an_event(),
            ref("school"),
            Index("ix_activity_schools_school", "school", "at"),
        )

    def note_activity(self, b, env: dict) -> None:
        d = env["data"]
        actor = env.get("actor") or {}
        b.flow(self.activity, source=env["source"], event_type=env["event_type"],
               actor=str(actor.get("user", "system")), role=str(actor.get("role", "system")),
               subject=subject_of(d), province_code=env["province_code"], occurred_at=env["occurred_at"],
               data=orjson.dumps(d, option=orjson.OPT_SORT_KEYS, default=str).decode())
        for seq, code in enumerate(schools_named(d)):
            b.flow(self.activity_schools, source=env["source"], school=code, seq=seq)


def subject_of(data: dict) -> str | None:
    for name in SUBJECTS:
        value = data.get(name)
        if isinstance(value, str) and value:
            return value[:80]
    return None


def schools_named(data: dict) -> list[str]:
    codes = [data[f] for f in SCHOOL_FIELDS if isinstance(data.get(f), str) and data[f]]
    codes += [c for c in data.get("school_codes") or () if isinstance(c, str) and c]
    return list(dict.fromkeys(codes))


# ---------------------------------------------------------------------- reading

@dataclass(frozen=True)
class Filters:
    user: str | None = None
    school: str | None = None
    axis: str | None = None
    kind: str | None = None
    since: date | None = None
    until: date | None = None

    @classmethod
    def parse(cls, raw: dict | None) -> "Filters":
        raw = {k: v for k, v in (raw or {}).items() if v not in (None, "")}
        errors = {}
        days = {}
        for name in ("since", "until"):
            if name in raw:
                try:
                    days[name] = date.fromisoformat(str(raw[name]))
                except ValueError:
                    errors[name] = ["Not a date (YYYY-MM-DD)."]
        if "axis" in raw and raw["axis"] not in AXES:
            errors["axis"] = [f"Must be one of {', '.join(AXES)}."]
        if days.get("since") and days.get("until") and days["since"] > days["until"]:
            errors["until"] = ["Must not be before the start date."]
        unknown = set(raw) - {"user", "school", "axis", "kind", "since", "until"}
        for name in sorted(unknown):
            errors[name] = ["Unknown filter."]
        if errors:
            raise InvalidCommand(errors)
        return cls(user=raw.get("user"), school=raw.get("school"), axis=raw.get("axis"), kind=raw.get("kind"),
                   since=days.get("since"), until=days.get("until"))


AXES = ("inventory", "maintenance", "resources", "training")


def _day_start(day: date) -> float:
    return datetime.combine(day, time(0), CASABLANCA).timestamp()


def _in_scope(p, scope: str):
    """The condition that keeps the rows a scope reads: a province's, a region's provinces', a school's."""
    a = p.activity
    kind, _, code = scope.partition(":")
    if scope == "all":
        return None
    if kind == "province":
        return a.c.province_code == code
    if kind == "region":
        provinces = select(p.schools.c.province_code).where(p.schools.c.region_code == code).distinct()
        return a.c.province_code.in_(provinces)
    if kind == "school":
        return _about_school(p, code)
    raise InvalidCommand({"scope": ["Must be all, region:<code>, province:<code> or school:<code>."]})


def _about_school(p, code: str):
    a, s, f, t = p.activity, p.activity_schools, p.faults, p.transfers
    named = select(s.c.position).where(s.c.source == a.c.source, s.c.position == a.c.position,
                                       s.c.school == code).exists()
    return or_(named,
               and_(a.c.source == "maintenance",
                    a.c.subject.in_(select(f.c.fault_id).where(f.c.school_code == code))),
               and_(a.c.source == "inventory",
                    a.c.subject.in_(select(t.c.transfer_id).where(or_(t.c.from_school == code,
                                                                      t.c.to_school == code)))))


def entries(conn: Connection, p, scope: str, filters: Filters, limit: int = 100, offset: int = 0) -> dict:
    """The scope's entries that pass the filters, newest first, with what is needed to say them in words:
    the schools each names (both names), and for a transfer its schools and number of items."""
    a = p.activity
    conditions = [c for c in (_in_scope(p, scope),) if c is not None]
    if filters.user:
        conditions.append(a.c.actor == filters.user)
    if filters.axis:
        conditions.append(a.c.source == filters.axis)
    if filters.kind:
        conditions.append(a.c.event_type == filters.kind)
    if filters.since:
        conditions.append(a.c.at >= _day_start(filters.since))
    if filters.until:
        conditions.append(a.c.at < _day_start(filters.until + timedelta(days=1)))
    if filters.school:
        conditions.append(_about_school(p, filters.school))
    where = and_(*conditions) if conditions else None
    count = select(func.count()).select_from(a)
    query = select(a).order_by(a.c.at.desc(), a.c.source, a.c.position.desc()).limit(limit).offset(offset)
    if where is not None:
        count, query = count.where(where), query.where(where)
    total = conn.execute(count).scalar_one()
    rows = [dict(r) for r in conn.execute(query).mappings()]
    return {"total": total, "offset": offset, "entries": _described(conn, p, rows)}


def _described(conn, p, rows: list[dict]) -> list[dict]:
    datas = [json.loads(r["data"]) for r in rows]
    transfer_ids = {r["subject"] for r in rows if r["event_type"].startswith("transfer_") and r["subject"]}
    transfers = {}
    if transfer_ids:
        t = p.transfers
        for r in conn.execute(select(t).where(t.c.transfer_id.in_(transfer_ids))).mappings():
            transfers[r["transfer_id"]] = {"from_school": r["from_school"], "to_school": r["to_school"],
                                           "items": len(json.loads(r["asset_ids"]))}
    fault_ids = {r["subject"] for r in rows if r["source"] == "maintenance" and r["subject"]}
    faults = {}
    if fault_ids:
        f = p.faults
        faults = {r.fault_id: r.school_code for r in
                  conn.execute(select(f.c.fault_id, f.c.school_code).where(f.c.fault_id.in_(fault_ids)))}
    out = []
    for r, d in zip(rows, datas):
        codes = schools_named(d)
        transfer = transfers.get(r["subject"]) if r["event_type"].startswith("transfer_") else None
        if transfer:
            codes += [c for c in (transfer["from_school"], transfer["to_school"]) if c and c not in codes]
        if r["source"] == "maintenance" and faults.get(r["subject"]) and faults[r["subject"]] not in codes:
            codes.append(faults[r["subject"]])
        out.append({"source": r["source"], "province_code": r["province_code"],
                    "position": r["position"] & PLACE_MASK, "occurred_at": r["occurred_at"],
                    "event_type": r["event_type"], "actor": {"user": r["actor"], "role": r["role"]},
                    "subject": r["subject"], "school_codes": codes, "transfer": transfer, "data": d})
    names = _school_names(conn, p, {c for e in out for c in e["school_codes"]})
    for e in out:
        e["schools"] = [names.get(c, {"school_code": c, "name_ar": None, "name_fr": None})
                        for c in e.pop("school_codes")]
    return out


def _school_names(conn, p, codes) -> dict:
    if not codes:
        return {}
    s = p.schools
    return {r.school_code: {"school_code": r.school_code, "name_ar": r.name_ar, "name_fr": r.name_fr}
            for r in conn.execute(select(s.c.school_code, s.c.name_ar, s.c.name_fr)
                                  .where(s.c.school_code.in_(codes)))}


def people(conn: Connection, p, scope: str) -> list[str]:
    """Who appears in the scope's log (for the person filter)."""
    a = p.activity
    query = select(a.c.actor).distinct().order_by(a.c.actor)
    condition = _in_scope(p, scope)
    if condition is not None:
        query = query.where(condition)
    return list(conn.execute(query).scalars())
