"""Group commit on the bus path: the messages that arrive together are applied in one transaction with
the position, and each handle returns (its message is acknowledged) only once that transaction committed."""
import threading
import time

import pytest
from sqlalchemy import Column, Integer, Table, insert, select

from shared.catalogue import registry
from shared.db import make_engine
from shared.events import Context, Event
from shared.projector import Projection, Projector
from shared.store import EventStore


class Seen(Projection):
    """Each position applied, once (the primary key refuses a second time)."""

    name = "seen"
    sources = ("inventory",)
    failing: set = set()  # positions whose next apply fails, once each

    def define_tables(self, metadata):
        self.t = Table("seen", metadata, Column("position", Integer, primary_key=True))

    def apply(self, conn, env):
        conn.execute(insert(self.t).values(position=env["position"]))
        if env["position"] in self.failing:
            self.failing.discard(env["position"])
            raise RuntimeError("a handler failing once")

    def read(self, engine):
        with engine.connect() as conn:
            return conn.execute(select(self.t.c.position).order_by(self.t.c.position)).scalars().all()


@pytest.fixture
def envelopes(tmp_path):
    store = EventStore(make_engine(f"sqlite:///{tmp_path / 'inventory.db'}"), "inventory", "OED", registry)
    store.create_schema()
    for i in range(6):
        with store.transaction() as tx:
            tx.append(f"asset:A{i}", 0, [Event("equipment_assigned", {"asset_id": f"A{i}", "school_code": "S"})],
                      Context())
    return store.events_since(0, 100)


@pytest.fixture
def projector(tmp_path, envelopes):
    p = Projector(Seen(), make_engine(f"sqlite:///{tmp_path / 'seen.db'}"), registry,
                  lambda source, after, limit: envelopes[after:after + limit], retry_delays=(0.01,))
    p.setup()
    p.transactions = []
    commit = p._commit

    def counted(source, run):
        commit(source, run)
        p.transactions.append([e["position"] for e in run])

    p._commit = counted
    yield p
    p.engine.dispose()


def test_messages_waiting_for_the_lock_join_the_run_and_each_returns_once_it_is_committed(projector, envelopes):
    outcomes, committed = {}, {}

    def worker(env):
        outcomes[env["position"]] = projector.handle(env)
        committed[env["position"]] = env["position"] in projector.projection.read(projector.engine)

    assert projector.handle(envelopes[0]) == "applied"
    later = [threading.Thread(target=worker, args=(env,)) for env in envelopes[2:]]
    with projector.lock:  # held by the message before them: the later ones arrive and wait for it
        for t in later:
            t.start()
        deadline = time.monotonic() + 30
        while len(projector._waiting.get("inventory", {})) < len(later) and time.monotonic() < deadline:
            time.sleep(0.001)
        worker(envelopes[1])  # the one whose turn it is (the lock is this thread's): its run takes theirs
    for t in later:
        t.join(30)

    assert projector.transactions == [[1], [2, 3, 4, 5, 6]]
    assert outcomes == {p: "applied" for p in range(2, 7)}
    assert all(committed.values()) and len(committed) == 5
    assert projector.positions["inventory"] == 6
    assert not projector._waiting["inventory"]


def test_messages_handled_one_after_another_are_one_transaction_each(projector, envelopes):
    for env in envelopes:
        assert projector.handle(env) == "applied"
    assert projector.transactions == [[p] for p in range(1, 7)]


def test_a_run_that_fails_is_applied_again_one_by_one_with_its_positions(projector, envelopes):
    for env in envelopes[1:]:  # waiting for the lock when the first takes it
        projector._waiting.setdefault("inventory", {})[env["position"]] = env
    Seen.failing = {4}
    assert projector.handle(envelopes[0]) == "applied"
    # The run rolled back whole (rows and position), then each was applied in a transaction of its own.
    assert projector.transactions == [[1], [2], [3], [4], [5], [6]]
    assert projector.projection.read(projector.engine) == [1, 2, 3, 4, 5, 6]
    assert projector.positions["inventory"] == 6
    for env in envelopes[1:]:
        assert projector.handle(env) == "applied"
