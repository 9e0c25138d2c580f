"""Benchmarks of the event-sourcing core, each printed beside a baseline measured in the same run.

    python benchmarks/core.py [--events N] [--only bus]

Needs RabbitMQ (with the management API) and PostgreSQL on this machine, as `make test` does. The consuming
service runs as services do (nameko under eventlet, in its own process: benchmarks/bus_consumer.py).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
import uuid
import warnings
from pathlib import Path

import requests
from kombu import Connection, Exchange, Queue

from shared.catalogue import registry
from shared.db import make_engine
from shared.events import Context, Event
from shared.projector import Projection, Projector
from shared.relay import Relay, event_exchange
from shared.store import EventStore
from sqlalchemy import Column, Integer, String, Table, create_engine, insert, text

warnings.filterwarnings("ignore", message="(?s).*Eventlet is deprecated")  # shared.service imports nameko
from shared.service import source_queue  # noqa: E402

API = "http://guest:guest@127.0.0.1:15672/api"
PG_ADMIN = os.environ.get("GENIE_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
# What the relay publishes reaches the consuming service's queue and copies of it: for the baseline, and for
# the same service with a handler that applies nothing (what nameko alone costs).
SERVICE_QUEUE, NOTHING_QUEUE = source_queue("bench", "inventory"), source_queue("nothing", "inventory")
BASELINE_QUEUE = Queue("baseline.inventory", Exchange(event_exchange("inventory"), type="topic", durable=True),
                       routing_key="#", durable=True)
OFFERED = 500  # events/s offered in the paced end-to-end measure


class Placements(Projection):
    """A dated history of where each asset was, as reporting keeps it: rows are only added,
    so a page of events becomes one bulk insert."""

    name = "bench"
    sources = ("inventory",)

    def define_tables(self, metadata):
        self.t = Table("placements", metadata, Column("position", Integer, primary_key=True),
                       Column("asset_id", String(40)), Column("school_code", String(40)),
                       Column("occurred_at", String(40)))

    def apply_many(self, conn, envelopes):
        rows = [{"position": e["position"], "asset_id": e["data"]["asset_id"],
                 "school_code": e["data"]["school_code"], "occurred_at": e["occurred_at"]}
                for e in envelopes if e["event_type"] == "equipment_assigned"]
        if rows:
            conn.execute(insert(self.t), rows)

    def apply(self, conn, env):
        self.apply_many(conn, [env])


def event(i):
    return Event("equipment_assigned", {"asset_id": f"A{i % 5000}", "school_code": f"S{i % 300}"})


def rate(n, seconds):
    return f"{n / seconds:>10,.0f}/s"


def line(name, value, baseline_name="", baseline="", target=""):
    print(f"  {name:<46} {value:>22}   {baseline_name:<34} {baseline:>12}   {target}")


def cpu_share(n, seconds, cpu):
    """A process's CPU time a message (steadier than a rate on a shared machine) and its share of a core."""
    return f"{cpu / n * 1e6:.0f} us a message, {cpu / seconds:.0%} of a core"


def ratio(n, seconds, baseline_seconds):
    return f"{rate(n, seconds).strip()} ({baseline_seconds / seconds:.2f}x)"


class Vhost:
    def __init__(self):
        self.name = "genie_bench_" + uuid.uuid4().hex[:8]

    def __enter__(self):
        requests.put(f"{API}/vhosts/{self.name}").raise_for_status()
        requests.put(f"{API}/permissions/{self.name}/guest",
                     json={"configure": ".*", "write": ".*", "read": ".*"}).raise_for_status()
        return f"amqp://guest:guest@127.0.0.1:5672/{self.name}"

    def __exit__(self, *exc):
        requests.delete(f"{API}/vhosts/{self.name}")


class PgDatabase:
    def __enter__(self):
        self.name = "genie_bench_" + uuid.uuid4().hex[:8]
        self.admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
        with self.admin.connect() as c:
            c.execute(text(f'CREATE DATABASE "{self.name}"'))
        return PG_ADMIN.rsplit("/", 1)[0] + "/" + self.name

    def __exit__(self, *exc):
        with self.admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))
        self.admin.dispose()


def new_store(url):
    store = EventStore(make_engine(url), "inventory", "OED", registry)
    store.create_schema()
    return store


