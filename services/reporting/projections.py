"""Reporting's read model: the tables (`model`), one handler module per source (`on_<source>`), the
batch writer (`writer`), and what each stored batch tells the caches (`cache`)."""
from __future__ import annotations

from sqlalchemy import MetaData, func, select
from sqlalchemy.engine import Connection
from sqlalchemy.schema import CreateTable

from shared.config import SOURCES
from shared.projector import Projection

from .activity import ActivityTables
from .cache import Changes
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
        for table in self.metadata.sorted_tables:
            for index in table.indexes:
                index.create(conn)
