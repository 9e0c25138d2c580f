"""Reactions: consuming another service's events by recording this service's own.

A reaction is a projection whose handlers append to the service's own log. The
projector's tracking position, the events the handler records and the read
models they change commit in one transaction: a redelivered event is skipped by
its position, and no crash can leave the reaction half done. The relay is woken
once that transaction has committed.

    class Replacements(Reaction):
        name, sources = "inventory_reactions", ("maintenance",)
        def on_equipment_replaced(self, conn, env):
            tx = self.transaction(conn)
            tx.append(stream, version, events, Context.caused_by(env))

    class InventoryService(EventSourced):
        log = EventLog(views=InventoryViews)
        reactions = ReactionDependency(Replacements)     # finds `log` by its name
"""
from __future__ import annotations

from typing import Callable

from .db import lock_writers
from .projector import Projection, Projector
from .service import EventLog, ProjectorDependency
from .store import EventStore, Transaction


class Reaction(Projection):
    """A projection whose handlers record events in the service's own log, through `transaction(conn)`."""

    def __init__(self):
        super().__init__()
        self._store: Callable[[], EventStore] | None = None
        self.transactions: list[Transaction] = []

    def define_tables(self, metadata) -> None:
        """A reaction may keep tables of its own; none by default."""

    def bind(self, store: Callable[[], EventStore]) -> None:
        self._store = store

    @property
    def store(self) -> EventStore:
        if self._store is None:
            raise RuntimeError(f"reaction {self.name} is not bound to an event store")
        return self._store()

    def transaction(self, conn) -> Transaction:
        """The service's log, written in the projector's transaction (writers serialised first)."""
        store = self.store
        lock_writers(conn, f"events:{store.source}")
        tx = Transaction(store, conn)
        self.transactions.append(tx)
        return tx


class ReactingProjector(Projector):
    """A projector that tells the log's listeners (the relay) when a reaction recorded something."""

    def _commit(self, source: str, envelopes: list[dict]) -> None:
        reaction: Reaction = self.projection
        reaction.transactions = []
        try:
            super()._commit(source, envelopes)
            recorded = any(tx.appended for tx in reaction.transactions)
        finally:
            reaction.transactions = []
        if recorded:
            for notify in reaction.store.after_commit:
                notify()


class ReactionDependency(ProjectorDependency):
    """A reaction over other services' logs, writing to the EventLog named `log` of the same service."""

    def __init__(self, reaction: type[Reaction], log: str = "log", rpc_timeout: float = 30):
        super().__init__(reaction, rpc_timeout=rpc_timeout)
        self.log_name = log

    projector_cls = ReactingProjector

    def make_projection(self) -> Reaction:
        logs = [d for d in self.container.dependencies if isinstance(d, EventLog) and d.attr_name == self.log_name]
        if not logs:
            raise RuntimeError(f"{self.container.service_name} has no EventLog named {self.log_name!r} "
                               "for its reaction")
        reaction = self.projection_cls()
        # The log's store exists once every dependency is set up, before any message arrives.
        reaction.bind(lambda: logs[0].store)
        return reaction
