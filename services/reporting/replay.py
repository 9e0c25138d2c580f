"""Reading the sources' logs from the start: a rebuild, or the model as it stood at given positions.

Both go through `IndicatorsProjection.add/store`, the very code the live
projector runs, with every event in one batch and one transaction: a crash
half-way leaves the previous model untouched.
"""
from __future__ import annotations

import gc
import logging
import time
from typing import Callable

from sqlalchemy import create_engine, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import StaticPool

from shared import db
from shared.catalogue import registry
from shared.events import InvalidEvent
from shared.projector import Projector, split_feed

from .projections import Batch, IndicatorsProjection

log = logging.getLogger(__name__)
PAGE = 5000  # the most `events_since` gives at once


def load(conn: Connection, projection: IndicatorsProjection, fetch: Callable, until: dict | None = None,
         stats: dict | None = None, feeds=None) -> dict:
    """Fill empty tables from the logs of `feeds` (the sources, or each province's: see Projector), up to
    `until[feed]` if given; return the last position per feed."""
    # Millions of short-lived rows and no cycles among them: the cycle collector would only rescan them.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _load(conn, projection, fetch, until, stats, feeds or projection.sources)
    finally:
        if collecting:
            gc.enable()


def _load(conn, projection, fetch, until, stats, feeds):
    last = {}
    stats = stats if stats is not None else {}
    stats.setdefault("derive_seconds", 0.0)
    of_source: dict[str, list[str]] = {}
    for feed in feeds:
        of_source.setdefault(split_feed(feed)[1], []).append(feed)
    for source_feeds in of_source.values():
        # A source's states depend on its own events only, and no state spans two provinces: one batch per
        # source, each province's events in their log's order, keeps less in memory and derives once.
        batch = Batch()
        for feed in source_feeds:
            last[feed] = _read(conn, projection, fetch, feed, (until or {}).get(feed), batch, stats)
        started = time.perf_counter()
        projection.store(conn, batch, empty=True)
        stats["derive_seconds"] += time.perf_counter() - started
    return last


def _read(conn, projection, fetch, feed, stop, batch, stats) -> int:
    """Add a feed's events to `batch` up to position `stop` (its end if None); return the last one read."""
    after = 0
    while stop is None or after < stop:
        limit = PAGE if stop is None else min(PAGE, stop - after)
        page = fetch(feed, after, limit)
        if not page:
            break
        unreadable = False
        for raw in page:
            try:
                env = registry.read(raw, check=False)
            except InvalidEvent as exc:
                # Unreadable here: stop before it; the live projector stalls on it visibly.
                log.error("rebuild stops %s before position %s: %s", feed, raw.get("position"), exc.errors)
                unreadable = True
                break
            projection.add(batch, env)
            after = env["position"]
            stats["events"] = stats.get("events", 0) + 1
        projection.store_flows(conn, batch)
        if unreadable or len(page) < limit:
            break
    return after


def rebuild(projector: Projector, stats: dict | None = None) -> int:
    """Drop the read model and make it again from the sources' logs; return the events read."""
    projection: IndicatorsProjection = projector.projection
    stats = stats if stats is not None else {}
    with projector.lock:
        t = projector.positions_table
        with projector.engine.begin() as conn:
            projection.create_bare(conn)
            last = load(conn, projection, projector.fetch, stats=stats, feeds=list(projector.positions))
            started = time.perf_counter()
            projection.create_indexes(conn)
            projector.analyze(conn, sum(last.values()))
            stats["index_seconds"] = time.perf_counter() - started
            for source, position in last.items():
                conn.execute(update(t).where(t.c.projection == projection.name, t.c.source == source)
                             .values(last_position=position, stalled_position=None, stalled_error=None,
                                     stalled_since=None))
        projector._refresh()
    started = time.perf_counter()
    db.vacuum(projector.engine, projection.metadata.sorted_tables)
    stats["vacuum_seconds"] = time.perf_counter() - started
    return stats.get("events", 0)


def scratch_engine() -> Engine:
    """A private in-memory database for a model made on the side."""
    return create_engine("sqlite://", poolclass=StaticPool, connect_args={"check_same_thread": False})


def model_at(fetch: Callable, positions: dict) -> tuple[IndicatorsProjection, Engine]:
    """The read model as it stood when each feed's log ended at `positions`."""
    projection = IndicatorsProjection()
    by_province = any(split_feed(f)[0] for f in positions)
    projection.by_province = by_province
    feeds = list(positions) if by_province else list(projection.sources)
    engine = scratch_engine()
    with engine.begin() as conn:
        projection.create_bare(conn)
        load(conn, projection, fetch, until={f: positions.get(f, 0) for f in feeds}, feeds=feeds)
        projection.create_indexes(conn)
    return projection, engine
