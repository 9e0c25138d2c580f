"""Reporting at national scale: 11,000 schools, 1,000,000 events.

    python benchmarks/reporting_national.py [--events N] [--schools N] [--database URL] [--queries N]

1. Generates the four sources' logs (SQLite event stores, every event checked by the catalogue's
   schemas as a producer's would be), in a child process, cached in --workdir.
2. In a fresh process (so its memory is reporting's alone): rebuilds the read model from those logs
   (the `genie rebuild reporting` path, reading the logs through `events_since` in pages of 5000),
   then times `indicators` for scope all, a province, a school, a region, and the per-school
   breakdown of a province, and prints the process's resident memory.
Also times the live path (the projector catching up page by page) on the first events.

`--tier national` measures the national tier instead: the same events split into each province's own logs
(80 provinces x 4 sources, positions per province, as the provinces record them), read by a projector that
keeps its positions per province and source; it prints the rebuild rate beside the raw read rate of the same
rows in the same run and beside what writing the rebuilt rows costs the database alone (its own copy of them, and
their indexes), and the p95 of `indicators` for all, a region and a province, asked afresh and memoised.
Prints numbers; asserts nothing about time.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from shared.catalogue import registry  # noqa: E402
from shared.config import SOURCES  # noqa: E402
from shared.db import make_engine  # noqa: E402
from shared.events import Event  # noqa: E402
from shared.store import EventStore  # noqa: E402

START = datetime(2024, 8, 20, tzinfo=timezone.utc)
END = datetime(2026, 11, 15, tzinfo=timezone.utc)
SPAN = (END - START).total_seconds()
KINDS = [("desktop", 50), ("laptop", 25), ("projector", 10), ("tablet", 5), ("printer", 4), ("router", 3),
         ("interactive_whiteboard", 2), ("server", 1)]


# ---------------------------------------------------------------------- generating

class Logs:
    """The four logs being written, in the order things happen."""

    def __init__(self, workdir: Path, target: int):
        self.target = target
        self.pending = {s: [] for s in SOURCES}
        self.count = 0
        self.versions = {}

    def add(self, event_type, when: datetime, stream: str, province: str, data: dict):
        kind = registry.get(event_type)
        registry.check_new(kind.source, Event(event_type, data))
        self.pending[kind.source].append((when, event_type, stream, province, data))
        self.count += 1


def _when(rng, after=None, days=None):
    if after is None:
        return START + timedelta(seconds=rng.random() * SPAN)
    return min(END, after + timedelta(seconds=rng.random() * days * 86400))


def _n(rng, mean):
    """A count with the given mean."""
    whole = int(mean)
    return whole + (1 if rng.random() < mean - whole else 0)


def generate(workdir: Path, events: int, schools: int, seed: int = 2025) -> None:
    rng = random.Random(seed)
    logs = Logs(workdir, events)
    provinces = [f"P{i:02d}" for i in range(80)]
    kinds = [k for k, w in KINDS for _ in range(w)]
    # Scale 1 makes about 59 events a school, all sources together.
    f = events / (schools * 59)
    by_province = {p: [] for p in provinces}
    codes = []
    for i in range(schools):
        province = provinces[i % len(provinces)]
        code = f"{province}{i:05d}"
        by_province[province].append(code)
        codes.append((code, province))
        logs.add("school_registered", START + timedelta(hours=rng.random() * 200), f"school:{code}", province,
                 {"school_code": code, "name_ar": f"مؤسسة {i}", "name_fr": f"École {i}",
                  "cycle": rng.choice(["primary", "middle", "secondary"]), "setting": rng.choice(["urban", "rural"]),
                  "commune": f"Commune {i % 500}", "province_code": province,
                  "region_code": f"R{provinces.index(province) % 12:02d}"})
    for year, day in (("2024-2025", datetime(2024, 9, 20, tzinfo=timezone.utc)),
                      ("2025-2026", datetime(2025, 9, 20, tzinfo=timezone.utc))):
        for code, province in codes:
            logs.add("school_census_recorded", day + timedelta(hours=rng.random() * 400), f"school:{code}", province,
                     {"school_code": code, "school_year": year, "pupils": rng.randint(80, 1500),
                      "teachers": rng.randint(4, 60)})

    staff = {}  # school -> staff ids
    rng.shuffle(codes)
    for code, province in codes:
        assets = []
        for _ in range(_n(rng, 12 * f)):
            asset = uuid.uuid4().hex[:16]
            kind = rng.choice(kinds)
            bundle = "smm" if kind == "desktop" and rng.random() < 0.6 else (
                "vmm" if kind in ("laptop", "projector") and rng.random() < 0.5 else "none")
            t = _when(rng)
            logs.add("equipment_received", t, f"asset:{asset}", province,
                     {"asset_id": asset, "kind": kind, "serial": f"SN{asset}", "model": "M", "supplier": "Maroc Info",
                      "delivery_ref": "BL", "warranty_months": 24, "bundle": bundle})
            t = _when(rng, t, 10)
            logs.add("equipment_assigned", t, f"asset:{asset}", province, {"asset_id": asset, "school_code": code})
            if rng.random() < 0.5:
                logs.add("equipment_installed", _when(rng, t, 20), f"asset:{asset}", province,
                         {"asset_id": asset, "school_code": code})
            if rng.random() < 0.03:
                logs.add("equipment_decommissioned", _when(rng, t, 400), f"asset:{asset}", province,
                         {"asset_id": asset, "reason": "broken"})
            assets.append((asset, t))
        if assets and rng.random() < 0.1 * f:
            moved = [a for a, _ in rng.sample(assets, min(2, len(assets)))]
            to = rng.choice(by_province[province])
            transfer = uuid.uuid4().hex[:16]
            t = _when(rng, max(t for _, t in assets), 200)
            for event_type, extra in (("transfer_proposed", {"asset_ids": moved, "from_school": code, "to_school": to,
                                                             "reason": "unused", "report": "visit"}),
                                      ("transfer_approved", {"approved_by": "coordinator"}),
                                      ("transfer_completed", {})):
                logs.add(event_type, t, f"transfer:{transfer}", province, {"transfer_id": transfer, **extra})
                t = _when(rng, t, 15)
        for _ in range(_n(rng, 4 * f)):
            if not assets:
                break
            seen = rng.sample(assets, min(5, len(assets)))
            visit = uuid.uuid4().hex[:16]
            logs.add("usage_visit_recorded", _when(rng), f"visit:{visit}", province,
                     {"visit_id": visit, "school_code": code, "notes": "",
                      "observations": [{"asset_id": a, "status": rng.choice(["in_use", "in_use", "unused", "broken",
                                                                              "missing"])} for a, _ in seen]})
        for _ in range(_n(rng, 1 * f)):
            audit = uuid.uuid4().hex[:16]
            logs.add("inventory_audit_completed", _when(rng), f"audit:{audit}", province,
                     {"audit_id": audit, "school_code": code, "occasion": "annual", "unexpected_serials": [],
                      "findings": [{"asset_id": a, "status": rng.choice(["present"] * 8 + ["missing", "damaged"])}
                                   for a, _ in assets[:10]]})
        for _ in range(_n(rng, 2 * f)):
            logs.add("connectivity_recorded", _when(rng), f"school:{code}", province,
                     {"school_code": code, "status": rng.choice(["connected", "connected", "disconnected"]),
                      "link": "adsl", "bandwidth_mbps": 8.0})
        for _ in range(_n(rng, 1 * f)):
            logs.add("filtering_recorded", _when(rng), f"school:{code}", province,
                     {"school_code": code, "active": rng.random() < 0.7})
        for _ in range(_n(rng, 3 * f)):
            if not assets:
                break
            asset, t = rng.choice(assets)
            fault = uuid.uuid4().hex[:16]
            t = _when(rng, t, 300)
            logs.add("fault_declared", t, f"fault:{fault}", province,
                     {"fault_id": fault, "asset_id": asset, "school_code": code, "symptom": "ne démarre pas",
                      "under_warranty": rng.random() < 0.4})
            if rng.random() < 0.5:
                t = _when(rng, t, 10)
                logs.add("repair_completed", t, f"fault:{fault}", province,
                         {"fault_id": fault, "action": "carte mère", "under_warranty": False, "cost_mad": 300.0})
            if rng.random() < 0.8:
                logs.add("fault_closed", _when(rng, t, 40), f"fault:{fault}", province,
                         {"fault_id": fault, "resolution": rng.choice(["repaired", "repaired", "replaced",
                                                                       "not_reproducible", "cancelled"])})
        for _ in range(_n(rng, 4 * f)):
            end = _when(rng).date()
            logs.add("resource_usage_recorded", datetime.combine(end, datetime.min.time(), timezone.utc)
                     + timedelta(days=rng.randint(1, 10)), f"usage:{code}", province,
                     {"school_code": code, "resource_id": f"RS{rng.randint(0, 4000)}",
                      "period_start": (end - timedelta(days=30)).isoformat(), "period_end": end.isoformat(),
                      "uses": rng.randint(0, 60), "teachers": rng.randint(0, 10)})
        if rng.random() < 0.5 * f:
            d = uuid.uuid4().hex[:16]
            t = _when(rng)
            logs.add("dysfunction_reported", t, f"dysfunction:{d}", province,
                     {"dysfunction_id": d, "school_code": code, "description": "pas de câble"})
            if rng.random() < 0.6:
                logs.add("dysfunction_resolved", _when(rng, t, 60), f"dysfunction:{d}", province,
                         {"dysfunction_id": d, "resolution": "réglé"})
        staff[code] = [f"{code}-T{n}" for n in range(3)]

    # Province-level activity: resources, committees, workshops, trainings.
    for province in provinces:
        schools_here = by_province[province]
        for _ in range(_n(rng, 40 * f)):
            r = uuid.uuid4().hex[:16]
            t = _when(rng)
            logs.add("resource_received", t, f"resource:{r}", province,
                     {"resource_id": r, "title": "Fractions", "subject": "math", "levels": ["5AEP"],
                      "format": "video", "origin": "directorate"})
            for _ in range(2):
                logs.add("resource_distributed", _when(rng, t, 90), f"resource:{r}", province,
                         {"resource_id": r, "school_codes": rng.sample(schools_here, min(10, len(schools_here))),
                          "channel": "usb"})
        for _ in range(_n(rng, 8 * f)):
            w = uuid.uuid4().hex[:16]
            logs.add("awareness_workshop_held", _when(rng), f"workshop:{w}", province,
                     {"workshop_id": w, "school_codes": rng.sample(schools_here, min(5, len(schools_here))),
                      "participants": 25, "topic": "ressources"})
        for _ in range(_n(rng, 4 * f)):
            c = uuid.uuid4().hex[:16]
            logs.add("validation_committee_held", _when(rng), f"committee:{c}", province,
                     {"committee_id": c, "members": ["m1", "m2", "m3"],
                      "decisions": [{"resource_id": f"RL{rng.randint(0, 999)}",
                                     "decision": rng.choice(["approved", "rejected", "revision"]), "remarks": ""}
                                    for _ in range(6)]})
        for _ in range(_n(rng, 12 * f)):
            training = uuid.uuid4().hex[:16]
            t = _when(rng)
            year = f"{t.year}-{t.year + 1}" if t.month >= 9 else f"{t.year - 1}-{t.year}"
            logs.add("training_planned", t, f"training:{training}", province,
                     {"training_id": training, "title": "TICE", "modality": rng.choice(["in_person", "certifying"]),
                      "audience": "teachers", "planned_participants": 20, "school_year": year})
            for _ in range(3):
                session = uuid.uuid4().hex[:16]
                starts = _when(rng, t, 60)
                logs.add("session_scheduled", starts - timedelta(days=7), f"session:{session}", province,
                         {"session_id": session, "training_id": training, "starts_on": starts.date().isoformat(),
                          "ends_on": (starts + timedelta(days=1)).date().isoformat(), "hours": 12.0,
                          "venue": "CRMEF"})
                invited = []
                for school in rng.sample(schools_here, min(6, len(schools_here))):
                    member = rng.choice(staff.get(school) or [f"{school}-T0"])
                    invited.append(member)
                    logs.add("participant_invited", starts - timedelta(days=6), f"session:{session}", province,
                             {"session_id": session, "staff_id": member, "name": member, "role": "teacher",
                              "school_code": school})
                for day in range(2):
                    for member in invited:
                        logs.add("attendance_recorded", starts + timedelta(days=day, hours=8), f"session:{session}",
                                 province, {"session_id": session, "staff_id": member,
                                            "day": (starts + timedelta(days=day)).date().isoformat(),
                                            "status": rng.choice(["present"] * 8 + ["absent", "excused"])})
                if rng.random() < 0.85:
                    logs.add("session_completed", starts + timedelta(days=1, hours=10), f"session:{session}",
                             province, {"session_id": session})
                    for member in invited[:2]:
                        logs.add("certification_awarded", starts + timedelta(days=20), f"training:{training}",
                                 province, {"training_id": training, "staff_id": member,
                                            "certificate_no": uuid.uuid4().hex[:10]})
    _write(workdir, logs, rng)


def _write(workdir: Path, logs: Logs, rng) -> None:
    """Positions follow the order things happened, but for 1% recorded later (backdated)."""
    for source in SOURCES:
        pending = logs.pending[source]
        pending.sort(key=lambda e: e[0])
        late = [i for i in range(len(pending)) if rng.random() < 0.01]
        late_set = set(late)
        ordered = [e for i, e in enumerate(pending) if i not in late_set] + [pending[i] for i in late]
        store = EventStore(make_engine(f"sqlite:///{workdir / (source + '.db')}"), source, "MA", registry)
        store.create_schema()
        versions = {}
        rows = []
        recorded = END.isoformat()
        for position, (when, event_type, stream, province, data) in enumerate(ordered, start=1):
            versions[stream] = versions.get(stream, 0) + 1
            env = {"event_id": str(uuid.uuid4()), "event_type": event_type, "schema_version": 1, "source": source,
                   "position": position, "stream_id": stream, "stream_version": versions[stream],
                   "province_code": province, "occurred_at": when.isoformat(), "recorded_at": recorded,
                   "actor": {"user": "bench", "role": "coordinator"}, "correlation_id": str(uuid.uuid4()),
                   "causation_id": None, "data": data}
            rows.append({"position": position, "event_id": env["event_id"], "event_type": event_type,
                         "stream_id": stream, "stream_version": versions[stream], "occurred_at": env["occurred_at"],
                         "envelope": json.dumps(env, ensure_ascii=False, separators=(",", ":"))})
            if len(rows) == 20000:
                with store.engine.begin() as conn:
                    conn.execute(store.events.insert(), rows)
                rows = []
        if rows:
            with store.engine.begin() as conn:
                conn.execute(store.events.insert(), rows)
        store.engine.dispose()
        print(f"  {source}: {len(ordered)} events", flush=True)


def split_by_province(workdir: Path) -> Path:
    """Each province's own logs (`<province>-<source>.db`), made once from the four logs: the events of one
    province in the order of its source's log, numbered 1, 2, 3 … as that province recorded them."""
    folder = workdir / "provinces"
    if (folder / "done").exists():
        return folder
    folder.mkdir(exist_ok=True)
    for source in SOURCES:
        store = EventStore(make_engine(f"sqlite:///{workdir / (source + '.db')}"), source, "MA", registry)
        pending: dict[str, list] = {}
        after = 0
        while True:
            page = store.events_since(after, 5000)
            for env in page:
                pending.setdefault(env["province_code"], []).append(env)
            if len(page) < 5000:
                break
            after = page[-1]["position"]
        store.engine.dispose()
        for province, envelopes in pending.items():
            target = EventStore(make_engine(f"sqlite:///{folder / f'{province}-{source}.db'}"), source, province,
                                registry)
            target.create_schema()
            rows = []
            for position, env in enumerate(envelopes, start=1):
                env["position"] = position
                rows.append({"position": position, "event_id": env["event_id"], "event_type": env["event_type"],
                             "stream_id": env["stream_id"], "stream_version": env["stream_version"],
                             "occurred_at": env["occurred_at"],
                             "envelope": json.dumps(env, ensure_ascii=False, separators=(",", ":"))})
            with target.engine.begin() as conn:
                conn.execute(target.events.insert(), rows)
            target.engine.dispose()
        print(f"  {source}: split into {len(pending)} provinces", flush=True)
    (folder / "done").touch()
    return folder


