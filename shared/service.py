"""The nameko side of the core: the log and the projector as dependencies, and
the catch-up RPC every event-sourced service answers."""
from __future__ import annotations

import json
import logging
import threading
from collections import Counter
from functools import partial
from operator import attrgetter

import eventlet
import migrations
from kombu import Connection, Exchange, Queue
from nameko.exceptions import ContainerBeingKilled
from nameko.extensions import DependencyProvider
from nameko.messaging import Consumer
from nameko.rpc import rpc
from nameko.standalone.rpc import ClusterRpcProxy
from nameko.timer import timer

from . import config, db, federation, remote  # noqa: F401  (remote: refusals cross the bus as themselves)
from .catalogue import registry
from .commands import UnitOfWork, run
from .db import make_engine
from .projector import Projection, Projector, split_feed
from .relay import Relay, event_exchange
from .remote import SteadyQueueConsumer, answer_steadily
from .store import EventStore

log = logging.getLogger(__name__)


def migrate(container, engine) -> None:
    """Bring the service's database to the newest revision, with the tables its
    class declares as kept (`kept_tables`, a MetaData) beside the core's."""
    migrations.upgrade(container.service_name, engine, getattr(container.service_cls, "kept_tables", None))


class EventLog(DependencyProvider):
    """The service's event store, its own read models (`views`) and the relay that publishes it."""

    def __init__(self, views: type[Projection] | None = None):
        self.views_cls = views

    def bind(self, container, attr_name):
        answer_steadily(container)  # a broker that goes away ends no RPC answer of the service
        return super().bind(container, attr_name)

    def setup(self):
        name = self.container.service_name
        self.store = EventStore(make_engine(config.database_url(name)), name, config.province_code(), registry)
        migrate(self.container, self.store.engine)
        self.store.ordered_streams = tuple(getattr(self.container.service_cls, "ordered_streams", ()))
        self.store.founded_streams = tuple(getattr(self.container.service_cls, "founded_streams", ()))
        self.store.create_schema()
        if self.views_cls is not None:
            self.store.views = self.views_cls()
            self.store.views_in_shape()
        self.relay = self.store.relay = Relay(self.store, self.container.config["AMQP_URI"])
        self._wake, self._stopping = threading.Event(), threading.Event()
        self.store.after_commit.append(self._wake.set)

    def start(self):
        self.container.spawn_managed_thread(lambda: self.relay.run(self._wake, self._stopping))

    def stop(self):
        self._stopping.set()
        self._wake.set()

    def get_dependency(self, worker_ctx):
        return self.store


class EventSourced:
    """Mixin: the catch-up RPC of CONTRACT §3, and the runner of the service's commands. The service
    names its EventLog `log`; its handlers get a `unit` (a UnitOfWork) with the `unit_parts()`."""

    unit = UnitOfWork
    parts: dict[str, str] = {}  # what the handlers find on their unit: name -> attribute path on the service

    @property
    def views(self):
        """The service's own read models, made from its log."""
        return self.log.views

    def unit_parts(self) -> dict:
        return {name: attrgetter(path)(self) for name, path in self.parts.items()}

    def run_command(self, handler, command, meta=None):
        return run(self.log, handler, command, meta, self.unit, **self.unit_parts())

    def read(self, query, *args, **kwargs):
        """`query(conn, …)` on the service's own database, without the writer lock."""
        with db.reading(self.log.engine) as conn:
            return query(conn, *args, **kwargs)

    def health_with(self, stalled: str = "stalled", **followers) -> dict:
        """The log's health and each follower's status (a projector's, a reaction's) under its name;
        the service is `stalled` while one of them is."""
        answer = EventSourced.health(self)
        for name, status in followers.items():
            answer[name] = status
            if status["stalled"]:
                answer["status"] = stalled
        return answer

    @rpc
    def events_since(self, after_position, limit=1000):
        return self.log.events_since(after_position, limit)

    @rpc
    def health(self):
        store = self.log
        last = store.last_position()
        published = store.published_position()
        return {"service": store.source, "status": "ok", "last_position": last,
                "published_position": published, "unpublished": last - published,
                "relay": "publishing" if store.relay is not None and store.relay.lease.held else "standby"}


