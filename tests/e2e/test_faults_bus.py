"""What the bus may do to reporting: the same event twice, events out of order, a message that is no event.
Messages are published on the sources' exchanges of the system's own vhost, as the relay does."""
import json
import signal
import time
from urllib.parse import quote

import pytest
import requests
from kombu import Connection, Exchange

from .conftest import (MGMT, MGMT_AUTH, Acks, burst, check_indicators_equal_rebuild, check_logs, events_of,
                       indicator_views, mixed_commands, province, registered_province)

pytestmark = pytest.mark.e2e


def publish(system, source: str, bodies: list[bytes], routing_key="x"):
    exchange = Exchange(f"{source}.events", type="topic", durable=True)
    with Connection(system.vhost.amqp_uri) as conn:
        producer = conn.Producer()
        for body in bodies:
            producer.publish(body, exchange=exchange, routing_key=routing_key, declare=[exchange],
                             content_type="application/json", content_encoding="utf-8", delivery_mode=2,
                             retry=True)


def raw(envelope: dict) -> bytes:
    return json.dumps(envelope, ensure_ascii=False).encode()


def queue_url(system, name):
    return f"{MGMT}/queues/{quote(system.vhost.name, safe='')}/{quote(name, safe='')}"


def wait_drained(system, queue: str, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        q = requests.get(queue_url(system, queue), auth=MGMT_AUTH, timeout=10).json()
        if q.get("messages", 1) == 0 and q.get("messages_unacknowledged", 1) == 0:
            return
        time.sleep(0.5)
    raise AssertionError(f"{queue} still holds messages: {q}")


def dead_letters(system) -> int:
    return system.health()["services"]["reporting"]["dead_letters"]


def test_duplicates_out_of_order_and_malformed_messages_count_nothing_twice(system):
    schools, setup = province("B1", 3)
    acks = Acks()
    burst(system, "coord", setup + mixed_commands("B1", schools, 60), acks, workers=3)
    system.settle()
    before = indicator_views(system, "coord", schools[:2])
    dead0 = dead_letters(system)

    # Every event reporting already has, again, newest first, each twice.
    log = events_of(system, "inventory")
    again = [raw(e) for e in reversed(log[-40:]) for _ in range(2)]
    publish(system, "inventory", again)
    # Messages that are no event of the catalogue.
    valid = log[-1]
    wrong_data = {**valid, "event_id": "00000000-0000-4000-8000-000000000001", "position": valid["position"] + 500,
                  "data": {"asset_id": 7}}
    malformed = [b"this is not json", b"[1, 2, 3]", raw({"event_type": "asset_teleported", "data": {}}),
                 raw(wrong_data)]
    publish(system, "inventory", malformed)
    wait_drained(system, "reporting.inventory")
    deadline = time.monotonic() + 20
    while dead_letters(system) < dead0 + len(malformed) and time.monotonic() < deadline:
        time.sleep(0.3)
    assert dead_letters(system) == dead0 + len(malformed)
    health = system.settle()
    assert health["services"]["reporting"]["positions"]["inventory"] == len(log)
    # Nothing moved: the same figures as before the messages came.
    assert indicator_views(system, "coord", schools[:2]) == before
    check_logs(system, acks)
    check_indicators_equal_rebuild(system, "coord", schools[:2])


def test_new_events_delivered_out_of_order_and_twice_are_counted_once(system):
    schools, setup, acks = registered_province(system, "B2", 2)
    system.settle()
    # Reporting is down while new events are recorded; the bus then hands them over reversed and doubled.
    system.kill("reporting", signal.SIGKILL)
    first = len(events_of(system, "inventory"))
    burst(system, "coord", mixed_commands("B2", schools, 24), acks, workers=2)
    assert acks.ok == len(setup) + 24, acks.statuses
    log = events_of(system, "inventory")
    # The queue held them in order: take them out and put them back reversed, each twice.
    requests.delete(queue_url(system, "reporting.inventory") + "/contents", auth=MGMT_AUTH,
                    timeout=10).raise_for_status()
    publish(system, "inventory", [raw(e) for e in reversed(log[first:]) for _ in range(2)])
    system.run("reporting")
    system.wait_ready()
    wait_drained(system, "reporting.inventory")
    health = system.settle()
    assert health["services"]["reporting"]["positions"]["inventory"] == len(log)
    assert health["services"]["reporting"]["stalled"] == {}
    check_logs(system, acks)
    check_indicators_equal_rebuild(system, "coord", schools)