def measure_national(workdir: Path, database: str, queries: int) -> None:
    """The national tier: a projector fed by every province's logs, positions per province and source."""
    from sqlalchemy import select

    from shared.projector import Projector, feed_key, split_feed
    from services.reporting import indicators as ind
    from services.reporting import replay
    from services.reporting.periods import parse_period, parse_scope
    from services.reporting.projections import IndicatorsProjection

    folder = split_by_province(workdir)
    stores = {}
    for path in sorted(folder.glob("*.db")):
        province, source = path.stem.split("-", 1)
        stores[feed_key(province, source)] = EventStore(make_engine(f"sqlite:///{path}"), source, province, registry)
    provinces = sorted({split_feed(f)[0] for f in stores})

    def fetch(feed, after, limit):
        return stores[feed].events_since(after, limit) if feed in stores else []

    # The raw read rate: the same pages of the same rows, read and parsed, nothing applied.
    started, read = time.perf_counter(), 0
    for feed in stores:
        after = 0
        while True:
            page = fetch(feed, after, replay.PAGE)
            read += len(page)
            if len(page) < replay.PAGE:
                break
            after = page[-1]["position"]
    raw = read / (time.perf_counter() - started)
    print(f"national tier: {len(provinces)} provinces, {len(stores)} logs, {read:,} events")
    print(f"reporting database: {database.split('@')[-1]}")
    print(f"raw read of the same rows (events_since pages, parsed): {raw:,.0f} events/s")

    projection = IndicatorsProjection()
    projector = Projector(projection, make_engine(database), registry, fetch, page_size=replay.PAGE,
                          provinces=lambda: provinces)
    projector.setup()
    projector.add_feeds(provinces)
    stats = {}
    started = time.perf_counter()
    applied = replay.rebuild(projector, stats)
    took = time.perf_counter() - started
    print(f"rebuild: {applied:,} events in {took:.1f} s = {applied / took:,.0f} events/s, "
          f"{applied / took / raw:.2f}x the raw read (deriving states {stats['derive_seconds']:.1f} s, "
          f"indexes and statistics {stats['index_seconds']:.1f} s, then VACUUM {stats['vacuum_seconds']:.1f} s); "
          f"memory {rss()} MiB")
    assert sum(projector.positions.values()) == read, "the rebuild read every province's log to its end"
    rows, copied, indexed = write_floor(projector.engine, projection)
    floor = copied + indexed
    print(f"the database writing the rebuilt model's {rows:,} rows itself (a copy, no Python per row): "
          f"{copied:.1f} s, then its indexes {indexed:.1f} s: a rebuild could not beat {applied / floor:,.0f} "
          f"events/s for writing alone, nor {applied / (floor + applied / raw):,.0f}/s for reading and writing "
          f"one after the other")

    with projector.engine.connect() as conn:
        s = projection.schools
        regions = sorted({r[0] for r in conn.execute(select(s.c.region_code))})
    memo = ind.Memo()
    projection.listeners.append(memo.on_change)
    rng = random.Random(1)
    now = datetime.now(timezone.utc)

    def ask(scope, period, use_memo):
        started = time.perf_counter()
        with projector.engine.connect() as conn:
            ind.answer(conn, projection, parse_scope(scope), parse_period(period), projector.positions, now=now,
                       memo=memo if use_memo else None)
        return (time.perf_counter() - started) * 1000

    print("indicators, p50 / p95 (target: each p95 under 200 ms):")
    for period in ("2025-2026", "2026-2027"):
        ask("all", period, True)  # the memo's first question fills it; not counted
        for label, pick in (("all", lambda: "all"), ("region", lambda: f"region:{rng.choice(regions)}"),
                            ("province", lambda: f"province:{rng.choice(provinces)}")):
            for how, use_memo in (("afresh", False), ("memoised", True)):
                times = [ask(pick(), period, use_memo) for _ in range(queries if use_memo or label != "all" else 5)]
                print(f"  {label:8} {period:10} {how:9} p50 {statistics.median(times):7.1f} ms  "
                      f"p95 {pct(times, 95):7.1f} ms  (n={len(times)})", flush=True)
    print(f"memory at the end: {rss()} MiB")


