"""A follower's queue over the real RabbitMQ: the messages that waited in it are handed to one worker together
(`following`, `Projector.handle_many`), and each is acknowledged only once its transaction committed.

The events are published on `inventory.events` by the test itself, so that it chooses what arrives when; the
follower fills a gap from a small `inventory` service answering `events_since` from the test's log."""
import json
import threading

import pytest
from kombu import Connection, Exchange
from nameko.rpc import rpc
from sqlalchemy import Column, Integer, Table, func, insert, select

from shared import config
from shared.db import make_engine, reading
from shared.projector import Projection, Projector
from shared.service import ProjectorDependency, _EventQueueConsumer, _EventBatchConsumer, following
from tests.helpers import wait_for
from tests.unit.test_projector_group import envelopes  # noqa: F401  (a fixture: six events of inventory's log)

LOG: dict = {}  # the test's inventory events, read by the Inventory service below


class Gate:
    """Holds the worker whose batch has event `position`: `in_transaction` (its apply, before the commit) or
    `committed` (once the batch is applied, before its acknowledgements)."""

    def __init__(self, where=None, position=None):
        self.where, self.position = where, position
        self.reached, self.release = threading.Event(), threading.Event()

    def at(self, where, positions):
        if where == self.where and self.position in positions:
            self.reached.set()
            self.release.wait(60)


GATE = {"now": Gate()}


class Applied(Projection):
    """Each position applied, once (a second time would break the primary key and stall the source)."""

    name = "applied"
    sources = ("inventory",)

    def define_tables(self, metadata):
        self.t = Table("applied", metadata, Column("position", Integer, primary_key=True))

    def apply(self, conn, env):
        conn.execute(insert(self.t).values(position=env["position"]))
        GATE["now"].at("in_transaction", {env["position"]})


APPLIED = Applied().t


class BatchesSeen(Projector):
    batches: list = []  # the size of each batch handed over, across the test's services
    failing = 0  # batches that raise before anything is applied (the database out of reach)

    def handle_many(self, bodies):
        BatchesSeen.batches.append(len(bodies))
        if BatchesSeen.failing:
            BatchesSeen.failing -= 1
            raise ConnectionError("the database is out of reach")
        outcomes = super().handle_many(bodies)
        GATE["now"].at("committed", {b.get("position") for b in bodies if isinstance(b, dict)})
        return outcomes


class AppliedDependency(ProjectorDependency):
    projector_cls = BatchesSeen


class Inventory:
    name = "inventory"

    @rpc
    def events_since(self, after_position, limit=1000):
        return LOG["events"][after_position:after_position + limit]


class Follower:
    name = "follower"
    projector = AppliedDependency(Applied, rpc_timeout=5)
    on_inventory_event = following("follower", "inventory", "projector")

    @rpc
    def status(self):
        return dict(self.projector.status(), outcomes=dict(self.projector.outcomes))


@pytest.fixture
def events(envelopes):  # noqa: F811
    """Inventory's six events by position; the Inventory service answers from them."""
    LOG["events"] = envelopes
    return {e["position"]: e for e in envelopes}


@pytest.fixture
def acks(genie_env, monkeypatch):
    """Each acknowledgement of the follower's queue: (position, whether that event was committed by then)."""
    seen, engines = [], []
    ack = _EventQueueConsumer.ack_message

    def committed(position):
        if not engines:
            engines.append(make_engine(config.database_url("follower")))
        with reading(engines[0]) as conn:
            return conn.execute(select(func.count()).select_from(APPLIED)
                                .where(APPLIED.c.position == position)).scalar_one() == 1

    def ack_message(self, message):
        try:
            body = json.loads(message.body)
        except ValueError:
            body = None
        position = body.get("position") if isinstance(body, dict) else None
        seen.append((position, committed(position) if position else None))
        ack(self, message)

    monkeypatch.setattr(_EventQueueConsumer, "ack_message", ack_message)
    BatchesSeen.batches, BatchesSeen.failing = [], 0
    GATE["now"] = Gate()
    yield seen
    GATE["now"].release.set()
    for engine in engines:
        engine.dispose()


def publish(rabbit_config, *bodies):
    exchange = Exchange("inventory.events", type="topic", durable=True)
    with Connection(rabbit_config["AMQP_URI"]) as conn:
        producer = conn.Producer()
        for body in bodies:
            raw = body if isinstance(body, bytes) else json.dumps(body, default=str).encode()
            producer.publish(raw, exchange=exchange, routing_key="x", declare=[exchange],
                             content_type="application/json", content_encoding="utf-8", delivery_mode=2)


def arrived(runner) -> int:
    """Messages delivered to the follower's entrypoint and not yet given to a worker."""
    entrypoints = [e for c in runner.containers for e in c.entrypoints if isinstance(e, _EventBatchConsumer)]
    return len(entrypoints[0]._arrived)


def rows(runner) -> list[int]:
    projector = next(d.projector for c in runner.containers for d in c.dependencies
                     if isinstance(d, AppliedDependency))
    with reading(projector.engine) as conn:  # beside a worker's open transaction
        return conn.execute(select(APPLIED.c.position).order_by(APPLIED.c.position)).scalars().all()


