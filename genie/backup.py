"""Backup and restore of a service's event log as JSON lines, one envelope a line.

The log is the only thing worth saving: every read model is made again from it
(`genie rebuild`). Export reads a consistent prefix of the log (positions commit
in order, so everything up to the last position seen is there). Import goes
into an empty store only, checks the whole file first and writes nothing if a
line is damaged, then appends everything in one transaction.

After an import the relay's published position stays at 0: the relay publishes
the whole log again. Consumers skip what they already have by position, and a
consumer that missed events which were still unpublished when the backup was
taken hears them without anyone having to think of it.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import IO, Iterator

from sqlalchemy import func, select

import migrations

from shared import config, db
from shared.catalogue import registry
from shared.db import make_engine
from shared.events import InvalidEvent, Registry
from shared.store import EventStore

from .system import kept_tables

PAGE = 5000
INSERT_BATCH = 1000


class DamagedBackup(ValueError):
    """A backup file that cannot be restored, with the line at fault (1-based)."""

    def __init__(self, line: int, reason: str):
        self.line = line
        self.reason = reason
        super().__init__(f"line {line}: {reason}")


class StoreNotEmpty(RuntimeError):
    pass


def open_store(service: str, url: str | None = None) -> EventStore:
    store = EventStore(make_engine(url or config.database_url(service)), service, config.province_code(), registry)
    migrations.upgrade(service, store.engine, kept_tables(service))
    store.create_schema()
    return store


def export_events(store: EventStore, out: IO[str]) -> int:
    """Write the log to `out`, one envelope a line in position order; return how many."""
    t = store.events
    with db.reading(store.engine) as conn:
        last = conn.execute(select(func.coalesce(func.max(t.c.position), 0))).scalar_one()
    written, after = 0, 0
    while after < last:
        with db.reading(store.engine) as conn:
            rows = conn.execute(select(t.c.position, t.c.envelope).where(t.c.position > after,
                                                                         t.c.position <= last)
                                .order_by(t.c.position).limit(PAGE)).all()
        if not rows:
            break
        for row in rows:
            out.write(row.envelope)
            out.write("\n")
        written += len(rows)
        after = rows[-1].position
    return written


def _lines(source: IO[str]) -> Iterator[tuple[int, str]]:
    for number, line in enumerate(source, start=1):
        yield number, line.rstrip("\r\n")


def check_line(number: int, line: str, service: str, seen: dict, reg: Registry = registry) -> dict:
    """The envelope on line `number`, or DamagedBackup saying what is wrong with it.

    `seen` carries what earlier lines established: event ids and the last version of each stream.
    """
    if not line.strip():
        raise DamagedBackup(number, "empty line")
    try:
        env = json.loads(line)
    except ValueError as exc:
        raise DamagedBackup(number, f"not JSON ({exc})")
    if not isinstance(env, dict):
        raise DamagedBackup(number, "not a JSON object")
    try:
        reg.read(env)
    except InvalidEvent as exc:
        raise DamagedBackup(number, f"not a valid event: {json.dumps(exc.errors, default=str)}")
    except (KeyError, TypeError) as exc:
        raise DamagedBackup(number, f"not a valid event: {exc}")
    kind = env["event_type"]
    if kind not in reg or reg.get(kind).source != service:
        raise DamagedBackup(number, f"{kind} is not an event of {service}")
    if env["source"] != service:
        raise DamagedBackup(number, f"source is {env['source']}, not {service}")
    if env["position"] != number:
        raise DamagedBackup(number, f"position {env['position']} where {number} was expected "
                                    "(positions run 1, 2, 3 … without a gap)")
    if env["event_id"] in seen["ids"]:
        raise DamagedBackup(number, f"event_id {env['event_id']} already on line {seen['ids'][env['event_id']]}")
    expected = seen["streams"].get(env["stream_id"], 0) + 1
    if env["stream_version"] != expected:
        raise DamagedBackup(number, f"stream {env['stream_id']} at version {env['stream_version']} "
                                    f"where {expected} was expected")
    seen["ids"][env["event_id"]] = number
    seen["streams"][env["stream_id"]] = expected
    return env


def check_file(path: Path, service: str) -> int:
    """Read the whole file and refuse it at its first damaged line; return how many events it holds."""
    seen = {"ids": {}, "streams": {}}
    count = 0
    with open(path, encoding="utf-8") as f:
        for number, line in _lines(f):
            check_line(number, line, service, seen)
            count = number
    return count


def import_events(store: EventStore, path: Path) -> int:
    """Restore a log exported by `export_events` into an empty store; return how many events.

    Refuses (writing nothing) a store that already has events and a file with a damaged line.
    """
    path = Path(path)
    if store.last_position():
        raise StoreNotEmpty(f"the {store.source} log already holds {store.last_position()} events; "
                            "restore into an empty database")
    check_file(path, store.source)
    count = 0
    with store.engine.begin() as conn:
        db.lock_writers(conn, f"events:{store.source}")
        if conn.execute(select(func.count()).select_from(store.events)).scalar_one():
            raise StoreNotEmpty(f"the {store.source} log received events during the restore")
        conn.execute(store.relay_state.delete())  # the relay publishes the restored log again
        seen = {"ids": {}, "streams": {}}
        batch = []
        with open(path, encoding="utf-8") as f:
            for number, line in _lines(f):
                # Checked again as it is written: the file may have changed since the first pass.
                env = check_line(number, line, store.source, seen)
                batch.append({"position": env["position"], "event_id": env["event_id"],
                              "event_type": env["event_type"], "stream_id": env["stream_id"],
                              "stream_version": env["stream_version"], "occurred_at": env["occurred_at"],
                              "envelope": json.dumps(env, ensure_ascii=False, separators=(",", ":"))})
                if len(batch) >= INSERT_BATCH:
                    conn.execute(store.events.insert(), batch)
                    count += len(batch)
                    batch = []
        if batch:
            conn.execute(store.events.insert(), batch)
            count += len(batch)
    return count