def bench_append(url, n, per_tx):
    store = new_store(url)
    ctx = Context()
    start = time.perf_counter()
    for t in range(n // per_tx):
        with store.transaction() as tx:
            tx.append(f"asset:T{t}", 0, [event(t * per_tx + i) for i in range(per_tx)], ctx)
    elapsed = time.perf_counter() - start
    store.engine.dispose()
    return n, elapsed


def bench_append_writers(url, n, writers):
    """`writers` threads, each its own streams, 1 event a transaction: what the log takes from many at once."""
    store = new_store(url)
    ctx = Context()
    each = n // writers
    barrier = threading.Barrier(writers + 1)

    def write(w):
        barrier.wait()
        for t in range(each):
            with store.transaction() as tx:
                tx.append(f"asset:W{w}-{t}", 0, [event(w * each + t)], ctx)

    threads = [threading.Thread(target=write, args=(w,)) for w in range(writers)]
    for t in threads:
        t.start()
    barrier.wait()
    start = time.perf_counter()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    store.engine.dispose()
    return each * writers, elapsed


def _eventsourcing_asset():
    """The same aggregate in the `eventsourcing` library (defined once: it registers its topic)."""
    from eventsourcing.domain import Aggregate, event as es_event

    global _ES_ASSET
    if _ES_ASSET is None:
        class Asset(Aggregate):
            def __init__(self, asset_id):
                self.asset_id = asset_id

            @es_event("Assigned")
            def assign(self, school_code):
                self.school_code = school_code

        _ES_ASSET = Asset
    return _ES_ASSET


_ES_ASSET = None


def bench_eventsourcing_append(path, n):
    try:
        from eventsourcing.application import Application
    except ImportError:
        return None
    asset = _eventsourcing_asset()
    app = Application(env={"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(path)})
    start = time.perf_counter()
    for i in range(n):
        app.save(asset(f"A{i}"))  # one new aggregate, one event, one transaction: like our 1-event appends
    return n, time.perf_counter() - start


def kombu_publish(uri, n):
    """Raw kombu: persistent publish of a message of an envelope's size, waiting for each confirm."""
    exchange = Exchange("baseline", type="topic", durable=True)
    queue = Queue("baseline", exchange, routing_key="#", durable=True)
    body = b'{"x":' + b"1" * 500 + b"}"
    with Connection(uri, transport_options={"confirm_publish": True}) as conn:
        producer = conn.Producer()
        queue(conn.default_channel).declare()
        start = time.perf_counter()
        for _ in range(n):
            producer.publish(body, exchange=exchange, routing_key="k", delivery_mode=2,
                             content_type="application/json")
        elapsed = time.perf_counter() - start
        queue(conn.default_channel).delete()
    return elapsed


def declare_queues(uri):
    with Connection(uri) as conn:
        for queue in (SERVICE_QUEUE, NOTHING_QUEUE, BASELINE_QUEUE):
            queue(conn.default_channel).declare()


def kombu_consume(uri, n):
    """Raw kombu: consume with ack the baseline's copy of what the relay published, then drop the queue."""
    got = 0
    with Connection(uri) as conn:
        done = threading.Event()

        def on_message(body, message):
            nonlocal got
            message.ack()
            got += 1
            if got == n:
                done.set()

        conn.connect()
        start = time.perf_counter()  # the messages are waiting: they flow from the moment the consumer is made
        with conn.Consumer(BASELINE_QUEUE, callbacks=[on_message], accept=["json"], prefetch_count=200):
            while not done.is_set():
                conn.drain_events(timeout=10)
            elapsed = time.perf_counter() - start
        BASELINE_QUEUE(conn.default_channel).delete()
    return elapsed


def bench_relay(url, uri, n):
    store = new_store(url)
    with store.transaction() as tx:
        for i in range(n // 100):
            tx.append(f"asset:R{i}", 0, [event(i * 100 + j) for j in range(100)], Context())
    relay = Relay(store, uri, batch_size=1000)
    start = time.perf_counter()
    while relay.publish_pending():
        pass
    elapsed = time.perf_counter() - start
    relay.close()
    return store, elapsed


def bench_projector(store, url, n):
    """A fresh projector reading the source's whole log (replay), in pages of 1000."""
    p = Projector(Placements(), make_engine(url), registry, lambda s, a, l: store.events_since(a, l))
    p.setup()
    start = time.perf_counter()
    applied = p.catch_up()
    elapsed = time.perf_counter() - start
    assert applied == n, applied
    p.engine.dispose()
    return elapsed


def bench_handle(store, url, n):
    """`Projector.handle` called one message after another in one thread, without the bus."""
    p = Projector(Placements(), make_engine(url), registry, lambda s, a, l: store.events_since(a, l))
    p.setup()
    envelopes = store.events_since(0, 5000)[:n]
    start = time.perf_counter()
    for env in envelopes:
        p.handle(env)
    elapsed = time.perf_counter() - start
    p.engine.dispose()
    return len(envelopes), elapsed


class ConsumingService:
    """The consuming service (benchmarks/bus_consumer.py) in a process of its own, consuming once started."""

    def __init__(self, url_src, url_dst, uri, n, *options):
        command = [sys.executable, str(Path(__file__).with_name("bus_consumer.py")), url_src, url_dst, uri, str(n)]
        self.process = subprocess.Popen(command + list(options), stdout=subprocess.PIPE, text=True,
                                        env=dict(os.environ, PYTHONWARNINGS="ignore"))
        ready = self.process.stdout.readline().strip()
        if ready != "ready":
            raise RuntimeError(f"the consuming service did not start ({ready!r})")

    def result(self) -> dict:
        answer = json.loads(self.process.stdout.readline())
        self.process.wait(30)
        return answer


def bench_bus_path(url_src, url_dst, uri, n, *options):
    """The bus path as services run it: the messages the relay published wait in the service's queue; the
    service consumes them (nameko, a worker for those that waited together), a projector applies them, the
    entrypoint acks each."""
    got = ConsumingService(url_src, url_dst, uri, n, *options).result()
    assert got["count"] == n, got["count"]
    return got["acked"] - got["taken"], got["transactions"], got["batches"], got["cpu"]


def bench_end_to_end(url_src, url_dst, uri, n, offered=None):
    """Events appended one per transaction (flat out, or paced at `offered` a second), the relay
    publishing, the consuming service in another process; the lag is from recording to apply."""
    store = new_store(url_src)
    wake, stopping = threading.Event(), threading.Event()
    store.after_commit.append(wake.set)
    relay = Relay(store, uri, batch_size=500)
    consumer = ConsumingService(url_src, url_dst, uri, n)
    relaying = threading.Thread(target=relay.run, args=(wake, stopping), kwargs={"idle_wait": 0.01})
    relaying.start()
    start = time.time()
    for i in range(n):
        if offered:
            time.sleep(max(0.0, start + i / offered - time.time()))
        with store.transaction() as tx:
            tx.append(f"asset:E{i}", 0, [event(i)], Context())
    got = consumer.result()
    stopping.set()
    wake.set()
    relaying.join()
    store.engine.dispose()
    lags = sorted(got["lags"])
    return got["count"], got["acked"] - start, lags[len(lags) // 2], lags[int(len(lags) * 0.99) - 1]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=5000)
    parser.add_argument("--only", choices=("all", "bus"), default="all",
                        help="bus: only the relay, the projector and end to end")
    args = parser.parse_args()
    n = args.events
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}; {n} events per measure; load average "
          f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    with tempfile.TemporaryDirectory() as tmp, Vhost() as uri, PgDatabase() as pg:
        tmp = Path(tmp)
        if args.only == "all":
            bench_appends(tmp, pg, n)
        publish = kombu_publish(uri, n)
        print("bus (events/s)")
        declare_queues(uri)
        relay_url = f"sqlite:///{tmp / 'relay.db'}"
        store, relay_s = bench_relay(relay_url, uri, n)
        line("relay publish (persistent, confirms per batch)", rate(n, relay_s),
             "raw kombu publish, confirm each", rate(n, publish))
        consume = kombu_consume(uri, n)
        print("projector (events/s)")
        bus_s, transactions, batches, cpu = bench_bus_path(relay_url, f"sqlite:///{tmp / 'b.db'}", uri, n)
        line("bus path: queue -> service -> apply -> ack", ratio(n, bus_s, consume),
             "raw kombu consume with ack", rate(n, consume), ">= 0.5x")
        line(f"  {batches:,} workers, {transactions:,} transactions; CPU", cpu_share(n, bus_s, cpu))
        nothing_s, _, _, cpu = bench_bus_path(relay_url, f"sqlite:///{tmp / 'n.db'}", uri, n, "nothing", "nothing")
        line("  the same service applying nothing (nameko)", ratio(n, nothing_s, consume))
        line("  its CPU", cpu_share(n, nothing_s, cpu))
        line("handle() in one thread, no bus", rate(*bench_handle(store, f"sqlite:///{tmp / 'h.db'}", n)))
        if args.only == "all":
            line("replay: fresh projector, whole log",
                 rate(n, bench_projector(store, f"sqlite:///{tmp / 'r.db'}", n)))
        store.engine.dispose()
        print("end to end: append -> relay -> RabbitMQ -> service")
        done, e2e_s, p50, p99 = bench_end_to_end(f"sqlite:///{tmp / 'e1.db'}", f"sqlite:///{tmp / 'e2.db'}",
                                                 uri, n)
        line("appends flat out: rate", ratio(done, e2e_s, publish), "raw kombu publish, confirm each",
             rate(n, publish), ">= 2x")
        line("  lag p50 / p99 (the backlog)", f"{p50 * 1000:.1f} / {p99 * 1000:.1f} ms")
        done, _, p50, p99 = bench_end_to_end(f"sqlite:///{tmp / 'o1.db'}", f"sqlite:///{tmp / 'o2.db'}",
                                             uri, n, offered=OFFERED)
        line(f"{OFFERED} events/s offered: lag p50 / p99", f"{p50 * 1000:.1f} / {p99 * 1000:.1f} ms",
             "", "", "p99 < 100 ms")


def bench_appends(tmp, pg, n):
    es = bench_eventsourcing_append(tmp / "es.db", n)
    baseline = rate(*es) if es else "not installed"
    print("append (events/s)")
    for label, url in (("SQLite", f"sqlite:///{tmp / 'a1.db'}"), ("PostgreSQL", pg)):
        line(f"{label}, 1 event per transaction", rate(*bench_append(url, n, 1)),
             "eventsourcing SQLite, 1 event/tx", baseline)
    with PgDatabase() as pgw:
        line("PostgreSQL, 1 event per transaction, 8 writers", rate(*bench_append_writers(pgw, n, 8)))
    with PgDatabase() as pg100:
        for label, url in (("SQLite", f"sqlite:///{tmp / 'a100.db'}"), ("PostgreSQL", pg100)):
            line(f"{label}, 100 events per transaction", rate(*bench_append(url, n, 100)))


if __name__ == "__main__":
    main()
