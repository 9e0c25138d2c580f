"""An academy in containers (deploy/academy.compose.yml) beside the province's stack, its broker federated with
the province's through the user the README has the province make: the region's figures are the province's own,
also after the link was cut while the province recorded.

Runs after test_stack.py, on the stack it leaves up (or starts it). The academy's broker and reporting reach the
province's broker as another site would: the province's broker joins the academy's network under its own
container name, as a host name of its own.
"""
from __future__ import annotations

import os
import secrets as tokens
import subprocess

import pytest

from shared.config import READING_SERVICES, SOURCES
from tests.e2e.conftest import Acks, burst, mixed_commands, province
from tests.helpers import wait_for

from .conftest import ROOT, Stack, as_installed, readme_block

COORDINATOR = "hassan"
TAG = "ACD"
PERIODS = ("2025-2026", "2026-2027")
REGION = "region:DOE"  # the region of the province's schools (tests.e2e.conftest.province)


def academy_files() -> str:
    files = [ROOT / "deploy" / "academy.compose.yml"]
    if "compose.local.yml" in os.environ.get("COMPOSE_FILE", ""):
        files.append(ROOT / "deploy" / "academy.local.yml")
    return ":".join(str(f) for f in files)


def docker(*args) -> str:
    return subprocess.run(["docker", *args], capture_output=True, text=True, check=True).stdout.strip()


@pytest.fixture(scope="module")
def linked(stack, tmp_path_factory):
    """(province, academy): the academy's containers up and healthy, federated with the province's broker."""
    stack.compose("up", "-d", "--build", timeout=900)
    stack.wait_healthy(timeout=180)
    upstream_password = tokens.token_urlsafe(18)
    user = as_installed(readme_block("A province makes its academy's user on its own broker"))
    done = subprocess.run(["bash", "-euo", "pipefail", "-c", user], cwd=stack.tmp,
                          env=dict(stack.env, DLO_PASSWORD=upstream_password), capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    broker = docker("inspect", "--format", "{{.Name}}", stack.container("rabbitmq")).lstrip("/")
    academy = Stack(tmp_path_factory.mktemp("academy"),
                    {"RABBITMQ_PASSWORD": tokens.token_urlsafe(18), "POSTGRES_PASSWORD": tokens.token_urlsafe(18),
                     "GATEWAY_SECRET": tokens.token_urlsafe(32)},
                    services=READING_SERVICES, COMPOSE_PROJECT_NAME="genieacademy", COMPOSE_FILE=academy_files(),
                    GENIE_UPSTREAMS=f"OED=amqp://dlo:{upstream_password}@{broker}:5672/")
    network = f"{academy.project}_default"
    unlink = ["docker", "network", "disconnect", "-f", network, broker]
    subprocess.run(unlink, capture_output=True)  # left by an earlier run, it would keep the network
    academy.compose("down", "-v", "--remove-orphans", check=False)
    academy.compose("up", "--no-start", "--build", timeout=900)
    docker("network", "connect", network, broker)
    academy.link = (network, broker)
    try:
        academy.compose("up", "-d", timeout=300)
        academy.wait_healthy(timeout=180)
        yield stack, academy
    finally:
        subprocess.run(unlink, capture_output=True)
        academy.compose("down", "-v", "--remove-orphans", timeout=180, check=False)


def academy_reporting(academy: Stack) -> dict:
    try:
        return academy.health()["services"]["reporting"]
    except Exception:  # starting, or a moment without an answer
        return {}


def caught_up(oed: Stack, academy: Stack) -> dict:
    """Wait until the academy stands where the province's logs end, in each of the province's feeds."""
    oed.settle(timeout=180)
    last = oed.last_positions()
    expected = {f"OED/{s}": last[s] for s in SOURCES}

    def there():
        now = academy_reporting(academy).get("positions", {})
        return now if all(now.get(f) == p for f, p in expected.items()) else None
    return wait_for(there, timeout=240, interval=1)


def figures(system: Stack, user: str, scope: str, period: str) -> dict:
    answer = system.get(user, "/api/indicators", {"scope": scope, "period": period})
    assert answer.status_code == 200, answer.text
    return {i["id"]: (i.get("numerator"), i.get("denominator")) for i in answer.json()["indicators"]}


def same_figures(oed: Stack, academy: Stack):
    for period in PERIODS:
        own = figures(oed, COORDINATOR, "province:OED", period)
        seen = figures(academy, "regional", REGION, period)
        assert seen == own, {i: (own[i], seen.get(i)) for i in own if seen.get(i) != own[i]}


def test_the_academy_in_containers_shows_the_province_as_it_counts_itself(linked):
    oed, academy = linked
    oed.add_user(COORDINATOR, "coordinator", "province:OED")
    academy.add_user("regional", "viewer", REGION)
    schools, setup = province(TAG, 3)
    acks = Acks()
    burst(oed, COORDINATOR, setup + mixed_commands(TAG, schools, 30), acks, workers=2)
    assert acks.ok == len(setup) + 30, acks.statuses

    def running():
        links = academy_reporting(academy).get("upstreams", {})
        return links if links.get("OED", {}).get("running") == len(SOURCES) else None
    links = wait_for(running, timeout=120, interval=1)
    print(f"\nthe academy's federation links: {links}")
    caught_up(oed, academy)
    same_figures(oed, academy)


def test_the_link_cut_while_the_province_records_loses_nothing_and_counts_nothing_twice(linked):
    oed, academy = linked
    network, broker = academy.link
    schools = [f"{TAG}S{i:02d}" for i in range(3)]
    docker("network", "disconnect", network, broker)
    try:
        cut = Acks()
        burst(oed, COORDINATOR, mixed_commands(TAG + "C", schools, 20), cut, workers=2)
        assert cut.ok == 20, cut.statuses  # the province goes on recording without its academy
    finally:
        docker("network", "connect", network, broker)
    caught_up(oed, academy)
    same_figures(oed, academy)
