"""Provinces, their academies and the country, each on a broker (vhost) of its own, federated through
RabbitMQ's plugin: the academy's and the national answers are the sum of the provinces' own.

OED and AUS are provinces of the region DLO, RAB of the region RSK; each region has its academy, and the
national tier follows both academies. OED records before any academy exists (the academy reads it from
OED's log); AUS and RAB record while everything runs; then the link to AUS is cut while AUS records,
the academy's reporting is killed mid-stream, and OED's events are delivered twice more.
"""
from __future__ import annotations

import signal
import threading
from urllib.parse import quote

import pytest
import requests
from kombu import Connection, Exchange
from nameko.standalone.rpc import ClusterRpcProxy

import shared.remote  # noqa: F401  (refusals arrive as themselves)
from shared import federation
from shared.config import SOURCES
from tests.e2e.conftest import MGMT, MGMT_AUTH, PASSWORD, System, Vhost, genie
from tests.helpers import CEILING, wait_for

PROVINCES = {"OED": "DLO", "AUS": "DLO", "RAB": "RSK"}
PERIODS = ("2024-2025", "2025-2026")
PROVINCE_SERVICES = SOURCES + ("reporting",)


class Tier:
    """One deployment: a vhost, its processes (`genie run`), and a client of its broker."""

    def __init__(self, tmp, name: str, env: dict, services):
        self.vhost = Vhost()
        self.vhost.create()
        (tmp / name).mkdir()
        self.system = System(tmp / name, self.vhost)
        self.system.env.update(env)
        self.services = services
        self.name = name

    def start(self, only=None):
        for service in only or self.services:
            self.system.run(service)

    def call(self, service: str, method: str, *args, timeout=60):
        with ClusterRpcProxy({"AMQP_URI": self.vhost.amqp_uri}, timeout=timeout) as cluster:
            return getattr(getattr(cluster, service), method)(*args)

    def positions(self) -> dict:
        try:
            return self.call("reporting", "health", timeout=10)["positions"]
        except Exception:  # starting, or killed a moment ago
            return {}

    def close(self):
        self.system.stop()
        self.vhost.delete()


def last_positions(province: Tier) -> dict:
    return {s: province.call(s, "health")["last_position"] for s in SOURCES}


def settled(tier: Tier, expected: dict) -> dict:
    """Wait until the tier's reporting stands at `expected` (feed -> position) in every feed named."""
    def there():
        now = tier.positions()
        return now if all(now.get(f, -1) >= p for f, p in expected.items()) else None
    try:
        return wait_for(there, timeout=CEILING * 2, interval=0.5)
    except AssertionError:
        raise AssertionError(f"{tier.name} stands at {tier.positions()}, not {expected}")


META = {"actor": {"user": "coordinateur", "role": "coordinator"}}


def record_schools(province: Tier, code: str, first: int, count: int):
    """`count` more schools of the province, each with its census: facts every tier counts."""
    with ClusterRpcProxy({"AMQP_URI": province.vhost.amqp_uri}, timeout=60) as cluster:
        for i in range(first, first + count):
            school = f"{code}-X{i:03d}"
            cluster.inventory.register_school({
                "school_code": school, "name_ar": f"مدرسة {i}", "name_fr": f"École {i}", "cycle": "primary",
                "setting": "rural", "commune": "Bir Anzarane", "region_code": PROVINCES[code],
                "occurred_at": "2025-09-01T08:00:00+01:00"}, META)
            cluster.inventory.record_census({"school_code": school, "school_year": PERIODS[1], "pupils": 100 + i,
                                             "teachers": 5, "occurred_at": "2025-10-05T09:00:00+01:00"}, META)


def seed(province: Tier, code: str, schools=4, assets=3):
    genie("seed", "demo", "--province", code, "--region", PROVINCES[code], "--schools", str(schools),
          "--assets-per-school", str(assets), env=province.system.env, timeout=600)


