"""The event store on SQLite and on PostgreSQL."""
import threading
from datetime import datetime, timedelta, timezone

import pytest

from sqlalchemy import Column, Integer, String, Table, select

from shared.catalogue import registry
from shared.db import make_engine
from shared.errors import ConcurrencyError, InvalidCommand
from shared.events import Context, Event
from shared.projector import Projection
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


class Placements(Projection):
    """A service's own read model, as first made: where each asset is."""

    def define_tables(self, metadata):
        self.placements = Table("placements", metadata, Column("asset_id", String(40), primary_key=True),
                                Column("school_code", String(40)))

    def on_equipment_assigned(self, conn, env):
        d = env["data"]
        conn.execute(self.placements.delete().where(self.placements.c.asset_id == d["asset_id"]))
        conn.execute(self.placements.insert().values(asset_id=d["asset_id"], school_code=d["school_code"]))


class PlacementsWithHistory(Placements):
    """The same read model after an upgrade: a new table that the events already recorded must fill."""

    def define_tables(self, metadata):
        super().define_tables(metadata)
        self.moves = Table("moves", metadata, Column("position", Integer, primary_key=True),
                           Column("asset_id", String(40)))

    def on_equipment_assigned(self, conn, env):
        super().on_equipment_assigned(conn, env)
        conn.execute(self.moves.insert().values(position=env["position"], asset_id=env["data"]["asset_id"]))


def test_read_models_of_a_new_shape_are_made_again_from_the_log_at_start(store):
    store.views = Placements()
    store.views.create(store.engine)
    assert store.views_in_shape() is None  # a new database: nothing to make again
    with store.transaction() as tx:
        tx.append("asset:A1", 0, [assigned(), assigned(school="S2")], Context())
    with store.transaction() as tx:
        tx.append("asset:A2", 0, [assigned("A2")], Context())
    assert store.views_in_shape() is None  # the same shape: left as it is

    store.views = PlacementsWithHistory()  # the service upgraded, then started again
    store.views.create(store.engine)
    assert store.views_in_shape() == 3
    with store.engine.connect() as conn:
        assert conn.execute(select(store.views.moves.c.asset_id).order_by("position")).scalars().all() == \
            ["A1", "A1", "A2"]
        assert dict(conn.execute(select(store.views.placements)).all()) == {"A1": "S2", "A2": "S1"}
    assert store.views_in_shape() is None  # made once


def test_read_models_made_before_their_shape_was_kept_are_made_again_once(store):
    with store.transaction() as tx:  # a log recorded by a version that kept no shape of its views
        tx.append("asset:A1", 0, [assigned()], Context())
    store.views = Placements()
    store.views.create(store.engine)
    assert store.views_in_shape() == 1
    with store.engine.connect() as conn:
        assert dict(conn.execute(select(store.views.placements)).all()) == {"A1": "S1"}
    assert store.views_in_shape() is None


def test_two_instances_starting_together_make_the_read_models_once(database):
    """Both make their views at start on the same new database: the tables are created under the writer lock,
    so neither trips on the other's CREATE TABLE."""
    stores = [EventStore(make_engine(database), "inventory", "OED", registry) for _ in range(2)]
    for s in stores:
        s.create_schema()
        s.views = PlacementsWithHistory()
    barrier, outcomes = threading.Barrier(2), []

    def start(s):
        barrier.wait()
        try:
            outcomes.append(s.views_in_shape())
        except Exception as exc:  # what the second instance met before the tables were made under the lock
            outcomes.append(exc)

    threads = [threading.Thread(target=start, args=(s,)) for s in stores]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes == [None, None]
    for s in stores:
        s.engine.dispose()
