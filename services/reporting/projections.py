"""Reporting's read model: the tables (`model`), one handler module per source (`on_<source>`), the
batch writer (`writer`), and what each stored batch tells the caches (`cache`)."""
from __future__ import annotations

from sqlalchemy import MetaData, delete, func, insert, inspect, select, union
from sqlalchemy.engine import Connection
from sqlalchemy.schema import CreateTable

from shared.config import SOURCES
from shared.db import chunks
from shared.projector import Projection

from .activity import ActivityTables
from .cache import CHUNK, Changes
from .model import IndicatorsModel, epoch, place
from .on_inventory import InventoryHandlers
from .on_maintenance import MaintenanceHandlers
from .on_resources import ResourcesHandlers
from .on_training import TrainingHandlers
from .writer import Batch, Writer

__all__ = ["Batch", "Changes", "IndicatorsProjection"]


class IndicatorsProjection(InventoryHandlers, MaintenanceHandlers, ResourcesHandlers, TrainingHandlers,
                           ActivityTables, IndicatorsModel, Projection):
    """Each handler `on_<event_type>(batch, envelope)` turns one event into rows and folds of the batch;
    the writer then stores the batch in one go."""

    name = "reporting"
    sources = SOURCES

    def define_tables(self, md: MetaData) -> None:
        IndicatorsModel.define_tables(self, md)
        self.define_activity(md)
        self.flows += [self.activity, self.activity_schools]
        self.writer = Writer(self)
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

    def add(self, batch: Batch, env: dict) -> None:
        """Turn one event into rows and folds (no I/O)."""
        batch.at, batch.position = epoch(env["occurred_at"]), place(env, self.by_province)
        if batch.at > batch.latest:
            batch.latest = batch.at
        self.note_activity(batch, env)  # every event, whether or not an indicator counts it
        handler = self._handlers.get(env["event_type"])
        if handler is not None:
            handler(batch, env)

    def store(self, conn: Connection, batch: Batch, empty: bool = False) -> None:
        """Write a batch. `empty`: the tables are known to be empty (a rebuild), so nothing is read back."""
        changes = Changes(batch.latest, everything=empty)
        self.writer.write(conn, batch, changes, empty)
        if not empty:
            self._note_unregistered(conn, changes.schools)  # the codes its rows name, before the expansion
        if self.listeners:
            if not empty:
                changes.expand(conn, self)
            for listener in self.listeners:
                listener(changes)

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

    def store_flows(self, conn: Connection, batch: Batch) -> None:
        """Write the flow rows gathered so far (they need nothing else) and forget them."""
        self.writer.write_flows(conn, batch)

    def create_bare(self, conn: Connection) -> None:
        """Drop every table and make them again without indexes (faster to fill)."""
        self.metadata.drop_all(conn)
        for table in self.metadata.sorted_tables:
            conn.execute(CreateTable(table))

    def create_indexes(self, conn: Connection) -> None:
        """Index the tables filled bare, and list the school codes their rows name without a registration."""
        for table in self.metadata.sorted_tables:
            for index in table.indexes:
                index.create(conn)
        self._find_unregistered(conn)

    def create_missing(self, conn: Connection) -> None:
        listed = inspect(conn).has_table(self.unregistered.name)
        super().create_missing(conn)
        if not listed:  # a model filled before the list was kept
            self._find_unregistered(conn)

    # ------------------------------------------------------------------ unregistered schools

    def _find_unregistered(self, conn: Connection) -> None:
        named = union(*(select(c.label("school_code")).where(c.isnot(None)) for c in self.school_columns)).subquery()
        conn.execute(delete(self.unregistered))
        conn.execute(insert(self.unregistered).from_select(
            ["school_code"], select(named.c.school_code).where(named.c.school_code.notin_(
                select(self.schools.c.school_code)))))

    def _note_unregistered(self, conn: Connection, codes) -> None:
        """List the codes among `codes` that name no school yet; strike those that do now."""
        s, u = self.schools, self.unregistered
        for part in chunks(codes, CHUNK):
            known = set(conn.execute(select(s.c.school_code).where(s.c.school_code.in_(part))).scalars())
            listed = set(conn.execute(select(u.c.school_code).where(u.c.school_code.in_(part))).scalars())
            if known & listed:
                conn.execute(delete(u).where(u.c.school_code.in_(known & listed)))
            new = set(part) - known - listed
            if new:
                conn.execute(insert(u), [{"school_code": c} for c in sorted(new)])