def expose_commands(handlers):
    """Class decorator: each command handler of the module `handlers` (marked `@command(schema)`)
    becomes the RPC method `name(command, meta=None)`, unless the class writes that method itself."""
    def decorate(cls):
        for name, handler in vars(handlers).items():
            if (getattr(handler, "schema", None) is not None and getattr(handler, "__module__", None)
                    == handlers.__name__ and not hasattr(cls, name)):
                setattr(cls, name, _command_method(name, handler))
        return cls
    return decorate


def _command_method(name, handler):
    def method(self, command, meta=None):
        return self.run_command(handler, command, meta)

    method.__name__ = method.__qualname__ = name
    method.__doc__ = handler.__doc__
    return rpc(method)


def following(consumer: str, source: str, follower: str):
    """The entrypoint that hands the events of `source` from the bus to the service's `follower` (a
    projector or a reaction), those that waited in the queue together, counting what became of each
    (`outcomes`). A batch whose handling raised (its database out of reach) is given back whole: those
    of its events already applied come again as duplicates."""
    @consume_batches(source_queue(consumer, source), requeue_on_error=True)
    def on_event(self, bodies):
        projector = getattr(self, follower)
        outcomes = projector.handle_many(bodies)
        projector.outcomes.update(outcomes)
        return outcomes

    on_event.__name__ = on_event.__qualname__ = f"on_{source}_event"
    return on_event


def answers(view: str, doc: str | None = None):
    """The RPC method that answers from the service's own read models: `self.views.<view>(conn, …)`,
    given the method's arguments as they are (the view names them)."""
    @rpc
    def method(self, *args, **kwargs):
        return self.read(getattr(self.views, view), *args, **kwargs)

    method.__doc__ = doc
    return method


def follow(consumer: str, source: str, follower: str, seconds: float = 10):
    """Both ways the events of `source` reach the service's `follower`: the entrypoint of the bus (the
    fast path) and the timer that reads its log (the safety net). `on_x_event, catch_up = follow(…)`."""
    return following(consumer, source, follower), catching_up(follower, seconds)


def catching_up(follower: str, seconds: float = 10):
    """The timer that reads what the bus did not bring (the service was down, or new) from the
    sources' logs: the bus is the fast path, this the safety net."""
    @timer(interval=seconds, eager=True)
    def catch_up(self):
        getattr(self, follower).catch_up()

    return catch_up


def source_queue(consumer: str, source: str) -> Queue:
    """A durable queue receiving every event of `source`, one active consumer at a time."""
    exchange = Exchange(event_exchange(source), type="topic", durable=True)
    return Queue(f"{consumer}.{source}", exchange=exchange, routing_key="#", durable=True,
                 queue_arguments={"x-single-active-consumer": True})


BATCH = 200  # messages a consumer of batches may hold unacknowledged (its prefetch), so at most in a batch
PAUSE_AFTER_ERROR = 1.0  # seconds before a batch whose handling raised is given back (it comes again at once)


class _EventQueueConsumer(SteadyQueueConsumer):
    """The event queues' consumer: hands every message over as it arrives, in the consumer's thread, so that
    those arriving before its worker starts join its batch; even one whose body is not JSON, so that the
    projector can dead-letter it instead of it being dropped."""

    @property
    def prefetch_count(self):
        return max(BATCH, self.container.max_workers)

    def get_consumers(self, consumer_cls, channel):
        for provider in self._providers:
            consumer = consumer_cls(queues=[provider.queue], on_message=partial(self._on_raw, provider))
            consumer.qos(prefetch_count=self.prefetch_count)
            self._consumers[provider] = consumer
        return self._consumers.values()

    def _on_raw(self, provider, message):
        raw = message.body
        try:
            body = json.loads(raw)
        except (TypeError, ValueError):
            body = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
        provider.arrived(body, message)


