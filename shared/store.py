"""The event store: one append-only log per service, on SQLAlchemy.

Positions are 1, 2, 3 … with no gap and commit in that order because writers
are serialised (see `db.lock_writers`). A command's events and its read-model
changes commit in one transaction: `with store.transaction() as tx`.

A command reads and decides before it takes the writer lock
(`store.transaction(deciding=True)`): the lock is taken at its first append,
and held to the commit. What it read is checked then: a stream it read that
moved, or the log itself when it read anything but its streams (the read
models), refuses with ConcurrencyError, and the runner decides once more.
"""
from __future__ import annotations

import hashlib
import orjson
import logging
import uuid
from contextlib import contextmanager
from datetime import datetime
from typing import Iterable, Iterator

from sqlalchemy import (Column, Integer, MetaData, String, Table, Text, UniqueConstraint, func, select,
                        update)
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError, OperationalError

from . import db
from .lease import lease_table
from .errors import CommandRejected, ConcurrencyError, InvalidCommand
from .events import Context, Event, Registry, now

MAX_PAGE = 5000

log = logging.getLogger(__name__)


def log_tables(metadata: MetaData) -> tuple[Table, Table, Table]:
    events = Table(
        "events", metadata,
        Column("position", Integer, primary_key=True, autoincrement=False),
        Column("event_id", String(36), nullable=False, unique=True),
        Column("event_type", String(80), nullable=False),
        Column("stream_id", String(200), nullable=False),
        Column("stream_version", Integer, nullable=False),
        Column("occurred_at", String(40), nullable=False),
        Column("envelope", Text, nullable=False),
        UniqueConstraint("stream_id", "stream_version", name="uq_events_stream_version"),
    )
    relay = Table(
        "relay_state", metadata,
        Column("id", Integer, primary_key=True, autoincrement=False),
        Column("published_position", Integer, nullable=False),
    )
    return events, relay, lease_table(metadata)


