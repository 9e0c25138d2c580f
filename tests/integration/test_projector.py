"""The projector: duplicates, reordering, gaps, outages, poison messages, stalls and rebuilds."""
import json
import random

import pytest
from kombu import Connection, Exchange
from nameko.rpc import rpc
from nameko.timer import timer
from sqlalchemy import Column, Integer, MetaData, String, Table, insert, select, update

from services.inventory.service import InventoryService
from shared.catalogue import registry
from shared.db import make_engine
from shared.events import Context, Event
from shared.projector import Projection, Projector
from shared.service import ProjectorDependency, following
from shared.store import EventStore
from tests.helpers import PROJECTION_CEILING, caught_up, wait_for

BROKEN = {"on": True}  # a handler bug that a test can "fix"


class PlacementsProjection(Projection):
    """Where each asset is, and how many times each event was applied (must be once)."""

    name = "placements"
    sources = ("inventory", "maintenance")

    def define_tables(self, metadata: MetaData) -> None:
        self.placements = Table("placements", metadata, Column("asset_id", String(40), primary_key=True),
                                Column("school_code", String(40), nullable=False))
        self.applied = Table("applied", metadata, Column("source", String(20), primary_key=True),
                             Column("position", Integer, primary_key=True))

    def apply(self, conn, env):
        conn.execute(insert(self.applied).values(source=env["source"], position=env["position"]))
        super().apply(conn, env)

    def on_equipment_assigned(self, conn, env):
        d = env["data"]
        if d["school_code"] == "BROKEN" and BROKEN["on"]:
            raise RuntimeError("cannot place an asset at BROKEN")
        done = conn.execute(update(self.placements).where(self.placements.c.asset_id == d["asset_id"])
                            .values(school_code=d["school_code"])).rowcount
        if not done:
            conn.execute(insert(self.placements).values(asset_id=d["asset_id"], school_code=d["school_code"]))

    def read(self, engine):
        with engine.connect() as conn:
            return dict(conn.execute(select(self.placements.c.asset_id, self.placements.c.school_code)).all())


def assign(store, asset, school):
    with store.transaction() as tx:
        version = tx.stream_version(f"asset:{asset}")
        return tx.append(f"asset:{asset}", version,
                         [Event("equipment_assigned", {"asset_id": asset, "school_code": school})], Context())[0]


@pytest.fixture
def log(tmp_path):
    store = EventStore(make_engine(f"sqlite:///{tmp_path / 'inventory.db'}"), "inventory", "OED", registry)
    store.create_schema()
    return store


@pytest.fixture
def projector(database, log):
    fetches = []

    def fetch(source, after, limit):
        fetches.append((source, after))
        return log.events_since(after, limit) if source == "inventory" else []

    p = Projector(PlacementsProjection(), make_engine(database), registry, fetch, retry_delays=(0.01, 0.01))
    p.setup()
    p.fetches = fetches
    yield p
    p.engine.dispose()


def test_duplicates_reordering_and_gaps_give_the_read_model_of_the_log(projector, log):
    rng = random.Random(7)
    envelopes = [assign(log, f"A{rng.randrange(40)}", f"S{rng.randrange(9)}") for _ in range(300)]
    deliveries = envelopes + rng.sample(envelopes, 100)  # duplicates
    rng.shuffle(deliveries)  # reordering, and gaps whenever a later one comes first
    outcomes = [projector.handle(e) for e in deliveries]

    expected = {}
    for e in envelopes:
        expected[e["data"]["asset_id"]] = e["data"]["school_code"]
    assert projector.projection.read(projector.engine) == expected
    assert projector.positions["inventory"] == 300
    with projector.engine.connect() as conn:
        applied = conn.execute(select(projector.projection.applied.c.position)).scalars().all()
    assert sorted(applied) == list(range(1, 301))  # each exactly once
    assert "duplicate" in outcomes and projector.fetches  # gaps were filled from the log


