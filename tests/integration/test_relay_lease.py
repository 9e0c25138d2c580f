"""One publisher per log: of two instances of a service, one relay publishes and the other stands by,
taking over within seconds when the first dies. On SQLite (a lock row with an expiry) and PostgreSQL
(an advisory lock)."""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from shared.db import make_engine
from shared.lease import Lease
from shared.store import EventStore
from shared.catalogue import registry
from tests.helpers import CEILING, bus_tap, wait_for

ROOT = Path(__file__).resolve().parents[2]
COORDINATOR = {"actor": {"user": "fatima", "role": "coordinator"}}


@pytest.fixture
def engine(database):
    e = make_engine(database)
    EventStore(e, "inventory", "OED", registry).create_schema()
    yield e
    e.dispose()


def test_one_holder_at_a_time_and_the_next_takes_over_once_it_is_gone(engine):
    first, second = Lease(engine, "inventory", ttl=1.0), Lease(engine, "inventory", ttl=1.0)
    assert first.hold()
    assert not second.hold()
    assert first.hold()  # renewing keeps it
    first.release()
    assert wait_for(second.hold, timeout=5)
    assert not first.hold()
    second.release()


def test_a_holder_that_stops_renewing_loses_the_lease_on_sqlite(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'inventory.db'}")
    EventStore(engine, "inventory", "OED", registry).create_schema()
    dead, standby = Lease(engine, "inventory", ttl=1.0), Lease(engine, "inventory", ttl=1.0)
    assert dead.hold()  # and then never again, as a killed process
    assert not standby.hold()
    started = time.monotonic()
    wait_for(standby.hold, timeout=10)
    assert time.monotonic() - started >= 0.5  # not before the expiry
    engine.dispose()


class Instance:
    """`genie run inventory` as a process of its own."""

    def __init__(self, tmp: Path, name: str, env: dict):
        self.log = tmp / f"{name}.log"
        with open(self.log, "wb") as out:
            self.proc = subprocess.Popen([sys.executable, "-m", "genie.cli", "run", "inventory"], cwd=ROOT,
                                         env=env, stdout=out, stderr=subprocess.STDOUT)

    def running(self) -> bool:
        """Started: its RPC consumer is up, so it answers commands too."""
        return "genie: inventory running on" in self.log.read_text(errors="replace")

    def publishes(self) -> bool:
        text = self.log.read_text(errors="replace")
        return text.rfind("relay lease inventory taken") > text.rfind("relay lease inventory lost")

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def tap(rabbit_config):
    """Every message published on `inventory.events`, from before the services start: tap(positions) waits for
    those positions (60 s at most), then takes anything more that came (a second publisher would show here)."""
    with bus_tap(rabbit_config["AMQP_URI"], "inventory") as bus:

        def drain(until_positions, timeout=CEILING):
            start, deadline = len(bus.received), time.monotonic() + timeout
            while (not until_positions <= {m["position"] for m in bus.received[start:]}
                   and time.monotonic() < deadline):
                bus.take(wait=1)
            bus.take(wait=2)
            return bus.received[start:]

        yield drain


def healthy(rpc) -> bool:
    try:
        return rpc.inventory.health()["status"] == "ok"
    except Exception:  # not started yet
        return False


def register(rpc, first, count):
    for i in range(first, first + count):
        rpc.inventory.register_school({"school_code": f"OED{i:03d}", "name_ar": f"مدرسة {i}",
                                       "name_fr": f"École {i}", "cycle": "primary", "setting": "urban",
                                       "commune": "Dakhla", "region_code": "DOE"}, COORDINATOR)


def test_two_instances_publish_the_log_once_and_the_standby_takes_over_when_the_publisher_is_killed(
        service_databases, genie_env, rabbit_config, rpc, tap, tmp_path, capsys):
    env = dict(os.environ, AMQP_URI=rabbit_config["AMQP_URI"], LOG_LEVEL="INFO")
    instances = []
    try:
        # The standby starts once the first runs, so that both run before one is killed (on a busy machine the
        # second can still be starting when the first answers, and the commands after the kill would find no
        # instance to answer them). Started at the same moment on one SQLite file, beside the compose suite's
        # image builds, the first twice stalled after its migrations and never started.
        for name in ("first", "second"):
            instances.append(Instance(tmp_path, name, env))
            try:
                wait_for(instances[-1].running, timeout=CEILING, interval=0.5)
            except AssertionError:
                tails = "\n".join(f"--- {i.log.name}\n" + i.log.read_text(errors="replace")[-3000:]
                                  for i in instances)
                raise AssertionError(f"an instance did not start:\n{tails}") from None
        wait_for(lambda: healthy(rpc), timeout=CEILING, interval=0.5)
        publisher = wait_for(lambda: next((i for i in instances if i.publishes()), None), timeout=CEILING)
        standby = next(i for i in instances if i is not publisher)
        register(rpc, 1, 20)
        got = tap({*range(1, 21)})
        assert sorted(m["position"] for m in got) == list(range(1, 21))  # each once: one relay publishes
        assert not standby.publishes()
        # Killed once it has marked what it published (killed between the two, it is published again:
        # a duplicate the consumers skip, which is the relay's own test).
        wait_for(lambda: rpc.inventory.health()["published_position"] == 20)
        publisher.kill()
        killed = time.monotonic()
        register(rpc, 21, 10)  # the standby answers the commands too
        got = tap({*range(21, 31)})
        took_over = time.monotonic() - killed
        assert sorted(m["position"] for m in got) == list(range(21, 31))
        assert standby.publishes()
        assert rpc.inventory.health()["relay"] == "publishing"
        with capsys.disabled():
            print(f"\n[{service_databases}] the ten events recorded after the publisher was killed "
                  f"were on the bus {took_over:.1f}s later, published by the standby")
    finally:
        for i in instances:
            i.stop()
