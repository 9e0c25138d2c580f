"""The relay publishes the log to the bus, in order, once, even across a broker outage."""
import json
import subprocess
import threading
import time

from kombu import Connection, Exchange, Queue

from shared.catalogue import registry
from shared.events import Context, Event
from shared.relay import Relay
from tests.helpers import wait_for


def record(store, n, start=0):
    for i in range(start, start + n):
        with store.transaction() as tx:
            tx.append(f"asset:A{i}", 0, [Event("equipment_assigned", {"asset_id": f"A{i}", "school_code": "S1"})],
                      Context())


def drain(uri, queue, expected, timeout=20):
    """Every message on `queue`, as parsed envelopes, until `expected` came or time ran out."""
    received = []
    with Connection(uri) as conn:
        with conn.SimpleQueue(queue) as q:
            while len(received) < expected:
                try:
                    msg = q.get(timeout=timeout)
                except q.Empty:
                    break
                received.append(json.loads(msg.body) if isinstance(msg.body, (str, bytes)) else msg.body)
                msg.ack()
    return received


def bind_queue(uri, name="watcher"):
    queue = Queue(name, Exchange("inventory.events", type="topic", durable=True), routing_key="#", durable=True)
    with Connection(uri) as conn:
        queue(conn.default_channel).declare()
    return queue


def revoke(vhost, user):
    """Make the broker unreachable for this vhost: no permission, every connection closed."""
    subprocess.run(["rabbitmqctl", "-q", "clear_permissions", "-p", vhost, user], check=True)
    subprocess.run(["rabbitmqctl", "-q", "close_all_connections", "-p", vhost, "test: broker away"], check=True)


def test_published_in_order_persistent_with_routing_key(store, rabbit_config):
    uri = rabbit_config["AMQP_URI"]
    bind_queue(uri)
    record(store, 5)
    relay = Relay(store, uri)
    assert relay.publish_pending() == 5
    assert relay.publish_pending() == 0
    relay.close()
    got = drain(uri, "watcher", 5)
    assert [e["position"] for e in got] == [1, 2, 3, 4, 5]
    assert all(registry.read(e)["event_type"] == "equipment_assigned" for e in got)
    assert store.published_position() == 5


def test_broker_unreachable_commands_still_accepted_then_everything_once_in_order(
        store, rabbit_config, rabbit_manager):
    uri, vhost, user = rabbit_config["AMQP_URI"], rabbit_config["vhost"], rabbit_config["username"]
    bind_queue(uri)
    record(store, 3)
    relay = Relay(store, uri, batch_size=50, confirm_timeout=2)
    wake, stopping = threading.Event(), threading.Event()
    runner = threading.Thread(target=relay.run, args=(wake, stopping), kwargs={"idle_wait": 0.05,
                                                                                "max_backoff": 0.2})
    runner.start()
    try:
        wait_for(lambda: store.published_position() == 3)
        revoke(vhost, user)
        record(store, 200, start=3)  # commands keep being accepted while the broker is away
        wake.set()
        wait_for(lambda: relay.last_error is not None)
        assert store.published_position() == 3
        rabbit_manager.set_vhost_permissions(vhost, user, ".*", ".*", ".*")
        wait_for(lambda: store.published_position() == 203, timeout=30)
    finally:
        stopping.set()
        wake.set()
        runner.join()
    got = drain(uri, "watcher", 203)
    assert [e["position"] for e in got] == list(range(1, 204))  # in order, none twice, none lost
    assert drain(uri, "watcher", 1, timeout=0.5) == []


def test_a_relay_restarted_before_it_marked_a_batch_republishes_it_and_consumers_can_tell(store, rabbit_config):
    """Publishing then crashing before marking gives a duplicate, never a loss; positions say which."""
    uri = rabbit_config["AMQP_URI"]
    bind_queue(uri)
    record(store, 4)
    relay = Relay(store, uri)
    relay.publish_pending()
    relay.close()
    store.mark_published(2)  # as if the process died between the confirms and the mark
    assert Relay(store, uri).publish_pending() == 2
    got = drain(uri, "watcher", 6)
    assert [e["position"] for e in got] == [1, 2, 3, 4, 3, 4]
    assert got[2]["event_id"] == got[4]["event_id"]


def test_a_publisher_that_cannot_reach_the_broker_lets_a_standby_that_can_publish(store, rabbit_config):
    uri = rabbit_config["AMQP_URI"]
    bind_queue(uri)
    record(store, 5)
    # The first instance holds the lease but reaches no broker (a vhost that is not there).
    cut_off = Relay(store, uri.rsplit("/", 1)[0] + "/no-such-vhost", confirm_timeout=2)
    assert cut_off.lease.hold()
    standby = Relay(store, uri, confirm_timeout=2)
    stopping = threading.Event()
    runners = [threading.Thread(target=relay.run, args=(threading.Event(), stopping),
                                kwargs={"idle_wait": 0.05, "max_backoff": 0.5, "standby_wait": 0.1})
               for relay in (cut_off, standby)]
    for runner in runners:
        runner.start()
    try:
        wait_for(lambda: store.published_position() == 5)
        assert cut_off.last_error is not None
    finally:
        stopping.set()
        for runner in runners:
            runner.join()
    assert [e["position"] for e in drain(uri, "watcher", 5)] == [1, 2, 3, 4, 5]


def test_a_publisher_waiting_long_for_the_brokers_confirms_keeps_its_lease(store, rabbit_config):
    """The broker's confirms held back (as when its disk is busy) three times the lease's life: the publisher
    renews its lease while it waits, so no standby takes over and publishes the same events again."""
    uri = rabbit_config["AMQP_URI"]
    bind_queue(uri)
    record(store, 3)
    relay = Relay(store, uri, lease_ttl=0.6)
    assert relay.lease.hold()
    confirmed, held_back_until = relay._on_ack, time.monotonic() + 1.8
    pending = []

    def slow_ack(delivery_tag, multiple):  # the broker's confirm, reaching the relay only 1.8 s later
        pending.append((delivery_tag, multiple))
        if time.monotonic() >= held_back_until:
            for ack in pending:
                confirmed(*ack)

    relay._on_ack = slow_ack
    channel = relay._connect()
    channel.events["basic_ack"].clear()
    channel.events["basic_ack"].add(slow_ack)
    ticking = threading.Event()

    def tick():  # an ack arrives now and then, as confirms trickle in
        while not ticking.wait(0.1):
            if pending and time.monotonic() >= held_back_until:
                for ack in pending:
                    confirmed(*ack)
                pending.clear()

    ticker = threading.Thread(target=tick)
    ticker.start()
    standby = Relay(store, uri, lease_ttl=0.6)
    try:
        assert relay.publish_pending() == 3
        assert not standby.lease.hold()  # the publisher renewed it while the confirms were held back
    finally:
        ticking.set()
        ticker.join()
        relay.close()
        relay.lease.release()
        standby.lease.release()
    assert [e["position"] for e in drain(uri, "watcher", 3)] == [1, 2, 3]