def held_then(runner, rabbit_config, first, then):
    """Publish `first`, hold its worker in its transaction while `then` arrive, and let it go."""
    GATE["now"] = gate = Gate("in_transaction", first["position"])
    publish(rabbit_config, first)
    assert gate.reached.wait(30)
    publish(rabbit_config, *then)
    wait_for(lambda: arrived(runner) == len(then), timeout=30)
    return gate


def test_what_waited_is_one_batch_acknowledged_once_committed(service_databases, run_services, rabbit_config,
                                                              events, acks, rpc):
    run_services(Inventory)
    runner = run_services(Follower)
    gate = held_then(runner, rabbit_config, events[1], [events[p] for p in range(2, 7)])
    assert acks == []  # the first is not acknowledged while its transaction is open, nor those waiting
    gate.release.set()
    wait_for(lambda: len(acks) == 6, timeout=30)
    assert BatchesSeen.batches == [1, 5]
    assert acks == [(p, True) for p in range(1, 7)]
    assert rows(runner) == list(range(1, 7))
    assert rpc.follower.status()["outcomes"] == {"applied": 6}


def test_a_lone_message_does_not_wait(service_databases, run_services, rabbit_config, events, acks):
    run_services(Inventory)
    run_services(Follower)
    for p in (1, 2, 3):
        publish(rabbit_config, events[p])
        wait_for(lambda: len(acks) == p, timeout=5, interval=0.01)
    assert BatchesSeen.batches == [1, 1, 1]


def test_duplicates_and_an_invalid_message_in_a_batch(service_databases, run_services, rabbit_config, events,
                                                      acks, rpc):
    run_services(Inventory)
    runner = run_services(Follower)
    e = events
    invalid = {"event_type": "equipment_assigned", "data": "nonsense"}
    # 3 is missing: the gap is filled from inventory's log. 1 and 5 come twice; two messages are no events.
    batch = [e[2], e[1], b"not json", e[4], invalid, e[5], e[5], e[6]]
    gate = held_then(runner, rabbit_config, e[1], batch)
    gate.release.set()
    wait_for(lambda: len(acks) == 9, timeout=30)
    assert BatchesSeen.batches == [1, 8]
    status = rpc.follower.status()
    assert status["outcomes"] == {"applied": 5, "duplicate": 2, "dead_letter": 2}
    assert status["dead_letters"] == 2 and status["positions"] == {"inventory": 6} and status["stalled"] == {}
    assert rows(runner) == [1, 2, 3, 4, 5, 6]
    assert all(done for position, done in acks if position is not None)
    with Connection(rabbit_config["AMQP_URI"]) as conn, conn.SimpleQueue("applied.dead_letters") as q:
        assert all("x-error" in q.get(timeout=5).headers for _ in range(2))


def test_a_batch_whose_handling_raised_is_given_back_and_applied_once(service_databases, run_services,
                                                                    rabbit_config, events, acks, rpc):
    run_services(Inventory)
    runner = run_services(Follower)
    gate = held_then(runner, rabbit_config, events[1], [events[p] for p in range(2, 6)])
    BatchesSeen.failing = 1
    gate.release.set()
    wait_for(lambda: len(acks) == 5, timeout=30)
    batches = BatchesSeen.batches
    assert batches[:2] == [1, 4] and sum(batches[2:]) == 4  # the failed batch's messages came again
    assert acks == [(p, True) for p in range(1, 6)]
    assert rpc.follower.status()["outcomes"] == {"applied": 5}


@pytest.mark.parametrize("where", ["in_transaction", "committed"])
def test_a_follower_killed_mid_batch_loses_nothing_and_applies_nothing_twice(where, service_databases,
                                                                            run_services, rabbit_config,
                                                                            events, acks, rpc):
    run_services(Inventory)
    first = run_services(Follower)
    publish(rabbit_config, events[1])
    wait_for(lambda: len(acks) == 1, timeout=30)
    GATE["now"] = gate = Gate(where, 5)
    publish(rabbit_config, *[events[p] for p in range(2, 7)])
    assert gate.reached.wait(30)
    before = rows(first)
    first.kill()  # its worker dies held: in its transaction, or committed and not yet acknowledged
    assert (5 in before) == (where == "committed")
    acked = {p for p, _ in acks}
    assert all(done for _, done in acks) and 5 not in acked

    GATE["now"] = Gate()
    second = run_services(Follower)
    wait_for(lambda: {p for p, _ in acks} == set(range(1, 7)), timeout=60)
    status = rpc.follower.status()
    assert status["positions"] == {"inventory": 6} and status["stalled"] == {}
    assert all(done for _, done in acks)
    assert sum(status["outcomes"].values()) == 6 - len(acked)  # each one not acknowledged came again, once
    assert rows(second) == list(range(1, 7))
    if where == "committed":
        assert status["outcomes"].get("duplicate", 0) >= 1  # given again by the broker, skipped by position