class EventStore:
    def __init__(self, engine: Engine, source: str, province_code: str, registry: Registry,
                 metadata: MetaData | None = None):
        self.engine = engine
        self.source = source
        self.province_code = province_code
        self.registry = registry
        self.metadata = metadata if metadata is not None else MetaData()
        self.events, self.relay_state, self.relay_lease = log_tables(self.metadata)
        # Every command runs these two: plain SQL on the driver's cursor, inside
        # the same transaction, skips SQLAlchemy's per-statement work.
        p = (lambda n: f":{n}") if engine.dialect.name == "sqlite" else (lambda n: f"%({n})s")
        self._heads = ("SELECT (SELECT coalesce(max(stream_version), 0) FROM events WHERE stream_id = "
                       f"{p('stream_id')}), (SELECT coalesce(max(position), 0) FROM events)")
        # A stream whose facts are dated against its latest or first one reads their dates too.
        self._dated_heads = (f"{self._heads}, "
                             f"(SELECT occurred_at FROM events WHERE stream_id = {p('stream_id')} "
                             "ORDER BY stream_version DESC LIMIT 1), "
                             f"(SELECT occurred_at FROM events WHERE stream_id = {p('stream_id')} "
                             "ORDER BY stream_version LIMIT 1)")
        columns = ("position", "event_id", "event_type", "stream_id", "stream_version", "occurred_at", "envelope")
        self._insert = (f"INSERT INTO events ({', '.join(columns)}) "
                        f"VALUES ({', '.join(p(c) for c in columns)})")
        self.views = None  # a Projection kept in step with the log, in the same transaction
        # Streams (by prefix) whose facts follow each other in time: none dated before the latest one.
        self.ordered_streams: tuple[str, ...] = ()
        # Streams (by prefix) whose history may be filled in later, but never before their first fact.
        self.founded_streams: tuple[str, ...] = ()
        self.after_commit: list = []  # callables told that new events are committed
        self._driver_errors = (engine.dialect.dbapi.OperationalError, engine.dialect.dbapi.IntegrityError)
        self.one_snapshot = engine.dialect.name == "sqlite"  # a transaction reads one snapshot of the database
        self.contended: dict = {}  # command handler -> (until when, for how long) it decides under the lock
        self.relay = None  # the relay of this process, where one runs (health tells its lease)

    def create_schema(self) -> None:
        self.metadata.create_all(self.engine)

    def views_in_shape(self) -> int | None:
        """At start: make the service's own read models' tables, and make the read models again from its log
        when their tables are no longer those they were made with (an upgrade added a column or a table, which
        would otherwise stay empty for what was recorded before it). Returns the events replayed, or None when
        nothing changed."""
        shape = views_shape(self.views)
        with self.transaction() as tx:  # under the writer lock: no command, and no other instance, in between
            # Made here, under the lock: two instances starting together would race to create the same tables.
            self.views.metadata.create_all(tx.conn)
            _SHAPE.metadata.create_all(tx.conn)
            kept = tx.conn.execute(select(_SHAPE.c.shape)).scalar()
            if kept == shape:
                return None
            if kept is None and _last_position(tx.conn, self.events) == 0:
                _keep_shape(tx.conn, shape)  # a new database: the views are made as the log grows
                return None
            applied = tx.rebuild_views()
        log.warning("%s: its read models changed shape; made again from its log (%d events)", self.source, applied)
        return applied

    @contextmanager
    def transaction(self, deciding: bool = False) -> Iterator["Transaction"]:
        """One command: read, decide, append, update read models; all or nothing.

        Under the writer lock from the start; with `deciding`, the reads and the decision run without it and
        the lock is taken at the first append (ConcurrencyError if what was read moved meanwhile)."""
        if not deciding:
            with self.engine.begin() as conn:
                db.lock_writers(conn, f"events:{self.source}")
                tx = Transaction(self, conn)
                yield tx
        else:
            try:
                with db.deciding(self.engine) as conn, conn.begin():
                    tx = Transaction(self, conn, locked=False)
                    yield tx
                    tx.before_commit()
            except (OperationalError, self._driver_errors[0]) as exc:
                # SQLite: a transaction that read cannot write once another one wrote since it read.
                if not db.is_busy(exc):
                    raise
                raise ConcurrencyError(f"log of {self.source}", "the one read", "written since") from None
            except (IntegrityError, self._driver_errors[1]):
                # A row the decision wrote (a read model's) that another command wrote meanwhile: decided again
                # under the lock, it sees that row (and a real fault raises again there).
                raise ConcurrencyError(f"log of {self.source}", "the one read", "written since") from None
        if tx.appended:
            for notify in self.after_commit:
                notify()

    # ---- reads outside a command

    def events_since(self, after_position: int, limit: int = 1000) -> list[dict]:
        if limit < 1 or limit > MAX_PAGE:
            raise InvalidCommand({"limit": [f"Must be between 1 and {MAX_PAGE}."]})
        if after_position < 0:
            raise InvalidCommand({"after_position": ["Must be 0 or more."]})
        with db.reading(self.engine) as conn:
            rows = conn.execute(
                select(self.events.c.envelope)
                .where(self.events.c.position > after_position)
                .order_by(self.events.c.position).limit(limit)
            ).scalars()
            return [orjson.loads(r) for r in rows]

    def last_position(self) -> int:
        with db.reading(self.engine) as conn:
            return _last_position(conn, self.events)

    def read_stream(self, stream_id: str) -> list[dict]:
        with db.reading(self.engine) as conn:
            return Transaction(self, conn).read_stream(stream_id)

    def published_position(self) -> int:
        with db.reading(self.engine) as conn:
            return conn.execute(select(self.relay_state.c.published_position)).scalar() or 0

    def mark_published(self, position: int) -> None:
        with self.engine.begin() as conn:
            done = conn.execute(update(self.relay_state).where(self.relay_state.c.id == 1)
                                .values(published_position=position)).rowcount
            if not done:
                conn.execute(self.relay_state.insert().values(id=1, published_position=position))


