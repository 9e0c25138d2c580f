"""RabbitMQ out of reach for ~15 s while commands are sent. The broker is shared with other tests, so it is not
stopped: the system reaches it through a TCP relay that the test shuts (connections dropped, new ones refused,
as when the broker stops) and opens again.

(Withdrawing the vhost's permissions instead, with `rabbitmqctl clear_permissions`, is no good stand-in: a
service that reconnects while refused gets NOT_ALLOWED, which kombu does not retry, and it exits.)

What the outage does today: a service whose worker was acknowledging a message or sending an RPC answer when
the connection dropped exits (nameko stops a container whose worker thread fails). The services run one
`genie run` each here, and the test starts again, as `genie up` or a container restart policy would, whichever
exited. Nothing recorded is lost by that:
the log is the outbox, and a restarted service publishes what it had not.

The gateway reaches the services over RabbitMQ, so during the outage it accepts no command: they are answered
5xx (or time out) and none of them is acknowledged. What is proven: once the broker is back, commands are
accepted again, and every event recorded before and after reaches the bus, in order, with no gap, and each
is counted once.
"""
import time

import eventlet
import pytest
from kombu import Connection, Exchange, Queue

from .conftest import (SOURCES, Acks, burst, check_indicators_equal_rebuild, check_logs, mixed_commands,
                       registered_province, with_coordinator)

pytestmark = pytest.mark.e2e

OUTAGE = 15


@pytest.fixture(scope="module")
def system(genie_each_behind_door):
    return with_coordinator(genie_each_behind_door)


def witness_queues(system):
    """Our own queue on each source's exchange, to see what the relays publish."""
    with Connection(system.vhost.amqp_uri) as conn:
        for source in SOURCES:
            exchange = Exchange(f"{source}.events", type="topic", durable=True)
            Queue(f"e2e-witness.{source}", exchange=exchange, routing_key="#", durable=True)(conn.channel()).declare()


def drain(system, source) -> list[dict]:
    out = []
    with Connection(system.vhost.amqp_uri) as conn:
        queue = Queue(f"e2e-witness.{source}")(conn.channel())
        while True:
            message = queue.get(no_ack=True)
            if message is None:
                return out
            out.append(message.decode())


def supervise(system, timeout=120) -> list[str]:
    """What a supervisor does: start again any service that exited, until all are up and stay up for 5 s."""
    restarted, deadline, steady_since = [], time.monotonic() + timeout, None
    while time.monotonic() < deadline:
        for name in system.exited():
            restarted.append(name)
            system.run(name)
            steady_since = None
        try:
            ok = system.health().get("status") == "ok"
        except Exception:
            ok = False
        if not ok:
            steady_since = None
        elif steady_since is None:
            steady_since = time.monotonic()
        elif time.monotonic() - steady_since > 5:
            return restarted
        time.sleep(0.5)
    raise AssertionError(f"the system did not come back; restarted {restarted}")


def test_broker_out_of_reach_then_back_every_event_arrives_in_order(system, broker_door):
    witness_queues(system)
    schools, setup, acks = registered_province(system, "R1", 3)
    during: dict[int, int] = {}

    def outage():
        while acks.ok < len(setup) + 80:
            eventlet.sleep(0.05)
        broker_door.shut()
        ok_at_start = acks.ok
        eventlet.sleep(OUTAGE)
        during["acknowledged"] = acks.ok - ok_at_start
        broker_door.open()

    errors = []
    back = eventlet.event.Event()
    cut = eventlet.spawn(outage)
    cut.link(lambda _: back.send(True))
    # Until the broker is back; while it is out of reach each command waits 5 s for its answer, then gives up.
    burst(system, "coord", mixed_commands("R1", schools, 2000), acks, workers=2, errors=errors, halt=back,
          timeout=5)
    cut.wait()
    # The outage hit the burst: commands were refused or went unanswered while the broker was out of reach.
    assert errors or any(code >= 500 for code in acks.statuses), acks.statuses
    restarted = supervise(system)
    print(f"\nbroker outage: answers {acks.statuses}, {len(errors)} without answer, "
          f"{during['acknowledged']} acknowledged during the {OUTAGE} s; started again: {restarted}")
    # Accepted again once the broker is back.
    after = Acks()
    burst(system, "coord", mixed_commands("R1b", schools, 40), after, workers=2)
    assert after.ok == 40, after.statuses
    acks.events.extend(after.events)
    logs = check_logs(system, acks)
    system.settle(timeout=180)
    for source in SOURCES:
        published = drain(system, source)
        positions = [e["position"] for e in published]
        # Each event of the log on the bus; a batch unconfirmed when the connection dropped may be sent again,
        # never another event in its place.
        assert sorted(set(positions)) == [e["position"] for e in logs[source]], source
        by_position = {e["position"]: e["event_id"] for e in logs[source]}
        assert all(by_position[e["position"]] == e["event_id"] for e in published), source
        firsts = list(dict.fromkeys(positions))
        assert firsts == sorted(firsts), f"{source}: out of order on the bus"
    check_indicators_equal_rebuild(system, "coord", schools[:2])