# ---------------------------------------------------------------------- measuring

def write_floor(engine, projection) -> tuple[int, float, float]:
    """What writing the model costs the database alone: its rows copied by the database into empty tables of the
    same shape (INSERT ... SELECT), then the same indexes made; all dropped afterwards. Returns the rows and the
    seconds of each step."""
    from sqlalchemy import MetaData, func, select
    from sqlalchemy.schema import CreateIndex, CreateTable

    sqlite = engine.dialect.name == "sqlite"
    spare = Path(tempfile.mkdtemp()) / "floor.db"
    with engine.connect() as conn:
        conn.exec_driver_sql(f"ATTACH DATABASE '{spare}' AS floor" if sqlite else "CREATE SCHEMA floor")
        conn.commit()
        copies = MetaData(schema="floor")
        tables = [(t, t.to_metadata(copies)) for t in projection.metadata.sorted_tables]
        rows = sum(conn.execute(select(func.count()).select_from(t)).scalar_one() for t, _ in tables)
        for _, copy in tables:
            conn.execute(CreateTable(copy))
        started = time.perf_counter()
        for table, copy in tables:
            conn.execute(copy.insert().from_select(list(table.c.keys()), select(table)))
        copied = time.perf_counter() - started
        started = time.perf_counter()
        for _, copy in tables:
            for index in copy.indexes:
                conn.execute(CreateIndex(index))
        indexed = time.perf_counter() - started
        conn.rollback()  # nothing of it kept
        if sqlite:  # outside any transaction, which SQLAlchemy would begin
            conn.connection.driver_connection.execute("DETACH DATABASE floor")
        else:
            conn.exec_driver_sql("DROP SCHEMA floor CASCADE")
            conn.commit()
    spare.unlink(missing_ok=True)
    return rows, copied, indexed