@pytest.fixture(scope="module")
def tiers(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("federation")
    made = {}
    try:
        for code in PROVINCES:
            made[code] = Tier(tmp, code, {"PROVINCE_CODE": code}, PROVINCE_SERVICES)
            made[code].start()
        for region in sorted(set(PROVINCES.values())):
            upstreams = ",".join(f"{c}={made[c].vhost.amqp_uri}" for c, r in PROVINCES.items() if r == region)
            made[region] = Tier(tmp, region, {"GENIE_TIER": "academy", "GENIE_UPSTREAMS": upstreams},
                                ("reporting", "gateway") if region == "DLO" else ("reporting",))
        made["national"] = Tier(tmp, "national", {"GENIE_TIER": "national", "GENIE_UPSTREAMS": ",".join(
            f"{r}={made[r].vhost.amqp_uri}" for r in sorted(set(PROVINCES.values())))}, ("reporting",))
        for code in PROVINCES:
            wait_for(lambda: made[code].positions(), timeout=CEILING * 2, interval=0.5)
        yield made
    finally:
        for tier in made.values():
            tier.close()


def sum_of(answers: list[dict]) -> dict:
    """Each indicator's numerator and denominator added up over `answers`."""
    total = {}
    for answer in answers:
        for item in answer["indicators"]:
            if item.get("value") == "not_applicable" or item.get("reason") == "not_applicable":
                continue
            n, d = total.get(item["id"], (0, 0))
            total[item["id"]] = (n + (item.get("numerator") or 0), d + (item.get("denominator") or 0))
    return total


def figures(answer: dict) -> dict:
    return {i["id"]: (i.get("numerator") or 0, i.get("denominator") or 0) for i in answer["indicators"]
            if not (i.get("value") == "not_applicable" or i.get("reason") == "not_applicable")}


def assert_close(got: dict, want: dict, where: str):
    assert set(got) == set(want), where
    for ident in want:
        for a, b in zip(got[ident], want[ident]):
            assert abs(a - b) < 1e-3, f"{where}: {ident} is {got[ident]}, the provinces' sum {want[ident]}"


def check_sums(tiers):
    """The academies and the country against the provinces' own answers, every indicator, both years."""
    for period in PERIODS:
        own = {c: tiers[c].call("reporting", "indicators", f"province:{c}", period) for c in PROVINCES}
        for region in set(PROVINCES.values()):
            members = [c for c in PROVINCES if PROVINCES[c] == region]
            academy = tiers[region].call("reporting", "indicators", f"region:{region}", period)
            assert any(n for n, _ in figures(academy).values()), f"academy {region} counts nothing in {period}"
            assert_close(figures(academy), sum_of([own[c] for c in members]), f"academy {region} {period}")
            for c in members:
                assert_close(figures(tiers[region].call("reporting", "indicators", f"province:{c}", period)),
                             figures(own[c]), f"academy {region}, province {c}, {period}")
            national = tiers["national"].call("reporting", "indicators", f"region:{region}", period)
            assert_close(figures(national), figures(academy), f"national, region {region}, {period}")
        everything = tiers["national"].call("reporting", "indicators", "all", period)
        assert_close(figures(everything), sum_of(list(own.values())), f"national all {period}")


def expected_feeds(tiers, codes) -> dict:
    return {f"{c}/{s}": p for c in codes for s, p in last_positions(tiers[c]).items()}


def test_academies_and_the_country_answer_the_sum_of_their_provinces(tiers):
    seed(tiers["OED"], "OED")  # before any academy exists: read from OED's log later
    for name in ("DLO", "RSK", "national"):
        tiers[name].start()
    seed(tiers["AUS"], "AUS")
    seed(tiers["RAB"], "RAB")

    for code in PROVINCES:
        settled(tiers[code], last_positions(tiers[code]))
    settled(tiers["DLO"], expected_feeds(tiers, ["OED", "AUS"]))
    settled(tiers["RSK"], expected_feeds(tiers, ["RAB"]))
    national = settled(tiers["national"], expected_feeds(tiers, PROVINCES))
    assert {f.partition("/")[0] for f in national} == set(PROVINCES)  # keyed "<province>/<source>"
    assert tiers["DLO"].call("reporting", "provinces") == ["AUS", "OED"]
    links = tiers["DLO"].call("reporting", "health")["upstreams"]
    assert links["OED"]["running"] == links["OED"]["links"] == len(SOURCES)

    check_sums(tiers)

    # What the academy's viewer reads in the browser and through the API: the region, province by province.
    dlo = tiers["DLO"].system
    dlo.add_user("amina", "viewer", "region:DLO")
    answer = dlo.get("amina", "/api/indicators", {"scope": "region:DLO", "period": PERIODS[1]}).json()
    assert set(answer["positions"]) == {f"{c}/{s}" for c in ("OED", "AUS") for s in SOURCES}
    browser = requests.Session()
    assert browser.post(dlo.base + "/login", data={"username": "amina", "password": PASSWORD},
                        allow_redirects=False, timeout=30).status_code == 303
    page = browser.get(dlo.base + f"/dashboard?scope=region:DLO&period={PERIODS[1]}&lang=fr", timeout=60)
    assert page.status_code == 200 and "province:AUS" in page.text and "province:OED" in page.text

    before = tiers["DLO"].call("reporting", "indicators", "region:DLO", PERIODS[1])
    tiers["DLO"].call("reporting", "rebuild", timeout=300)
    assert figures(tiers["DLO"].call("reporting", "indicators", "region:DLO", PERIODS[1])) == figures(before)


def test_a_cut_link_a_killed_academy_and_events_delivered_twice_lose_and_double_nothing(tiers):
    dlo = tiers["DLO"]
    management = federation.Management(MGMT.rsplit("/api", 1)[0].replace("http://", "http://guest:guest@"))
    vhost = quote(dlo.vhost.name, safe="")
    # The link from AUS cut while AUS records: its upstream removed from the academy's broker.
    requests.delete(f"{MGMT}/parameters/federation-upstream/{vhost}/genie-AUS", auth=MGMT_AUTH,
                    timeout=10).raise_for_status()
    wait_for(lambda: "AUS" not in federation.links(management, dlo.vhost.amqp_uri), interval=0.5)
    record_schools(tiers["AUS"], "AUS", 1, 15)
    # The academy's reporting killed with SIGKILL while OED records, then started again (which restores AUS).
    recorded = tiers["OED"].call("inventory", "health")["last_position"]
    recording = threading.Thread(target=record_schools, args=(tiers["OED"], "OED", 1, 40))
    recording.start()
    wait_for(lambda: tiers["OED"].call("inventory", "health")["last_position"] > recorded + 10, interval=0.2)
    dlo.system.kill("reporting", signal.SIGKILL)
    recording.join(timeout=600)
    dlo.start(["reporting"])
    wait_for(lambda: "AUS" in federation.links(management, dlo.vhost.amqp_uri), interval=0.5)
    # OED's whole inventory log delivered twice more onto the academy's exchange.
    events = tiers["OED"].call("inventory", "events_since", 0, 5000)
    with Connection(dlo.vhost.amqp_uri) as conn:
        producer = conn.Producer(serializer="json")
        exchange = Exchange("inventory.events", type="topic", durable=True)
        for _ in range(2):
            for env in events:
                producer.publish(env, exchange=exchange, routing_key=f"inventory.{env['event_type']}")

    settled(dlo, expected_feeds(tiers, ["OED", "AUS"]))
    settled(tiers["national"], expected_feeds(tiers, PROVINCES))
    check_sums(tiers)
    health = dlo.call("reporting", "health")
    assert not health["stalled"] and health["dead_letters"] == 0
