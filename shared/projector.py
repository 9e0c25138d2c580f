"""The projector every consumer uses to build a read model from other services' logs.

- The position read so far in each source is kept in the same transaction as
  the read model, so a crash never applies an event twice or loses one.
- An event at or below that position is a duplicate and is skipped.
- An event beyond the next position means something was missed: the gap is
  fetched from the source's `events_since` first.
- A message that is not a valid envelope is dead-lettered and processing goes on.
- Positions are kept per feed: a source at a province (`inventory`), or, where
  one read model is fed by several provinces (an academy, the country), each
  province's source apart (`OED/inventory`), so one province's events are never
  taken for duplicates or gaps of another's.
- A valid event whose handler keeps failing stalls its source at that
  position (visible in `status()`); the other sources go on, and the next
  catch-up tries it again.
- From the bus, the messages that arrive together are applied together: one
  transaction for a run of them (the position advanced in it too), each
  acknowledged once that transaction committed. The service's entrypoint hands
  over at once those that waited in its queue (`handle_many`); where messages
  come one worker each (`handle`), those waiting for the lock join the run of
  the one that holds it.
"""
from __future__ import annotations

import json
import logging
import threading
import time
from contextlib import ExitStack
from typing import Callable, Iterable

from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table, Text, func, insert, inspect, select, update
from sqlalchemy.engine import Connection, Engine

from . import db, logs
from .events import InvalidEvent, Registry, now

log = logging.getLogger(__name__)

Fetch = Callable[[str, int, int], list]  # (feed, after_position, limit) -> envelopes


def feed_key(province_code: str, source: str) -> str:
    """The feed of a province's source in a read model fed by several provinces."""
    return f"{province_code}/{source}"


def split_feed(feed: str) -> tuple[str | None, str]:
    """(province_code, source) of a feed; the province is None for a feed keyed by source alone."""
    province, _, source = feed.rpartition("/")
    return province or None, source


class Projection:
    """A read model: its tables and how each event changes them. No I/O but `conn`."""

    name: str = ""
    sources: tuple[str, ...] = ()
    by_province = False  # fed by several provinces, each source apart (set by its Projector)

    def __init__(self):
        self.metadata = MetaData()
        self.define_tables(self.metadata)

    def define_tables(self, metadata: MetaData) -> None:
        raise NotImplementedError

    def apply(self, conn: Connection, envelope: dict) -> None:
        """Change the read model for one event (events of unknown types are ignored)."""
        handler = getattr(self, "on_" + envelope["event_type"], None)
        if handler is not None:
            handler(conn, envelope)

    def apply_many(self, conn: Connection, envelopes: list[dict]) -> None:
        for env in envelopes:
            self.apply(conn, env)

    def create(self, engine: Engine) -> None:
        self.metadata.create_all(engine)

    def create_missing(self, conn: Connection) -> None:
        """Make the tables and indexes not made yet (a release may add one to a model already filled), and drop
        the indexes of its own (`ix_…`) that the model no longer declares: each would slow every write for nothing."""
        self.metadata.create_all(conn)
        for table in self.metadata.sorted_tables:
            declared = {index.name for index in table.indexes}
            for found in inspect(conn).get_indexes(table.name):
                if found["name"].startswith("ix_") and found["name"] not in declared:
                    conn.exec_driver_sql(f'DROP INDEX "{found["name"]}"')
            for index in table.indexes:
                index.create(conn, checkfirst=True)

    def drop(self, conn: Connection) -> None:
        self.metadata.drop_all(conn)
        self.metadata.create_all(conn)


def tracking_tables(metadata: MetaData) -> tuple[Table, Table]:
    positions = Table(
        "projection_positions", metadata,
        Column("projection", String(80), primary_key=True),
        Column("source", String(40), primary_key=True),
        Column("last_position", Integer, nullable=False),
        Column("stalled_position", Integer),
        Column("stalled_error", Text),
        Column("stalled_since", DateTime(timezone=True)),
    )
    dead = Table(
        "dead_letters", metadata,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("projection", String(80), nullable=False),
        Column("received_at", DateTime(timezone=True), nullable=False),
        Column("error", Text, nullable=False),
        Column("body", Text, nullable=False),
    )
    return positions, dead


ANALYZE_FROM = 10_000  # events: below this every question is quick whatever the plan