class Transaction:
    def __init__(self, store: EventStore, conn: Connection, locked: bool = True):
        self.store = store
        self.conn = conn
        self.appended: list[dict] = []
        self.locked = locked
        self.streams_read: dict[str, int] = {}  # before the lock: each stream read, at the version read
        self.log_read_at: int | None = None  # before the lock: the log's last position when read otherwise

    def reads_widely(self) -> None:
        """The command reads more than its streams (the read models): the whole log must not move until its
        first append."""
        if not self.locked and self.log_read_at is None:
            # SQLite reads one snapshot and refuses to write once another wrote since: nothing to note.
            self.log_read_at = 0 if self.store.one_snapshot else _last_position(self.conn, self.store.events)

    def _lock(self) -> None:
        """Take the writer lock, then check that nothing the decision read has moved since."""
        self.locked = True
        if self.store.one_snapshot:
            return  # SQLite: the first write fails (database is locked) if anything was written since the reads
        db.lock_writers(self.conn, f"events:{self.store.source}")
        cursor = self.conn.connection.driver_connection.cursor()
        if self.log_read_at is not None:
            cursor.execute("SELECT coalesce(max(position), 0) FROM events")
            last = cursor.fetchone()[0]
            if last != self.log_read_at:
                raise ConcurrencyError(f"log of {self.store.source}", self.log_read_at, last)
        if self.streams_read:
            cursor.execute("SELECT stream_id, max(stream_version) FROM events WHERE stream_id = ANY(%(ids)s) "
                           "GROUP BY stream_id", {"ids": list(self.streams_read)})
            now_at = dict(cursor.fetchall())
            for stream_id, version in self.streams_read.items():
                if now_at.get(stream_id, 0) != version:
                    raise ConcurrencyError(stream_id, version, now_at.get(stream_id, 0))

    def before_commit(self) -> None:
        """A decision that wrote the read models without appending still checks what it read."""
        if not self.locked and self.log_read_at is not None:
            self._lock()

    def load(self, stream_id: str, evolve, state):
        """Fold the stream into `state`; return (state, version) for a later append."""
        history = self.read_stream(stream_id)
        for env in history:
            state = evolve(state, env)
        return state, len(history)

    def rebuild_views(self) -> int:
        """Drop the service's own read models and make them again from its log; return the events read."""
        self.store.views.drop(self.conn)
        applied = replay(self.conn, self.store.views, self.store.registry)
        _keep_shape(self.conn, views_shape(self.store.views))
        return applied

    def read_stream(self, stream_id: str) -> list[dict]:
        """The stream's events in order, each at its type's current schema version."""
        t = self.store.events
        rows = self.conn.execute(
            select(t.c.envelope).where(t.c.stream_id == stream_id).order_by(t.c.stream_version)
        ).scalars()
        history = [self.store.registry.read(orjson.loads(r), check=False) for r in rows]
        if not self.locked:
            self.streams_read.setdefault(stream_id, len(history))
        return history

    def stream_version(self, stream_id: str) -> int:
        t = self.store.events
        version = self.conn.execute(
            select(func.coalesce(func.max(t.c.stream_version), 0)).where(t.c.stream_id == stream_id)
        ).scalar_one()
        if not self.locked:
            self.streams_read.setdefault(stream_id, version)
        return version

    def append(self, stream_id: str, expected_version: int, events: Iterable[Event],
               context: Context) -> list[dict]:
        """Record `events` after version `expected_version` of the stream.

        Refuses with ConcurrencyError if the stream is elsewhere now, and with
        InvalidCommand (naming the field) if an event breaks its schema or is
        dated in the future. Returns the envelopes as recorded.
        """
        store = self.store
        events = list(events)
        for e in events:
            store.registry.check_new(store.source, e)
        if not self.locked:
            self._lock()
        ordered = stream_id.startswith(store.ordered_streams or ("\0",))
        founded = not ordered and stream_id.startswith(store.founded_streams or ("\0",))
        cursor = self.conn.connection.driver_connection.cursor()
        if ordered or founded:
            cursor.execute(store._dated_heads, {"stream_id": stream_id})
            actual, position, last, first = cursor.fetchone()
        else:
            cursor.execute(store._heads, {"stream_id": stream_id})
            (actual, position), last, first = cursor.fetchone(), None, None
        if actual != expected_version:
            raise ConcurrencyError(stream_id, expected_version, actual)
        recorded = now()
        recorded_at = recorded.isoformat()
        last = datetime.fromisoformat(last) if last else None
        first = datetime.fromisoformat(first) if first else None
        envelopes, rows = [], []
        for i, e in enumerate(events, start=1):
            occurred = _occurred_at(e.occurred_at or context.occurred_at, recorded)
            if ordered:
                last = _not_before_last_fact(stream_id, occurred, last)
            elif founded:
                first = _not_before_first_fact(stream_id, occurred, first)
            position += 1
            env = {
                "event_id": str(uuid.uuid4()),
                "event_type": e.type,
                "schema_version": store.registry.get(e.type).version,
                "source": store.source,
                "position": position,
                "stream_id": stream_id,
                "stream_version": expected_version + i,
                "province_code": store.province_code,
                "occurred_at": recorded_at if occurred is recorded else occurred.isoformat(),
                "recorded_at": recorded_at,
                "actor": dict(context.actor),
                "correlation_id": context.correlation_id,
                "causation_id": context.causation_id,
                "data": e.data,
            }
            envelopes.append(env)
            rows.append({"position": position, "event_id": env["event_id"], "event_type": e.type,
                         "stream_id": stream_id, "stream_version": env["stream_version"],
                         "occurred_at": env["occurred_at"],
                         "envelope": orjson.dumps(env).decode()})
        if rows:
            try:
                cursor.executemany(store._insert, rows)
            except (IntegrityError, store.engine.dialect.dbapi.IntegrityError):
                # Only reachable if something bypassed the writer lock.
                raise ConcurrencyError(stream_id, expected_version, self.stream_version(stream_id))
            if store.views is not None:
                store.views.apply_many(self.conn, envelopes)
            self.appended.extend(envelopes)
            if log.isEnabledFor(logging.INFO):
                for env in envelopes:
                    log.info("recorded %s at position %s", env["event_type"], env["position"],
                             extra={"event_id": env["event_id"], "correlation_id": env["correlation_id"]})
        return envelopes


