"""Group commit on the bus path: the messages that arrive together are applied in one transaction with
the position, and each handle returns (its message is acknowledged) only once that transaction committed."""
import threading
import time
from types import SimpleNamespace

import pytest
from sqlalchemy import Column, Integer, Table, insert, select

from shared import projector as projector_module
from shared.catalogue import registry
from shared.db import make_engine
from shared.events import Context, Event
from shared.projector import MAX_GROUP_DELAY, Projection, Projector
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


def yielding(monkeypatch, on_yield, clock=time.monotonic):
    """The projector's yields (time.sleep) call `on_yield` instead; its clock is `clock`."""
    calls = []

    def sleep(seconds):
        calls.append(seconds)
        on_yield(len(calls))

    monkeypatch.setattr(projector_module, "time", SimpleNamespace(monotonic=clock, sleep=sleep))
    return calls


def test_messages_on_their_way_join_the_run_and_each_returns_once_it_is_committed(projector, envelopes,
                                                                                  monkeypatch):
    outcomes, committed = {}, {}

    def worker(env):
        outcomes[env["position"]] = projector.handle(env)
        committed[env["position"]] = env["position"] in projector.projection.read(projector.engine)

    later = [threading.Thread(target=worker, args=(env,)) for env in envelopes[2:]]

    def arrive(turn):
        if turn == 1:  # the leader yields: the others arrive meanwhile and wait for the lock it holds
            for t in later:
                t.start()
            deadline = time.monotonic() + 5
            while projector._arrived < 2 + len(later) and time.monotonic() < deadline:
                time.sleep(0.001)

    assert projector.handle(envelopes[0]) == "applied"
    # The projector's clock stands still while the others start (however slowly, on a busy machine): what
    # ends the gathering here is a yield that brought nothing, not the delay.
    now = time.monotonic()
    yields = yielding(monkeypatch, arrive, clock=lambda: now)
    projector._last_arrival = now  # the first came just before: messages are flowing
    worker(envelopes[1])
    for t in later:
        t.join(5)

    assert yields == [0, 0]  # bare yields, until one brought nothing
    assert projector.transactions == [[1], [2, 3, 4, 5, 6]]
    assert outcomes == {p: "applied" for p in range(2, 7)}
    assert all(committed.values()) and len(committed) == 5
    assert projector.positions["inventory"] == 6


def test_a_lone_message_is_applied_at_once(projector, envelopes, monkeypatch):
    yields = yielding(monkeypatch, lambda turn: None)
    assert projector.handle(envelopes[0]) == "applied"
    assert yields == [] and projector.transactions == [[1]]


def test_messages_handled_one_after_another_are_not_waited_for_each_time(projector, envelopes, monkeypatch):
    yields = yielding(monkeypatch, lambda turn: None, clock=lambda: 1000.0)  # all at once, none joining
    for env in envelopes:
        assert projector.handle(env) == "applied"
    assert yields == [0]  # the second tried once; none joined, so the others went straight on
    assert projector.transactions == [[p] for p in range(1, 7)]


def test_the_wait_for_the_run_is_bounded_by_the_group_delay(projector, envelopes, monkeypatch):
    now = [1000.0]

    def endless(turn):  # every yield brings another message, and a millisecond passes
        projector._arrived += 1
        now[0] += 0.001

    yields = yielding(monkeypatch, endless, clock=lambda: now[0])
    projector._last_arrival = now[0]
    started = now[0]
    assert projector.handle(envelopes[0]) == "applied"
    assert now[0] - started <= projector.group_delay + 0.001
    assert 1 <= len(yields) <= 4


def test_the_group_delay_is_a_few_milliseconds_at_most(tmp_path, envelopes, monkeypatch):
    engine = make_engine(f"sqlite:///{tmp_path / 'seen.db'}")
    with pytest.raises(ValueError):
        Projector(Seen(), engine, registry, lambda s, a, n: [], group_delay=MAX_GROUP_DELAY * 2)
    never = Projector(Seen(), engine, registry, lambda s, a, n: [], group_delay=0)
    never.setup()
    yields = yielding(monkeypatch, lambda turn: None)
    for env in envelopes:
        assert never.handle(env) == "applied"
    assert yields == []
    engine.dispose()


def test_a_run_that_fails_is_applied_again_one_by_one_with_its_positions(projector, envelopes, monkeypatch):
    def arrive(turn):
        if turn == 1:
            for env in envelopes[1:]:
                projector._waiting["inventory"][env["position"]] = env
                projector._arrived += 1

    yielding(monkeypatch, arrive)
    Seen.failing = {4}
    projector._last_arrival = time.monotonic()
    assert projector.handle(envelopes[0]) == "applied"
    # The run rolled back whole (rows and position), then each was applied in a transaction of its own.
    assert projector.transactions == [[1], [2], [3], [4], [5], [6]]
    assert projector.projection.read(projector.engine) == [1, 2, 3, 4, 5, 6]
    assert projector.positions["inventory"] == 6
    for env in envelopes[1:]:
        assert projector.handle(env) == "applied"