def test_a_gap_that_cannot_be_filled_now_waits_for_catch_up(projector, log):
    first, second, third = (assign(log, f"A{i}", "S1") for i in range(3))
    projector.fetch = lambda source, after, limit: (_ for _ in ()).throw(ConnectionError("inventory is down"))
    assert projector.handle(first) == "applied"
    assert projector.handle(third) == "deferred"  # position 2 missing, source unreachable
    assert projector.positions["inventory"] == 1
    projector.fetch = lambda source, after, limit: log.events_since(after, limit) if source == "inventory" else []
    assert projector.catch_up() == 2
    assert projector.projection.read(projector.engine) == {"A0": "S1", "A1": "S1", "A2": "S1"}


def test_a_failing_handler_stalls_its_source_only_and_resumes_once_fixed(projector, log):
    BROKEN["on"] = True
    assign(log, "A1", "S1")
    bad = assign(log, "A2", "BROKEN")
    assign(log, "A3", "S3")
    projector.catch_up()
    status = projector.status()
    assert status["positions"]["inventory"] == 1
    assert status["stalled"]["inventory"]["position"] == bad["position"]
    assert "BROKEN" in status["stalled"]["inventory"]["error"]
    assert projector.handle(assign(log, "A4", "S4")) == "stalled"  # waits in the log, not applied
    BROKEN["on"] = False
    projector.catch_up()
    assert projector.status()["stalled"] == {}
    assert projector.projection.read(projector.engine) == {"A1": "S1", "A2": "BROKEN", "A3": "S3", "A4": "S4"}


def test_a_stall_survives_a_restart_and_shows_in_status(projector, log, database):
    BROKEN["on"] = True
    assign(log, "A1", "BROKEN")
    projector.catch_up()
    again = Projector(PlacementsProjection(), make_engine(database), registry, projector.fetch,
                      retry_delays=(0.01,))
    again.setup()
    assert again.status()["stalled"]["inventory"]["position"] == 1
    BROKEN["on"] = False
    again.catch_up()
    assert again.status()["stalled"] == {} and again.positions["inventory"] == 1
    again.engine.dispose()


def test_malformed_messages_are_dead_lettered_and_processing_goes_on(projector, log):
    dead = []
    projector.on_dead_letter = lambda body, error: dead.append((body, error))
    good = assign(log, "A1", "S1")
    assert projector.handle("not json at all") == "dead_letter"
    assert projector.handle(dict(good, position="one")) == "dead_letter"
    assert projector.handle(dict(good, data={"asset_id": "A1"})) == "dead_letter"
    assert projector.handle(good) == "applied"
    assert projector.status()["dead_letters"] == 3
    assert "school_code" in dead[2][1]


def test_rebuild_equals_live(projector, log):
    for i in range(50):
        projector.handle(assign(log, f"A{i % 7}", f"S{i % 5}"))
    live = projector.projection.read(projector.engine)
    assert projector.rebuild() == 50
    assert projector.projection.read(projector.engine) == live


def test_a_second_instance_does_not_apply_twice(projector, log, database):
    standby = Projector(PlacementsProjection(), make_engine(database), registry, projector.fetch)
    standby.setup()
    for i in range(20):
        assign(log, f"A{i}", "S1")
    assert projector.catch_up() == 20
    assert standby.catch_up() == 0  # it learns the position moved and applies nothing
    assert standby.positions["inventory"] == 20
    standby.engine.dispose()


# ---- over the real bus

class PlacementsService:
    name = "placements"
    projector = ProjectorDependency(PlacementsProjection, rpc_timeout=5)

    on_inventory_event = following("placements", "inventory", "projector")  # the bus path as services have it

    @timer(interval=1, eager=True)
    def catch_up(self):
        self.projector.catch_up(["inventory"])

    @rpc
    def placements(self):
        return self.projector.projection.read(self.projector.engine)

    @rpc
    def status(self):
        return self.projector.status()


SCHOOL = {"school_code": "S1", "name_ar": "م", "name_fr": "E", "cycle": "primary", "setting": "rural",
          "commune": "Bir Gandouz", "region_code": "DOE"}