class _EventBatchConsumer(Consumer):
    """Gives the messages of its queue to one worker at a time, as a list of bodies: those that arrived
    while the previous worker ran (a lone message at once, without waiting for more). Each message is
    settled once the worker returned, as nameko's Consumer settles one: acknowledged, or given back if
    the worker raised and `requeue_on_error`."""

    queue_consumer = _EventQueueConsumer()

    def __init__(self, queue, requeue_on_error=False, **kwargs):
        super().__init__(queue, requeue_on_error=requeue_on_error, **kwargs)
        self._arrived: list = []  # (body, message), not yet given to a worker
        self._busy = False  # a worker has the last batch, or one is about to be made
        self._stopping = False

    def stop(self):
        self._stopping = True  # what has not reached a worker is left to the broker
        super().stop()

    def arrived(self, body, message):
        self._arrived.append((body, message))
        if not self._busy:
            self._busy = True
            self.container.spawn_managed_thread(self._next_batch, identifier=f"{self.method_name}.batch")

    def _next_batch(self):
        if self._stopping or not self._arrived:
            self._busy = False
            return
        size = self.queue_consumer.prefetch_count  # more only after a reconnection: the old ones come again
        batch, self._arrived = self._arrived[:size], self._arrived[size:]
        messages = [message for _, message in batch]
        try:
            self.container.spawn_worker(self, ([body for body, _ in batch],), {},
                                        context_data=self.unpack_message_headers(messages[0]),
                                        handle_result=partial(self.handle_result, messages))
        except ContainerBeingKilled:
            for message in messages:
                self.queue_consumer.requeue_message(message)
            self._busy = False

    def handle_result(self, messages, worker_ctx, result=None, exc_info=None):
        if exc_info is not None and self.requeue_on_error:
            eventlet.sleep(PAUSE_AFTER_ERROR)
        for message in messages:
            self.handle_message_processed(message, result, exc_info)
        self.container.spawn_managed_thread(self._next_batch, identifier=f"{self.method_name}.batch")
        return result, exc_info


consume_batches = _EventBatchConsumer.decorator
"""Entrypoint for a follower's queue whose method takes a list of bodies."""


class RpcClients:
    """RPC clients kept across pages and catch-ups, one per key (a source, an upstream's service), each
    on the broker its key names, and made again after a failure (the broker or the service may have gone)."""

    def __init__(self, config: dict, timeout: float):
        self.config, self.timeout = config, timeout
        self._clients: dict[str, tuple[ClusterRpcProxy, object]] = {}
        self._locks: dict[str, threading.Lock] = {}
        self.opened = 0

    def call(self, key: str, amqp_uri: str | None, service: str, method: str, *args):
        # One call at a time on a client: its replies come back on its one connection.
        with self._locks.setdefault(key, threading.Lock()):
            if key not in self._clients:
                cfg = dict(self.config, AMQP_URI=amqp_uri) if amqp_uri else self.config
                proxy = ClusterRpcProxy(cfg, timeout=self.timeout)
                self._clients[key] = (proxy, proxy.start())
                self.opened += 1
            try:
                return getattr(getattr(self._clients[key][1], service), method)(*args)
            except Exception:
                self._close(key)
                raise

    def _close(self, key: str) -> None:
        proxy, _ = self._clients.pop(key, (None, None))
        if proxy is not None:
            try:
                proxy.stop()
            except Exception:  # its connection is already gone
                pass

    def close(self) -> None:
        for key in list(self._clients):
            self._close(key)


class SourceClients(RpcClients):
    """The sources' logs on this deployment's broker: one client per source."""

    def events_since(self, source: str, after: int, limit: int) -> list:
        return self.call(source, None, source, "events_since", after, limit)