# What the service's own read models looked like when they were last made from the log.
_SHAPE = Table("views_shape", MetaData(),
               Column("id", Integer, primary_key=True, autoincrement=False),
               Column("shape", String(64), nullable=False))


def views_shape(views) -> str:
    """A fingerprint of the read models' tables, columns and types: it changes when an upgrade changes them."""
    tables = sorted((t.name, [(c.name, str(c.type)) for c in t.columns]) for t in views.metadata.sorted_tables)
    return hashlib.sha256(orjson.dumps(tables)).hexdigest()


def _keep_shape(conn: Connection, shape: str) -> None:
    _SHAPE.metadata.create_all(conn)
    if not conn.execute(update(_SHAPE).where(_SHAPE.c.id == 1).values(shape=shape)).rowcount:
        conn.execute(_SHAPE.insert().values(id=1, shape=shape))


def _last_position(conn: Connection, events: Table) -> int:
    return conn.execute(select(func.coalesce(func.max(events.c.position), 0))).scalar_one()


def _not_before_last_fact(stream_id: str, occurred: datetime, last: datetime | None) -> datetime:
    """An ordered stream's facts follow each other in time: none is dated before the latest one already
    recorded (a school's connectivity in 1900, a transfer completed before it was approved)."""
    if last is not None and occurred < last:
        raise CommandRejected("dated_before_last_fact",
                              f"The latest fact recorded for {stream_id} is dated {last.isoformat()}; "
                              f"this one cannot be dated before it ({occurred.isoformat()}).")
    return occurred


def _not_before_first_fact(stream_id: str, occurred: datetime, first: datetime | None) -> datetime:
    """A founded stream's history may be filled in afterwards (last year's census entered today), but nothing
    is dated before its first fact (a school's connectivity in 1900, before the school was registered)."""
    if first is not None and occurred < first:
        raise CommandRejected("dated_before_first_fact",
                              f"The first fact recorded for {stream_id} is dated {first.isoformat()}; "
                              f"this one cannot be dated before it ({occurred.isoformat()}).")
    return first if first is not None else occurred


def _occurred_at(value: datetime | None, recorded: datetime) -> datetime:
    if value is None:
        return recorded
    if value.tzinfo is None:
        raise InvalidCommand({"occurred_at": ["Must include a UTC offset, e.g. +01:00."]})
    if value > recorded:
        raise InvalidCommand({"occurred_at": ["Must not be in the future."]})
    return value


def replay(conn: Connection, views, registry: Registry, page: int = 5000) -> int:
    """Apply this database's whole log to `views`, page by page in position order; return how many
    events. The one way a service makes its own read models again from its own log."""
    if not conn.dialect.has_table(conn, "events"):
        return 0
    events = log_tables(MetaData())[0]
    applied, after = 0, 0
    while True:
        rows = conn.execute(select(events.c.position, events.c.envelope).where(events.c.position > after)
                            .order_by(events.c.position).limit(page)).all()
        if not rows:
            return applied
        views.apply_many(conn, [registry.read(orjson.loads(r.envelope), check=False) for r in rows])
        applied += len(rows)
        after = rows[-1].position