def placements_at(rpc, position):
    """Wait until the placements have read inventory's log up to `position`; where they stand."""
    return caught_up(lambda: rpc.placements.status()["positions"], {"inventory": position})["inventory"]


def receive_and_assign(rpc, n, prefix):
    items = [{"asset_id": f"{prefix}{i}", "kind": "desktop", "serial": f"SN-{prefix}{i}", "warranty_months": 12}
             for i in range(n)]
    rpc.inventory.receive_delivery({"supplier": "X", "delivery_ref": prefix, "items": items})
    for i in range(n):
        rpc.inventory.assign_equipment({"asset_id": f"{prefix}{i}", "school_code": "S1"})


def test_projector_down_while_1000_events_recorded_catches_up_exactly(service_databases, run_services, rpc):
    run_services(InventoryService)
    rpc.inventory.register_school(SCHOOL)
    receive_and_assign(rpc, 500, "A")  # 1 + 500 + 500 = 1001 events, the projector not running yet
    run_services(PlacementsService)
    assert placements_at(rpc, 1001) == 1001
    placements = rpc.placements.placements()
    assert len(placements) == 500 and set(placements.values()) == {"S1"}


def test_restart_goes_on_from_where_it_stood(service_databases, run_services, rpc):
    run_services(InventoryService)
    rpc.inventory.register_school(SCHOOL)
    first = run_services(PlacementsService)
    receive_and_assign(rpc, 20, "A")
    placements_at(rpc, 41)
    assert len(rpc.placements.placements()) == 20
    first.stop()
    receive_and_assign(rpc, 20, "B")
    run_services(PlacementsService)
    placements_at(rpc, 81)
    assert len(rpc.placements.placements()) == 40
    status = rpc.placements.status()
    assert status["positions"]["inventory"] == 81 and status["dead_letters"] == 0


def test_malformed_message_on_the_exchange_lands_in_the_dead_letter_queue(service_databases, run_services, rpc,
                                                                         rabbit_config):
    run_services(InventoryService, PlacementsService)
    rpc.inventory.register_school(SCHOOL)
    exchange = Exchange("inventory.events", type="topic", durable=True)
    with Connection(rabbit_config["AMQP_URI"]) as conn:
        producer = conn.Producer(serializer="json")
        producer.publish({"event_type": "equipment_assigned", "data": "nonsense"}, exchange=exchange,
                         routing_key="equipment_assigned", declare=[exchange])
        producer.publish(json.dumps([1, 2]), exchange=exchange, routing_key="x", content_type="application/json")
    wait_for(lambda: rpc.placements.status()["dead_letters"] == 2, timeout=PROJECTION_CEILING)
    receive_and_assign(rpc, 3, "A")  # processing goes on
    placements_at(rpc, 7)
    assert len(rpc.placements.placements()) == 3
    with Connection(rabbit_config["AMQP_URI"]) as conn:
        with conn.SimpleQueue("placements.dead_letters") as q:
            errors = []
            for _ in range(2):
                message = q.get(timeout=5)
                errors.append(message.headers["x-error"])
                message.ack()
    assert any("event_id" in e for e in errors)  # the missing envelope field is named
    assert any("not a JSON object" in e for e in errors)


@pytest.mark.parametrize("body,content_type", [(b"\x00garbage{", "application/json"),
                                                (b"plain words", "text/plain")])
def test_a_body_that_is_not_json_is_dead_lettered_too(run_services, rpc, rabbit_config, body, content_type):
    run_services(InventoryService, PlacementsService)
    rpc.inventory.register_school(SCHOOL)
    with Connection(rabbit_config["AMQP_URI"]) as conn:
        exchange = Exchange("inventory.events", type="topic", durable=True)
        conn.Producer().publish(body, exchange=exchange, routing_key="school_registered",
                                content_type=content_type, content_encoding="binary", declare=[exchange])
    wait_for(lambda: rpc.placements.status()["dead_letters"] == 1, timeout=PROJECTION_CEILING)
    receive_and_assign(rpc, 2, "A")
    placements_at(rpc, 5)
    assert len(rpc.placements.placements()) == 2