def rss() -> dict:
    """Resident memory: at its peak, now, and now the process's own (RssAnon: without the database files'
    pages that SQLite reads mapped, which the operating system shares and takes back at need)."""
    out = {}
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(("VmRSS", "VmHWM", "RssAnon")):
                name, value = line.split(":")
                out[name] = int(value.split()[0]) // 1024
    return out


def pct(samples, q):
    samples = sorted(samples)
    return samples[min(len(samples) - 1, int(round(q / 100 * (len(samples) - 1))))]


def measure(workdir: Path, database: str, queries: int, live_sample: int, only: str = "all") -> None:
    from shared.projector import Projector
    from services.reporting import indicators as ind
    from services.reporting import replay
    from services.reporting.periods import parse_period, parse_scope
    from services.reporting.projections import IndicatorsProjection

    stores = {s: EventStore(make_engine(f"sqlite:///{workdir / (s + '.db')}"), s, "MA", registry) for s in SOURCES}
    total = sum(st.last_position() for st in stores.values())

    def fetch(source, after, limit):
        return stores[source].events_since(after, limit)

    print(f"reporting database: {database.split('@')[-1]}")
    print(f"memory before: {rss()} MiB")

    # The live path: the projector catching up page by page (1000 events a transaction), on a sample.
    if live_sample and only == "all":
        url = database if database.startswith("sqlite") else None
        if url:
            live_db = f"sqlite:///{workdir / 'live.db'}"
            Path(workdir / "live.db").unlink(missing_ok=True)
            counted = {"n": 0}

            def fetch_sample(source, after, limit):
                left = live_sample - counted["n"]
                if left <= 0:
                    return []
                page = stores[source].events_since(after, min(limit, left))
                counted["n"] += len(page)
                return page

            live = Projector(IndicatorsProjection(), make_engine(live_db), registry, fetch_sample, page_size=1000)
            live.setup()
            started = time.perf_counter()
            applied = live.catch_up()
            took = time.perf_counter() - started
            print(f"live catch-up (1000 events a transaction): {applied} events in {took:.1f} s = "
                  f"{applied / took:,.0f} events/s")
            live.engine.dispose()

    projector = Projector(IndicatorsProjection(), make_engine(database), registry, fetch, page_size=replay.PAGE)
    projector.setup()
    if only == "all":
        stats = {}
        started = time.perf_counter()
        applied = replay.rebuild(projector, stats)
        took = time.perf_counter() - started
        print(f"rebuild: {applied:,} of {total:,} events in {took:.1f} s = {applied / took:,.0f} events/s "
              f"(deriving states {stats['derive_seconds']:.1f} s, indexes and statistics {stats['index_seconds']:.1f} s)")
        print(f"memory after rebuild: {rss()} MiB")
    else:
        print(f"read model as built before: {sum(projector.positions.values()):,} of {total:,} events")

    with projector.engine.connect() as conn:
        s = projector.projection.schools
        from sqlalchemy import select
        codes = [r[0] for r in conn.execute(select(s.c.school_code))]
        provinces = sorted({r[0] for r in conn.execute(select(s.c.province_code))})
        regions = sorted({r[0] for r in conn.execute(select(s.c.region_code))})
    memo = ind.Memo()
    projector.projection.listeners.append(memo.on_change)
    rng = random.Random(1)
    now = datetime.now(timezone.utc)

    def ask(scope, period, use_memo=True):
        started = time.perf_counter()
        with projector.engine.connect() as conn:
            answer = ind.answer(conn, projector.projection, parse_scope(scope), parse_period(period),
                                projector.positions, now=now, memo=memo if use_memo else None)
        return (time.perf_counter() - started) * 1000, answer

    def line(label, period, times, answer):
        first = {i["id"]: i["value"] for i in answer["indicators"]}
        print(f"  {label:9} {period:13} p50 {statistics.median(times):7.1f} ms  p95 {pct(times, 95):7.1f} ms  "
              f"(n={len(times)}; e.g. INF01={first['INF01']} INF02={first['INF02']} TRN05={first['TRN05']})")

    print("indicators, read afresh (no memo):")
    for period in ("2025-2026", "2026-2027") if only == "all" else ():
        for label, pick in (("all", lambda: "all"), ("school", lambda: f"school:{rng.choice(codes)}")):
            results = [ask(pick(), period, use_memo=False) for _ in range(2 if label == "all" else queries)]
            line(label, period, [r[0] for r in results], results[-1][1])
    print("indicators with the per-school memo:")
    for period in ("2025-2026", "2026-2027"):
        took, _ = ask("all", period)
        print(f"  first question after the rebuild, scope all, {period}: {took:.0f} ms (fills every school)")
    for period in ("2025-2026", "2025-2026-S1", "2026-2027") if only == "all" else ():
        for label, pick in (("all", lambda: "all"), ("region", lambda: f"region:{rng.choice(regions)}"),
                            ("province", lambda: f"province:{rng.choice(provinces)}"),
                            ("school", lambda: f"school:{rng.choice(codes)}")):
            results = [ask(pick(), period) for _ in range(queries)]
            line(label, period, [r[0] for r in results], results[-1][1])

    def breakdown(scope, period, by):
        started = time.perf_counter()
        p = parse_period(period)
        with projector.engine.connect() as conn:
            rows = ind.breakdown(conn, projector.projection, parse_scope(scope), p, p.as_of(now).timestamp(), by,
                                 memo)
        return (time.perf_counter() - started) * 1000, rows

    print("breakdown by province beside indicators, scope all, in turns (the same memo):")
    for period in ("2025-2026", "2026-2027"):
        times = {"indicators": [], "breakdown": []}
        for _ in range(queries):
            times["indicators"].append(ask("all", period)[0])
            took, rows = breakdown("all", period, "province")
            times["breakdown"].append(took)
        for label, samples in times.items():
            print(f"  {label:10} all {period:13} p50 {statistics.median(samples):7.1f} ms  "
                  f"p95 {pct(samples, 95):7.1f} ms  (n={len(samples)}"
                  + (f"; {len(rows)} provinces)" if label == "breakdown" else ")"))

    # The dashboard page, made by the gateway's own code over reporting's answers (in this process, no bus):
    # indicators, the comparison, six semesters of trend and the breakdown for its charts, rendered. Beside it
    # the same page with the reader's schools asked of inventory and sorted afresh for each page, as every
    # page did before the scope list and the names were kept while reporting's inventory position stays.
    from services.gateway import indicator_pages

    dashboard = dashboard_client(workdir, projector, memo)
    print("the dashboard page beside indicators, scope all, in turns:")
    for period in ("2025-2026", "2026-2027"):
        times = {"indicators": [], "dashboard, schools asked each page": [], "dashboard": []}
        started = time.perf_counter()
        dashboard.get(f"/dashboard?scope=all&period={period}&lang=fr")  # fills the memo for the trend's semesters
        print(f"  first dashboard page, {period}: {(time.perf_counter() - started) * 1000:.0f} ms (not counted)")
        for _ in range(queries):
            times["indicators"].append(ask("all", period)[0])
            for label in ("dashboard, schools asked each page", "dashboard"):
                if label != "dashboard":
                    indicator_pages.forget_directories()
                started = time.perf_counter()
                resp = dashboard.get(f"/dashboard?scope=all&period={period}&lang=fr")
                assert resp.status_code == 200, resp.get_data(as_text=True)[:500]
                times[label].append((time.perf_counter() - started) * 1000)
        for label, samples in times.items():
            print(f"  {label:34} all {period:13} p50 {statistics.median(samples):7.1f} ms  "
                  f"p95 {pct(samples, 95):7.1f} ms  (n={len(samples)}"
                  + (f"; {len(resp.data) // 1024} KiB)" if label == "dashboard" else ")"))

    if only != "all":
        print(f"memory at the end: {rss()} MiB")
        return
    # Events keep arriving: 10 faults declared at random schools, then the question again.
    maintenance = stores["maintenance"]
    position = projector.positions["maintenance"]
    with projector.engine.connect() as conn:
        pl = projector.projection.placements
        placed = conn.execute(select(pl.c.asset_id, pl.c.school_code).where(pl.c.end_at >= 1e17).limit(5000)).all()
    after = {"all": [], "school": []}
    for round_ in range(queries):
        for _ in range(10):
            asset, school = rng.choice(placed)
            position += 1
            fault = uuid.uuid4().hex[:16]
            env = {"event_id": str(uuid.uuid4()), "event_type": "fault_declared", "schema_version": 1,
                   "source": "maintenance", "position": position, "stream_id": f"fault:{fault}", "stream_version": 1,
                   "province_code": "MA", "occurred_at": (now - timedelta(hours=1)).isoformat(),
                   "recorded_at": now.isoformat(), "actor": {"user": "bench", "role": "director"},
                   "correlation_id": str(uuid.uuid4()), "causation_id": None,
                   "data": {"fault_id": fault, "asset_id": asset, "school_code": school, "symptom": "écran noir",
                            "under_warranty": False}}
            assert projector.handle(env) == "applied"
        after["all"].append(ask("all", "2026-2027"))
        after["school"].append(ask(f"school:{school}", "2026-2027"))
    print("after each 10 new events (their schools forgotten by the memo):")
    for label, results in after.items():
        line(label, "2026-2027", [r[0] for r in results], results[-1][1])
    maintenance.engine.dispose()

    period = parse_period("2025-2026")
    for label, scope in (("province", f"province:{provinces[0]}"), ("all", "all")):
        started = time.perf_counter()
        with projector.engine.connect() as conn:
            rows = ind.per_school(conn, projector.projection, parse_scope(scope), period, period.as_of().timestamp(),
                                  memo)
        print(f"per-school breakdown, {label}: {len(rows)} schools in {time.perf_counter() - started:.2f} s")
    print(f"memory at the end: {rss()} MiB")