class Projector:
    def __init__(self, projection: Projection, engine: Engine, registry: Registry, fetch: Fetch,
                 retry_delays: Iterable[float] = (0.1, 0.3, 1.0, 3.0), page_size: int = 5000,
                 on_dead_letter: Callable[[object, str], None] | None = None,
                 provinces: Callable[[], Iterable[str]] | None = None):
        """`provinces`: where one read model is fed by several provinces, what tells which provinces
        there are (each has a feed per source, also found when its first event arrives); None for
        a read model of one province, fed by source."""
        self.projection = projection
        projection.by_province = provinces is not None
        self.engine = engine
        self.registry = registry
        self.fetch = fetch
        self.retry_delays = tuple(retry_delays)
        self.page_size = page_size
        self.on_dead_letter = on_dead_letter
        self.provinces = provinces
        self._tracking_meta = MetaData()
        self.positions_table, self.dead_table = tracking_tables(self._tracking_meta)
        mark = (lambda n: f":{n}") if engine.dialect.name == "sqlite" else (lambda n: f"%({n})s")
        self._advance = (f"UPDATE projection_positions SET last_position = {mark('new')}, stalled_position = NULL, "
                         f"stalled_error = NULL, stalled_since = NULL WHERE projection = {mark('name')} "
                         f"AND source = {mark('source')} AND last_position = {mark('last')}")
        self.lock = threading.RLock()
        self.positions: dict[str, int] = {}
        self.stalled: dict[str, tuple[int, str]] = {}
        self._waiting: dict[str, dict[int, dict]] = {}
        self._applied_with_others: dict[str, bool] = {}
        # Taken before `lock`, never after it; one per feed.
        self._catching_up: dict[str, threading.Lock] = {}
        self._analyzed_at = 0  # the events the model held when its tables were last analyzed

    @property
    def by_province(self) -> bool:
        return self.provinces is not None

    def feed_of(self, envelope: dict) -> str | None:
        """The feed an event belongs to, None for a source this read model does not follow."""
        if envelope["source"] not in self.projection.sources:
            return None
        return feed_key(envelope["province_code"], envelope["source"]) if self.by_province else envelope["source"]

    def _feed_lock(self, feed: str) -> threading.Lock:
        return self._catching_up.setdefault(feed, threading.Lock())

    def add_feeds(self, provinces: Iterable[str]) -> None:
        """Follow each source of these provinces too, from the start of their logs."""
        new = [feed_key(p, s) for p in provinces for s in self.projection.sources]
        new = [f for f in new if f not in self.positions]
        if not new:
            return
        with self.lock, self.engine.begin() as conn:
            self._load_positions(conn, new)

    # ---- set-up and state

    def setup(self) -> None:
        with self.engine.begin() as conn:
            # Instances starting together make the tables once (PostgreSQL would race on CREATE TABLE).
            db.lock_writers(conn, f"projection:{self.projection.name}")
            self._tracking_meta.create_all(conn)
            self.projection.create_missing(conn)
            self._load_positions(conn)
            held = self.held()
            if held >= ANALYZE_FROM and db.never_analyzed(conn, self.projection.metadata.sorted_tables):
                self.analyze(conn, held)
            self._analyzed_at = held

    def _load_positions(self, conn: Connection, more: Iterable[str] = ()) -> None:
        """Read every feed's position (making the rows of those not yet followed): the sources, or
        where fed by province, each province's sources already followed and those of `more`."""
        t = self.positions_table
        name = self.projection.name
        rows = {r.source: r for r in conn.execute(select(t).where(t.c.projection == name))
                if (split_feed(r.source)[0] is not None) == self.by_province}
        feeds = list(rows) if self.by_province else list(self.projection.sources)
        feeds += [f for f in more if f not in feeds]
        for feed in feeds:
            if feed not in rows:
                conn.execute(insert(t).values(projection=name, source=feed, last_position=0))
        self.positions = {f: (rows[f].last_position if f in rows else 0) for f in feeds}
        self.stalled = {f: (r.stalled_position, r.stalled_error) for f, r in rows.items()
                        if r.stalled_position is not None}

    def _refresh(self) -> None:
        with self.engine.begin() as conn:
            self._load_positions(conn)

    def status(self) -> dict:
        with db.reading(self.engine) as conn:  # no writer lock: health answers while commands write
            dead = conn.execute(select(func.count()).select_from(self.dead_table)
                                .where(self.dead_table.c.projection == self.projection.name)).scalar_one()
        # No lock: health must answer even while a catch-up waits on a slow source.
        return {
            "projection": self.projection.name,
            "positions": dict(self.positions),
            "stalled": {s: {"position": p, "error": e} for s, (p, e) in dict(self.stalled).items()},
            "dead_letters": dead,
        }

    # ---- the fast path: a message from the bus

    def handle(self, body) -> str:
        """Take one message from the bus; say what became of it."""
        return self.handle_many([body])[0]

    def handle_many(self, bodies: list) -> list[str]:
        """Take the messages that waited on the bus together; say what became of each, in their order, as
        `handle` one after another would. Each contiguous run of them is applied in one transaction with
        its position, without waiting for more: these are all that had arrived."""
        outcomes, taken = [], []
        for body in bodies:
            envelope, outcome = self._receive(body)
            outcomes.append(outcome)
            if envelope is not None:
                taken.append((len(outcomes) - 1, envelope))
                # Waiting for the lock, it joins the run of the message that holds it (one transaction for
                # many); each comes out applied once that run committed.
                self._waiting.setdefault(self.feed_of(envelope), {})[envelope["position"]] = envelope
        for i, envelope in taken:
            logs.bind_event(envelope)
            with self.lock:
                outcome = self._take(envelope, gap_filled=False)
            outcomes[i] = outcome if outcome is not None else self._after_gap(envelope)
        return outcomes

    def _receive(self, body) -> tuple[dict | None, str | None]:
        """The envelope of a message this read model follows; else None and what became of the message."""
        try:
            if not isinstance(body, dict):
                raise InvalidEvent({"_schema": ["The message is not a JSON object."]})
            envelope = self.registry.read(body)
        except InvalidEvent as exc:
            self._dead_letter(body, json.dumps(exc.errors, default=str))
            return None, "dead_letter"
        source = self.feed_of(envelope)
        logs.bind_event(envelope)  # this worker's logs are about this event
        if source is None:
            return None, "ignored"
        if source not in self.positions:
            if not self.by_province:
                return None, "ignored"
            self.add_feeds([envelope["province_code"]])  # a province heard of for the first time
        return envelope, None

    def _after_gap(self, envelope: dict) -> str:
        """Fill the gap before `envelope` from the source's log without holding the lock, so that
        messages of the other sources go on meanwhile; then take it."""
        source, position = self.feed_of(envelope), envelope["position"]
        try:
            self._catch_up_source(source, until=position - 1)
        except Exception as exc:
            log.warning("%s cannot fill the gap in %s: %s", self.projection.name, source, exc)
            return "deferred"
        with self.lock:
            return self._take(envelope, gap_filled=True)

    def _take(self, envelope: dict, gap_filled: bool) -> str | None:
        """Apply `envelope` and the run waiting after it (lock held); None if a gap comes first."""
        source, position = self.feed_of(envelope), envelope["position"]
        waiting = self._waiting[source]
        if self._applied_with_others.pop(envelope["event_id"], False):
            return "applied"
        waiting.pop(position, None)
        if source in self.stalled:
            return "stalled"  # it is in the source's log; catch-up takes it from there
        last = self.positions[source]
        if position <= last:
            return "duplicate"
        if position > last + 1:
            return "deferred" if gap_filled else None
        run = [envelope]
        while run[-1]["position"] + 1 in waiting:
            run.append(waiting.pop(run[-1]["position"] + 1))
        applied = self._apply(source, run)
        # A run that failed was applied again one event at a time, up to the one that stalled it.
        reached = self.positions[source] if applied or source in self.stalled else last
        for other in run[1:]:
            if other["position"] <= reached:
                self._applied_with_others[other["event_id"]] = True
        return "applied" if position <= reached else "stalled"

    # ---- the slow path: reading the sources' logs

    def catch_up(self, sources: Iterable[str] | None = None) -> int:
        """Read every feed's log from where this projection stands; return events applied."""
        applied = 0
        if sources is None and self.by_province:
            try:
                self.add_feeds(self.provinces())
            except Exception as exc:
                log.warning("%s cannot tell which provinces feed it: %s", self.projection.name, exc)
        for source in sources or list(self.positions):
            try:
                applied += self._catch_up_source(source)
            except Exception as exc:
                log.warning("%s cannot catch up with %s: %s", self.projection.name, source, exc)
        return applied

    def _catch_up_source(self, source: str, until: int | None = None) -> int:
        """Fetch pages from the source (without holding the lock, so the bus path goes on
        while a slow source answers) and apply each under the lock. One catch-up of a
        source at a time: a second one waits, then finds the work done."""
        with self._feed_lock(source):
            return self._fill(source, until)

    def _fill(self, source: str, until: int | None) -> int:
        applied = 0
        with self.lock:
            self.stalled.pop(source, None)  # give a stalled event another chance
        while until is None or self.positions[source] < until:
            last = self.positions[source]
            limit = self.page_size if until is None else min(self.page_size, until - last)
            page = self.fetch(source, last, limit)
            if not page:
                break
            with self.lock:
                current = self.positions[source]  # the bus path may have gone on meanwhile
                envelopes = []
                for raw in page:
                    if raw.get("position", 0) <= current:
                        continue
                    try:
                        envelopes.append(self.registry.read(raw, check=False))
                    except InvalidEvent as exc:
                        # Stored in the source's log yet unreadable here: stop at it.
                        self._stall(source, raw.get("position", current + 1), f"unreadable event: {exc.errors}")
                        break
                if envelopes and not self._apply(source, envelopes):
                    break
                applied += len(envelopes)
                if source in self.stalled:
                    break
            if len(page) < limit:
                break
        return applied

    def _apply(self, source: str, envelopes: list[dict]) -> bool:
        """Apply contiguous events in one transaction; on failure, find the culprit and retry it."""
        try:
            self._commit(source, envelopes)
            return True
        except _Moved:
            self._refresh()
            return False
        except Exception:
            if len(envelopes) > 1:
                for env in envelopes:
                    if not self._apply(source, [env]):
                        return False
                return True
        env = envelopes[0]
        error = ""
        for delay in self.retry_delays:
            time.sleep(delay)
            try:
                self._commit(source, [env])
                return True
            except _Moved:
                self._refresh()
                return False
            except Exception as exc:
                error = f"{type(exc).__name__}: {exc}"
        self._stall(source, env["position"], error or "handler failed")
        return False

    def _commit(self, source: str, envelopes: list[dict]) -> None:
        t = self.positions_table
        last = self.positions[source]
        if envelopes[0]["position"] != last + 1 or any(
                b["position"] != a["position"] + 1 for a, b in zip(envelopes, envelopes[1:])):
            raise ValueError(f"events of {source} out of order after position {last}")
        new = envelopes[-1]["position"]
        with self.engine.begin() as conn:
            # Tracking first: it locks the row, and a second instance that got
            # here before us makes this update match nothing. Plain SQL on the
            # driver's cursor: the bus path runs it for every message.
            cursor = conn.connection.driver_connection.cursor()
            cursor.execute(self._advance, {"new": new, "name": self.projection.name, "source": source, "last": last})
            if not cursor.rowcount:
                raise _Moved()
            self.projection.apply_many(conn, envelopes)
        self.positions[source] = new
        self.stalled.pop(source, None)
        self._keep_statistics()

    def _keep_statistics(self) -> None:
        """Analyse the model's tables once it has doubled since they were. The events are applied already: a
        failure here (the database busy) is logged and tried again at the next batch, never taken for theirs."""
        held = self.held()
        if held < max(ANALYZE_FROM, 2 * self._analyzed_at):
            return
        try:
            with self.engine.begin() as conn:
                self.analyze(conn, held)
        except Exception as exc:
            log.warning("%s: its tables' statistics not renewed: %s", self.projection.name, exc)

    def held(self) -> int:
        """The events applied to the model, every feed's."""
        return sum(self.positions.values())

    def analyze(self, conn: Connection, held: int) -> None:
        """The planner's statistics of the model's tables, which hold `held` events: again each time the model
        has doubled, so that a model grown event by event is planned as well as one rebuilt."""
        db.analyze(conn, self.projection.metadata.sorted_tables)
        self._analyzed_at = held

    def _stall(self, source: str, position: int, error: str) -> None:
        log.error("%s stalled on %s at position %s: %s", self.projection.name, source, position, error)
        self.stalled[source] = (position, error)
        t = self.positions_table
        with self.engine.begin() as conn:
            conn.execute(update(t).where(t.c.projection == self.projection.name, t.c.source == source)
                         .values(stalled_position=position, stalled_error=error, stalled_since=now()))

    def _dead_letter(self, body, error: str) -> None:
        text = body if isinstance(body, str) else json.dumps(body, default=str, ensure_ascii=False)
        with self.engine.begin() as conn:
            conn.execute(insert(self.dead_table).values(projection=self.projection.name, received_at=now(),
                                                        error=error, body=text))
        if self.on_dead_letter is not None:
            self.on_dead_letter(body, error)

    # ---- rebuilding

    def rebuild(self) -> int:
        """Drop the read model and make it again from the sources' logs."""
        with ExitStack() as held:
            feeds = list(self.positions)
            for source in feeds:
                held.enter_context(self._feed_lock(source))
            held.enter_context(self.lock)
            t = self.positions_table
            with self.engine.begin() as conn:
                self.projection.drop(conn)
                conn.execute(update(t).where(t.c.projection == self.projection.name)
                             .values(last_position=0, stalled_position=None, stalled_error=None,
                                     stalled_since=None))
                self._load_positions(conn)
            applied = sum(self._fill(source, None) for source in feeds)
            with self.engine.begin() as conn:
                self.analyze(conn, self.held())
            return applied


class _Moved(Exception):
    """Another instance advanced this source first; reload and let it be."""