def test_status_and_the_bus_path_go_on_while_a_catch_up_waits_on_a_slow_source(projector, log):
    import threading

    first, second = assign(log, "A1", "S1"), assign(log, "A2", "S2")
    in_fetch, release = threading.Event(), threading.Event()

    def slow_fetch(source, after, limit):
        if source == "maintenance":  # the other source hangs
            in_fetch.set()
            release.wait(10)
            return []
        return log.events_since(after, limit)

    projector.fetch = slow_fetch
    catching_up = threading.Thread(target=projector.catch_up, args=(["maintenance"],))
    catching_up.start()
    assert in_fetch.wait(5)
    assert projector.status()["positions"]["inventory"] == 0  # answered, not blocked
    assert projector.handle(first) == "applied" and projector.handle(second) == "applied"
    release.set()
    catching_up.join()


def test_a_gap_filled_from_a_slow_source_holds_up_no_other_source(projector, log, tmp_path):
    """Filling a gap waits on the source's `events_since`, not on the lock: another source's events are
    applied meanwhile, and the held-up event is applied once its gap is filled."""
    import threading

    faults = EventStore(make_engine(f"sqlite:///{tmp_path / 'maintenance.db'}"), "maintenance", "OED", registry)
    faults.create_schema()
    with faults.transaction() as tx:
        declared = tx.append("fault:F1", 0, [Event("fault_declared", {
            "fault_id": "F1", "asset_id": "A1", "school_code": "S1", "symptom": "no power",
            "under_warranty": False})], Context())[0]
    missed, after_gap = assign(log, "A1", "S1"), assign(log, "A2", "S2")
    in_fetch, release = threading.Event(), threading.Event()

    def slow_inventory(source, after, limit):
        if source == "inventory":
            in_fetch.set()
            release.wait(10)
            return log.events_since(after, limit)
        return faults.events_since(after, limit)

    projector.fetch = slow_inventory
    outcome = []
    waiting = threading.Thread(target=lambda: outcome.append(projector.handle(after_gap)))
    waiting.start()
    assert in_fetch.wait(5)
    assert projector.handle(declared) == "applied"  # not blocked by the gap in inventory
    assert projector.positions == {"inventory": 0, "maintenance": 1}
    assert projector.handle(missed) == "applied"  # the bus path of the gap's own source goes on too
    release.set()
    waiting.join(10)
    assert outcome == ["applied"]
    assert projector.positions == {"inventory": 2, "maintenance": 1}
    assert projector.projection.read(projector.engine) == {"A1": "S1", "A2": "S2"}
    with projector.engine.connect() as conn:
        applied = conn.execute(select(projector.projection.applied.c.source,
                                      projector.projection.applied.c.position)).all()
    assert sorted(applied) == [("inventory", 1), ("inventory", 2), ("maintenance", 1)]  # each once


def test_a_catch_up_of_many_pages_uses_one_client_of_the_source(service_databases, run_services, rpc):
    """A projector that was down reads the log in pages over one RPC client, not one client a page."""
    from nameko.testing.utils import get_container, get_extension

    class SmallPages(ProjectorDependency):
        def setup(self):
            super().setup()
            self.projector.page_size = 20

    class PagedPlacementsService(PlacementsService):
        projector = SmallPages(PlacementsProjection, rpc_timeout=5)

    run_services(InventoryService)
    rpc.inventory.register_school(SCHOOL)
    receive_and_assign(rpc, 150, "A")  # 301 events: 16 pages
    runner = run_services(PagedPlacementsService)
    dependency = get_extension(get_container(runner, PagedPlacementsService), ProjectorDependency)
    assert placements_at(rpc, 301) == 301
    assert len(rpc.placements.placements()) == 150
    assert dependency.clients.opened == 1