class UpstreamClients(RpcClients):
    """Each province's logs, read across the link: an academy asks the province's own service on the
    province's broker; the national tier asks the academy that follows the province, which asks the
    province (`reporting.events_of`), so a gap is filled wherever the link carries RPC."""

    def __init__(self, config: dict, timeout: float, tier: str, upstreams: dict[str, str]):
        super().__init__(config, timeout)
        self.tier, self.upstreams = tier, upstreams
        self._academy_of: dict[str, str] = {}  # national tier: province -> region code of its academy

    def provinces(self) -> list[str]:
        if self.tier == "academy":
            return list(self.upstreams)
        found = []
        for region, uri in self.upstreams.items():
            try:
                for province in self.call(f"{region}/reporting", uri, "reporting", "provinces"):
                    self._academy_of[province] = region
                    found.append(province)
            except Exception as exc:  # one academy out of reach leaves the others
                log.warning("cannot ask the academy %s for its provinces: %s", region, exc)
        return found

    def events_since(self, feed: str, after: int, limit: int) -> list:
        province, source = split_feed(feed)
        if self.tier == "academy":
            if province not in self.upstreams:
                raise LookupError(f"{province} is not an upstream of this academy (GENIE_UPSTREAMS)")
            return self.call(feed, self.upstreams[province], source, "events_since", after, limit)
        if province not in self._academy_of:
            self.provinces()
        region = self._academy_of.get(province)
        if region is None:
            raise LookupError(f"no academy of GENIE_UPSTREAMS follows the province {province}")
        return self.call(feed, self.upstreams[region], "reporting", "events_of", province, source, after, limit)


class Federation(DependencyProvider):
    """At an academy or the national tier: the federation of its upstreams' event exchanges, declared on its
    own broker when it starts (and again until that worked), and the links' state for health."""

    def setup(self):
        self.tier = config.tier()
        self.upstreams = config.upstreams()
        self.declared = self.tier not in config.READING_TIERS  # a province federates nothing
        if not self.declared:
            self.management = federation.Management(config.management_uri())
            self.link_state = federation.LinkState(federation.Management(config.management_uri(), timeout=2),
                                                   self.container.config["AMQP_URI"])
            self.ensure()

    def ensure(self) -> None:
        if not self.declared:
            self.declared = federation.declare_quietly(self.management, self.container.config["AMQP_URI"],
                                                       self.tier, self.upstreams)

    def links(self) -> dict | None:
        if self.tier not in config.READING_TIERS:
            return None
        return self.link_state.read()

    def get_dependency(self, worker_ctx):
        return self


class ProjectorDependency(DependencyProvider):
    """A projector over other services' logs, catching up through their `events_since` RPC."""

    def __init__(self, projection: type[Projection], rpc_timeout: float = 30):
        self.projection_cls = projection
        self.rpc_timeout = rpc_timeout

    projector_cls = Projector

    def bind(self, container, attr_name):
        answer_steadily(container)  # a broker that goes away ends no RPC answer of the service
        return super().bind(container, attr_name)

    def setup(self):
        self.amqp_uri = self.container.config["AMQP_URI"]
        tier = config.tier()
        if tier in config.READING_TIERS:  # fed by several provinces, read across the links
            self.clients = UpstreamClients(self.container.config, self.rpc_timeout, tier, config.upstreams())
            provinces = self.clients.provinces
        else:
            self.clients, provinces = SourceClients(self.container.config, self.rpc_timeout), None
        projection = self.make_projection()
        self.projector = self.projector_cls(projection, make_engine(config.database_url(self.container.service_name)),
                                            registry, self.clients.events_since,
                                            on_dead_letter=self._publish_dead_letter, provinces=provinces)
        migrate(self.container, self.projector.engine)
        self.projector.setup()
        self.projector.outcomes = Counter()  # what became of each message from the bus since start
        self.dead_letter_queue = f"{projection.name}.dead_letters"

    def make_projection(self) -> Projection:
        return self.projection_cls()

    def stop(self):
        self.clients.close()

    kill = stop

    def _publish_dead_letter(self, body, error):
        queue = Queue(self.dead_letter_queue, durable=True)
        with Connection(self.amqp_uri) as conn:
            producer = conn.Producer(serializer="json")
            producer.publish(body, routing_key=self.dead_letter_queue, declare=[queue],
                             headers={"x-error": error[:4000]}, delivery_mode=2, retry=True)

    def get_dependency(self, worker_ctx):
        return self.projector
