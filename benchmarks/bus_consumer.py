"""A consuming service as the services run one, for core.py: nameko under eventlet, the service's own
entrypoint (`following`: the messages that waited in the queue handed to one worker together), a projector
applying them and the entrypoint acknowledging each once applied.

    python benchmarks/bus_consumer.py SOURCE_DB_URL DB_URL AMQP_URI EVENTS [CONSUMER [nothing]]

CONSUMER names the service and its queue (`CONSUMER.inventory`, `bench` by default); with `nothing`, the
handler applies nothing (what nameko alone costs). Prints `ready` once consuming, then, when EVENTS messages
are acknowledged, one JSON line: when the first message was taken and the last acknowledged (epoch seconds),
the lag of each event from its recording to its apply (in the order applied), the outcomes, how many
transactions applied them in how many workers (batches) and the process's CPU time since the first message.
"""
import eventlet

eventlet.monkey_patch()

import json  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from collections import Counter  # noqa: E402
from datetime import datetime  # noqa: E402

from nameko.containers import ServiceContainer  # noqa: E402
from nameko.extensions import DependencyProvider  # noqa: E402

from core import Placements  # noqa: E402
from shared.catalogue import registry  # noqa: E402
from shared.config import nameko_config  # noqa: E402
from shared.db import make_engine  # noqa: E402
from shared.projector import Projector  # noqa: E402
from shared.service import _EventQueueConsumer, following  # noqa: E402
from shared.store import EventStore  # noqa: E402

source_url, url, amqp_uri, expected = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
consumer, nothing = (sys.argv[5:] + ["bench"])[0], sys.argv[6:] == ["nothing"]
taken, lags, acked, cpu = [], [], [], []


class TimedProjector(Projector):
    transactions = batches = 0

    def handle_many(self, bodies):
        if not taken:
            taken.append(time.time())
            cpu.append(time.process_time())
        outcomes = ["ignored"] * len(bodies) if nothing else super().handle_many(bodies)
        done = time.time()
        lags.extend(done - datetime.fromisoformat(body["recorded_at"]).timestamp() for body in bodies)
        TimedProjector.batches += 1
        return outcomes

    def _commit(self, source, envelopes):
        super()._commit(source, envelopes)
        TimedProjector.transactions += 1


class BenchProjector(DependencyProvider):
    def setup(self):
        store = EventStore(make_engine(source_url), "inventory", "OED", registry)
        self.projector = TimedProjector(Placements(), make_engine(url), registry,
                                        lambda s, a, l: store.events_since(a, l))
        self.projector.setup()
        self.projector.outcomes = Counter()

    def get_dependency(self, worker_ctx):
        return self.projector


class Bench:
    name = consumer
    projector = BenchProjector()
    on_inventory_event = following(consumer, "inventory", "projector")


def counting_ack(ack):
    def ack_message(self, message):
        ack(self, message)
        acked.append(time.time())
    return ack_message


_EventQueueConsumer.ack_message = counting_ack(_EventQueueConsumer.ack_message)

container = ServiceContainer(Bench, nameko_config(AMQP_URI=amqp_uri))
container.start()
print("ready", flush=True)
deadline = time.time() + 600
while len(acked) < expected and time.time() < deadline:
    eventlet.sleep(0.01)
outcomes = next(d.projector.outcomes for d in container.dependencies if isinstance(d, BenchProjector))
print(json.dumps({"taken": taken[0] if taken else None, "acked": acked[-1] if acked else None,
                  "count": len(acked), "cpu": time.process_time() - cpu[0] if cpu else None, "lags": lags,
                  "outcomes": dict(outcomes), "transactions": TimedProjector.transactions,
                  "batches": TimedProjector.batches}), flush=True)
container.stop()