def dashboard_client(workdir: Path, projector, memo):
    """A signed-in national viewer's browser on the gateway's pages, reporting's RPCs answered in process."""
    import threading

    from sqlalchemy import select
    from werkzeug.test import Client
    from werkzeug.wrappers import Request

    from services.gateway.accounts import Accounts, issue_token
    from services.gateway.api import COOKIE, Api
    from services.gateway.web import Web
    from services.reporting.service import ReportingService

    projector.memo = memo
    if not hasattr(projector, "lock"):
        projector.lock = threading.RLock()
    reporting = ReportingService.__new__(ReportingService)
    reporting.projector = projector
    schools = projector.projection.schools
    with projector.engine.connect() as conn:
        rows = [dict(r) for r in conn.execute(select(schools)).mappings()]

    def call(service, method, *args):
        if service == "reporting":
            return getattr(reporting, method)(*args)
        if (service, method) == ("inventory", "schools"):
            return [dict(r) for r in rows]
        raise LookupError(f"{service}.{method} is not part of the dashboard")

    (workdir / "gateway.db").unlink(missing_ok=True)
    accounts = Accounts(f"sqlite:///{workdir / 'gateway.db'}")
    accounts.add("bench", "a-long-bench-password", "viewer", "all")
    key = b"k" * 32
    api = Api(call, accounts, key)
    token, _ = issue_token(accounts.authenticate("bench", "a-long-bench-password"), key)
    web = Web(api)

    def app(environ, start_response):
        return web.handle(Request(environ))(environ, start_response)

    client = Client(app)
    client.set_cookie(COOKIE, token)
    return client


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("step", nargs="?", choices=["all", "generate", "measure"], default="all")
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--schools", type=int, default=11_000)
    parser.add_argument("--database", help="reporting's database URL (default: a SQLite file in --workdir)")
    parser.add_argument("--workdir", help="where the generated logs are kept (default: a temporary folder)")
    parser.add_argument("--queries", type=int, default=30, help="timed calls per scope and period")
    parser.add_argument("--live-sample", type=int, default=100_000, help="events for the live-path rate")
    parser.add_argument("--only", choices=["all", "dashboard"], default="all",
                        help="dashboard: only the breakdown and the dashboard beside indicators, on the read "
                             "model already built in --database (no rebuild)")
    parser.add_argument("--tier", choices=["province", "national"], default="province",
                        help="national: the events as each province's own logs, read by the national tier")
    args = parser.parse_args()
    workdir = Path(args.workdir or Path(tempfile.gettempdir()) / f"genie-national-{args.schools}-{args.events}")
    workdir.mkdir(parents=True, exist_ok=True)
    if args.step in ("all", "generate"):
        if not (workdir / "training.db").exists():
            if args.step == "all":
                print(f"generating {args.events:,} events for {args.schools:,} schools in {workdir} ...", flush=True)
            started = time.perf_counter()
            if args.step == "all":
                subprocess.run([sys.executable, __file__, "generate", "--events", str(args.events), "--schools",
                                str(args.schools), "--workdir", str(workdir)], check=True)
            else:
                generate(workdir, args.events, args.schools)
            print(f"generated in {time.perf_counter() - started:.0f} s", flush=True)
        elif args.step == "generate":
            print(f"logs already in {workdir}")
    if args.step in ("all", "measure"):
        default = "reporting.db" if args.tier == "province" else "national.db"
        database = args.database or f"sqlite:///{workdir / default}"
        if database.startswith("sqlite") and args.only == "all":
            Path(database.split("///", 1)[1]).unlink(missing_ok=True)
        if args.step == "all":
            cmd = [sys.executable, __file__, "measure", "--events", str(args.events), "--schools", str(args.schools),
                   "--workdir", str(workdir), "--database", database, "--queries", str(args.queries),
                   "--live-sample", str(args.live_sample), "--only", args.only, "--tier", args.tier]
            subprocess.run(cmd, check=True)
        elif args.tier == "national":
            measure_national(workdir, database, args.queries)
        else:
            measure(workdir, database, args.queries, args.live_sample, args.only)


if __name__ == "__main__":
    os.environ.setdefault("PROVINCE_CODE", "MA")
    main()
