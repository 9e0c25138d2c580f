"""The event store on SQLite and on PostgreSQL."""
import threading
from datetime import datetime, timedelta, timezone

import pytest

from shared.catalogue import registry
from shared.db import make_engine
from shared.errors import ConcurrencyError, InvalidCommand
from shared.events import Context, Event
from shared.store import EventStore


def assigned(asset="A1", school="S1"):
    return Event("equipment_assigned", {"asset_id": asset, "school_code": school})


def test_append_gives_positions_and_stream_versions(store):
    with store.transaction() as tx:
        first = tx.append("asset:A1", 0, [assigned(), assigned(school="S2")], Context())
    with store.transaction() as tx:
        second = tx.append("asset:A2", 0, [assigned("A2")], Context())
    assert [e["position"] for e in first + second] == [1, 2, 3]
    assert [e["stream_version"] for e in first + second] == [1, 2, 1]
    assert [e["position"] for e in store.events_since(1, 10)] == [2, 3]
    assert [e["data"]["school_code"] for e in store.read_stream("asset:A1")] == ["S1", "S2"]
    assert store.last_position() == 3


def test_stale_expected_version_is_refused_and_writes_nothing(store):
    with store.transaction() as tx:
        tx.append("asset:A1", 0, [assigned()], Context())
    with pytest.raises(ConcurrencyError):
        with store.transaction() as tx:
            tx.append("asset:A9", 0, [assigned("A9")], Context())
            tx.append("asset:A1", 0, [assigned()], Context())
    assert store.last_position() == 1
    assert store.read_stream("asset:A9") == []


def test_bad_data_is_refused_naming_the_field_and_writes_nothing(store):
    with pytest.raises(InvalidCommand) as exc:
        with store.transaction() as tx:
            tx.append("asset:A1", 0, [assigned(), Event("equipment_assigned", {"asset_id": "A1"})], Context())
    assert "school_code" in exc.value.errors["data"]
    assert store.last_position() == 0


def test_a_past_date_is_kept_and_a_future_one_refused(store):
    past = datetime(2024, 3, 1, 10, 0, tzinfo=timezone(timedelta(hours=1)))
    with store.transaction() as tx:
        env = tx.append("asset:A1", 0, [assigned()], Context(occurred_at=past))[0]
    assert env["occurred_at"] == "2024-03-01T10:00:00+01:00"
    assert env["recorded_at"] > env["occurred_at"]
    future = datetime.now(timezone.utc) + timedelta(hours=1)
    with pytest.raises(InvalidCommand) as exc:
        with store.transaction() as tx:
            tx.append("asset:A2", 0, [assigned("A2")], Context(occurred_at=future))
    assert "occurred_at" in exc.value.errors


def test_events_since_refuses_a_limit_over_5000(store):
    with pytest.raises(InvalidCommand) as exc:
        store.events_since(0, 5001)
    assert "limit" in exc.value.errors


def test_two_writers_same_stream_same_version_exactly_one_wins(store):
    barrier = threading.Barrier(2)
    outcomes = []

    def write(school):
        barrier.wait()
        try:
            with store.transaction() as tx:
                tx.append("asset:A1", 0, [assigned(school=school)], Context())
            outcomes.append("ok")
        except ConcurrencyError:
            outcomes.append("conflict")

    threads = [threading.Thread(target=write, args=(s,)) for s in ("S1", "S2")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["conflict", "ok"]
    assert len(store.read_stream("asset:A1")) == 1


@pytest.mark.postgres
def test_concurrent_writers_positions_contiguous_and_reader_never_skips(postgres_database):
    """8 writers x 500 events on PostgreSQL while a reader follows events_since."""
    store = EventStore(make_engine(postgres_database), "inventory", "OED", registry)
    store.create_schema()
    writers, per_writer = 8, 500
    done = threading.Event()
    seen = []

    def write(w):
        for i in range(per_writer):
            stream = f"asset:W{w}"
            with store.transaction() as tx:
                tx.append(stream, i, [assigned(f"W{w}", f"S{i}")], Context())

    def read():
        after = 0
        while True:
            finished = done.is_set()
            page = store.events_since(after, 5000)
            for env in page:
                seen.append(env["position"])
            if page:
                after = page[-1]["position"]
            elif finished:
                return

    reader = threading.Thread(target=read)
    reader.start()
    threads = [threading.Thread(target=write, args=(w,)) for w in range(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    done.set()
    reader.join()
    total = writers * per_writer
    assert store.last_position() == total
    assert [e["position"] for e in store.events_since(0, 5000)] == list(range(1, total + 1))
    assert seen == list(range(1, total + 1))  # in order, no skip, no repeat
    store.engine.dispose()
