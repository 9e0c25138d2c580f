"""One read model fed by several provinces (an academy, the country): positions per province and source."""
import random

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, insert

from shared.catalogue import registry
from shared.db import make_engine
from shared.projector import Projector
from shared.store import EventStore
from tests.integration.test_projector import PlacementsProjection, assign

PROVINCES = ("OED", "AUS", "RAB")


class ProvincesPlacements(PlacementsProjection):
    """The placements, and each event applied once: keyed by its province too."""

    def define_tables(self, metadata: MetaData) -> None:
        super().define_tables(metadata)
        metadata.remove(self.applied)
        self.applied = Table("applied", metadata, Column("province_code", String(10), primary_key=True),
                             Column("source", String(20), primary_key=True),
                             Column("position", Integer, primary_key=True))

    def apply(self, conn, env):
        conn.execute(insert(self.applied).values(province_code=env["province_code"], source=env["source"],
                                                 position=env["position"]))
        getattr(self, "on_" + env["event_type"], lambda conn, env: None)(conn, env)


@pytest.fixture
def logs(tmp_path):
    """Each province's own inventory log: the same positions 1, 2, 3 … in each."""
    found = {}
    for code in PROVINCES:
        store = EventStore(make_engine(f"sqlite:///{tmp_path / code}.db"), "inventory", code, registry)
        store.create_schema()
        found[code] = store
    return found


@pytest.fixture
def academy(database, logs):
    fetches = []
    announced = list(PROVINCES[:2])  # what the upstreams say there is

    def fetch(feed, after, limit):
        fetches.append((feed, after))
        province, _, source = feed.partition("/")
        return logs[province].events_since(after, limit) if source == "inventory" else []

    p = Projector(ProvincesPlacements(), make_engine(database), registry, fetch, retry_delays=(0.01,),
                  provinces=lambda: announced)
    p.setup()
    p.fetches, p.announced = fetches, announced
    yield p
    p.engine.dispose()


def placements(logs):
    expected = {}
    for store in logs.values():
        for env in store.events_since(0, 5000):
            expected[env["data"]["asset_id"]] = env["data"]["school_code"]
    return expected


def test_the_same_positions_in_two_provinces_are_two_events_not_a_duplicate(academy, logs):
    oed = assign(logs["OED"], "OED-A1", "OED-S1")
    aus = assign(logs["AUS"], "AUS-A1", "AUS-S1")
    assert oed["position"] == aus["position"] == 1

    assert academy.handle(oed) == "applied"
    assert academy.handle(aus) == "applied"
    assert academy.handle(aus) == "duplicate"
    assert academy.projection.read(academy.engine) == {"OED-A1": "OED-S1", "AUS-A1": "AUS-S1"}
    assert academy.status()["positions"]["OED/inventory"] == 1
    assert academy.status()["positions"]["AUS/inventory"] == 1


def test_a_gap_in_one_province_is_read_from_that_province_only(academy, logs):
    sent = {code: [assign(logs[code], f"{code}-A{i}", f"{code}-S{i % 3}") for i in range(20)] for code in PROVINCES}
    for env in sent["OED"]:
        academy.handle(env)
    academy.fetches.clear()
    assert academy.handle(sent["AUS"][9]) == "applied"  # AUS 1-9 missed: read from AUS's log
    assert {feed for feed, _ in academy.fetches} == {"AUS/inventory"}
    assert academy.status()["positions"]["AUS/inventory"] == 10
    assert academy.status()["positions"]["OED/inventory"] == 20


def test_shuffled_duplicated_deliveries_of_three_provinces_give_their_union(academy, logs):
    rng = random.Random(11)
    sent = [assign(logs[code], f"{code}-A{rng.randrange(15)}", f"{code}-S{rng.randrange(5)}")
            for _ in range(100) for code in PROVINCES]
    deliveries = sent + rng.sample(sent, 120)
    rng.shuffle(deliveries)
    for env in deliveries:
        academy.handle(env)
    academy.catch_up()
    assert academy.projection.read(academy.engine) == placements(logs)
    positions = academy.status()["positions"]
    assert {f: positions[f] for f in positions if f.endswith("/inventory")} == \
        {f"{code}/inventory": 100 for code in PROVINCES}


def test_a_province_the_upstreams_announce_is_read_from_its_start(academy, logs):
    for i in range(7):
        assign(logs["OED"], f"OED-A{i}", "OED-S1")
    assert academy.catch_up() == 7
    assert "RAB/inventory" not in academy.status()["positions"]
    for i in range(3):
        assign(logs["RAB"], f"RAB-A{i}", "RAB-S1")
    academy.announced.append("RAB")
    assert academy.catch_up() == 3
    assert academy.status()["positions"]["RAB/inventory"] == 3


def test_positions_per_province_survive_a_restart_and_a_rebuild(academy, logs, database):
    for code in PROVINCES[:2]:
        for i in range(5):
            academy.handle(assign(logs[code], f"{code}-A{i}", f"{code}-S{i}"))
    again = Projector(ProvincesPlacements(), make_engine(database), registry, academy.fetch,
                      provinces=lambda: [])
    again.setup()
    assert again.status()["positions"] == academy.status()["positions"]
    assert set(again.status()["positions"]) >= {"OED/inventory", "AUS/inventory"}
    assert again.rebuild() == 10
    assert again.projection.read(again.engine) == placements({c: logs[c] for c in PROVINCES[:2]})
    again.engine.dispose()


def test_a_province_deployment_keeps_its_positions_by_source(database, logs):
    p = Projector(PlacementsProjection(), make_engine(database), registry,
                  lambda source, after, limit: logs["OED"].events_since(after, limit) if source == "inventory" else [])
    p.setup()
    assign(logs["OED"], "OED-A1", "OED-S1")
    assert p.catch_up() == 1
    assert p.status()["positions"] == {"inventory": 1, "maintenance": 0}
    p.engine.dispose()
