"""A broker stopped and started under running services ends none of them.

Every service runs in a process of its own (`genie run`, no supervisor to hide a death by starting it again)
against a RabbitMQ node of the test's own, while commands stream through the gateway. The node is stopped
with `rabbitmqctl stop_app` and started again a few times, so that answers, acknowledgements and events are in
flight each time its connections go. Afterwards every process is the one started at first (same pid), no
container was killed (nameko logs "killing" and "thread exited with error" when one is), every answer was a
201 or a 503 with Retry-After, and the system serves again: commands are accepted and every one answered 2xx
is in its log.
"""
import time
import uuid

import eventlet
import pytest
from kombu import Connection, Queue
from nameko.containers import ServiceContainer
from nameko.messaging import QueueConsumer
from nameko.rpc import Rpc

from genie.system import SERVICE_CLASSES, service_class
from shared import config
from shared.remote import SteadyQueueConsumer, SteadyRpcConsumer
from tests.helpers import wait_for

from .conftest import System, check_logs, mixed_commands, province
from .test_broker_restart import OwnVhost, Stream, node  # noqa: F401  (node: a fixture)

pytestmark = pytest.mark.e2e

STOPS = 3
OUTAGE = 15  # seconds: longer than an answer's retries, so that one in flight when the broker stops fails
DEATH = ("thread exited with error", "killing")  # what nameko logs when a container dies


@pytest.fixture(scope="module")
def system(tmp_path_factory, node):
    system = System(tmp_path_factory.mktemp("genie-steady"), OwnVhost(node), node.amqp_uri)
    system.env["LOG_LEVEL"] = "INFO"  # nameko says at INFO why it kills a container
    try:
        system.each()
        system.add_user("coord", "coordinator", "province:OED")
        yield system
    finally:
        system.stop()


def deaths(system: System) -> dict[str, list[str]]:
    """Each service's log lines that say its container died."""
    found = {}
    for name in system.procs:
        lines = [line[:600] for line in system.log_tail(name, n=10**9).splitlines()
                 if any(word in line for word in DEATH)]
        if lines:
            found[name] = lines
    return found


@pytest.mark.parametrize("name", sorted(SERVICE_CLASSES))
def test_every_service_receives_through_steady_consumers(name):
    """Every RPC method (whichever `rpc` decorated it), every event consumer and every RPC proxy's answers."""
    container = ServiceContainer(service_class(name), config.nameko_config())
    extensions = container.entrypoints | container.subextensions
    answering = {type(e.rpc_consumer) for e in extensions if isinstance(e, Rpc)}
    receiving = {type(e) for e in extensions if isinstance(e, QueueConsumer)}
    assert answering <= {SteadyRpcConsumer} and receiving
    assert all(issubclass(kind, SteadyQueueConsumer) for kind in receiving), receiving


def test_a_message_whose_connection_is_gone_is_left_to_the_broker(node):
    """Acknowledging on a connection that the broker closed: nameko's consumer raises (the error that killed
    the containers), the steady one leaves the message to the broker, which gives it again."""
    queue = Queue(f"steady-{uuid.uuid4().hex[:8]}", durable=True)
    with Connection(node.amqp_uri) as conn:
        producer = conn.Producer(serializer="json")
        for n in range(6):
            producer.publish({"n": n}, routing_key=queue.name, declare=[queue], delivery_mode=2)
    conn = Connection(node.amqp_uri)
    received = [queue(conn.channel()).get(no_ack=False) for _ in range(6)]
    assert all(received)
    assert node.ctl("stop_app").returncode == 0
    try:
        with pytest.raises(OSError):  # the first write after the close may still pass: the next one cannot
            for message in received[:3]:
                QueueConsumer().ack_message(message)
                eventlet.sleep(0.05)
        for message in received[3:]:
            SteadyQueueConsumer().ack_message(message)
    finally:
        assert node.ctl("start_app").returncode == 0
        conn.release()
    with Connection(node.amqp_uri) as conn:
        bound = queue(conn.channel())
        again = [bound.get(no_ack=True) for _ in range(6)]
    assert sorted(m.payload["n"] for m in again if m is not None) == list(range(6))


def test_no_service_dies_when_the_broker_is_stopped_and_started(system, node):
    pids = {name: proc.pid for name, proc in system.procs.items()}
    schools, setup = province("SB")
    for path, body in setup:
        assert system.post("coord", path, body).status_code == 201
    stream = Stream(system, mixed_commands("SB", schools, 20000), workers=4)
    try:
        started = time.monotonic()
        for stop in range(STOPS + 1):
            # Serving again (a dead service would leave some commands unanswered): then the next stop.
            wait_for(lambda: deaths(system) or stream.ok_since(started) >= 30, timeout=240, interval=0.5)
            assert not deaths(system), f"containers died at stop {stop}: {deaths(system)}"
            print(f"\n30 commands accepted {time.monotonic() - started:.1f}s after start {stop}")
            if stop == STOPS:
                break
            assert node.ctl("stop_app").returncode == 0
            eventlet.sleep(OUTAGE)
            assert node.ctl("start_app").returncode == 0
            started = time.monotonic()
    finally:
        stream.stop()
    statuses = stream.acks.statuses
    print(f"answers: {statuses}")

    assert not deaths(system), f"containers died: {deaths(system)}"
    assert not system.exited(), f"exited: {system.exited()}"
    assert {name: proc.pid for name, proc in system.procs.items()} == pids
    assert set(statuses) <= {201, 503}, statuses
    assert all(s.retry_after for s in stream.sent if s.status == 503)
    system.wait_ready(timeout=240)
    check_logs(system, stream.acks)
