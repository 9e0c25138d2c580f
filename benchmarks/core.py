"""Benchmarks of the event-sourcing core, each printed beside a baseline measured in the same run.

    python benchmarks/core.py [--events N]

Needs RabbitMQ (with the management API) and PostgreSQL on this machine, as `make test` does.
"""
from __future__ import annotations

import argparse
import multiprocessing
import os
import platform
import statistics
import tempfile
import queue as queue_
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path

import requests
from kombu import Connection, Exchange, Queue

from shared.catalogue import registry
from shared.db import make_engine
from shared.events import Context, Event
from shared.projector import Projector
from shared.relay import Relay
from shared.store import EventStore
from sqlalchemy import Column, Integer, String, Table, create_engine, insert, text

from shared.projector import Projection

API = "http://guest:guest@127.0.0.1:15672/api"
PG_ADMIN = os.environ.get("GENIE_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


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


def line(name, value, baseline_name="", baseline=""):
    print(f"  {name:<46} {value:>14}   {baseline_name:<34} {baseline}")


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


def kombu_baseline(uri, n):
    """Raw kombu: persistent publish waiting for each confirm, then consume with ack."""
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
        publish = time.perf_counter() - start
    got = 0
    with Connection(uri) as conn:
        done = threading.Event()

        def on_message(body, message):
            nonlocal got
            message.ack()
            got += 1
            if got == n:
                done.set()

        with conn.Consumer(queue, callbacks=[on_message], accept=["json"]) as consumer:
            consumer.qos(prefetch_count=200)
            start = time.perf_counter()
            while not done.is_set():
                conn.drain_events(timeout=10)
            consume = time.perf_counter() - start
    return publish, consume


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
    """The bus path: one message, one transaction."""
    p = Projector(Placements(), make_engine(url), registry, lambda s, a, l: store.events_since(a, l))
    p.setup()
    envelopes = store.events_since(0, 5000)[:n]
    start = time.perf_counter()
    for env in envelopes:
        p.handle(env)
    elapsed = time.perf_counter() - start
    p.engine.dispose()
    return len(envelopes), elapsed


def _consume_process(url_src, url_dst, uri, n, ready, results):
    """The consuming service, in its own process as in production: a worker per message
    (ten at most, like nameko), each message acknowledged once applied."""
    store = EventStore(make_engine(url_src), "inventory", "OED", registry)
    p = Projector(Placements(), make_engine(url_dst), registry, lambda s, a, l: store.events_since(a, l))
    p.setup()
    queue = Queue("bench.inventory", Exchange("inventory.events", type="topic", durable=True),
                  routing_key="#", durable=True)
    lags, applied = [], queue_.Queue()
    with Connection(uri) as conn, ThreadPoolExecutor(10) as workers:
        def work(body, message):
            p.handle(body)
            lags.append(time.time() - datetime.fromisoformat(body["recorded_at"]).timestamp())
            applied.put(message)

        with conn.Consumer(queue, callbacks=[lambda body, m: workers.submit(work, body, m)],
                           accept=["json"]) as consumer:
            consumer.qos(prefetch_count=10)
            ready.set()
            while len(lags) < n:
                try:
                    conn.drain_events(timeout=0.01)
                except TimeoutError:
                    pass
                while not applied.empty():
                    applied.get().ack()
    results.put((time.time(), sorted(lags)))


def bench_end_to_end(url_src, url_dst, uri, n):
    """Commands appended one per transaction, the relay publishing, a projector in another process."""
    store = new_store(url_src)
    wake, stopping = threading.Event(), threading.Event()
    store.after_commit.append(wake.set)
    relay = Relay(store, uri, batch_size=500)
    ready, results = multiprocessing.Event(), multiprocessing.Queue()
    consumer = multiprocessing.Process(target=_consume_process, args=(url_src, url_dst, uri, n, ready, results))
    consumer.start()
    ready.wait(30)
    relaying = threading.Thread(target=relay.run, args=(wake, stopping), kwargs={"idle_wait": 0.01})
    relaying.start()
    start = time.time()
    for i in range(n):
        with store.transaction() as tx:
            tx.append(f"asset:E{i}", 0, [event(i)], Context())
    finished, lags = results.get(timeout=600)
    consumer.join()
    stopping.set()
    wake.set()
    relaying.join()
    store.engine.dispose()
    return n, finished - start, lags[len(lags) // 2], lags[int(len(lags) * 0.99) - 1]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=5000)
    args = parser.parse_args()
    n = args.events
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}; {n} events per measure")
    with tempfile.TemporaryDirectory() as tmp, Vhost() as uri, PgDatabase() as pg:
        tmp = Path(tmp)
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
        publish, consume = kombu_baseline(uri, n)
        print("bus (events/s)")
        store, relay_s = bench_relay(f"sqlite:///{tmp / 'relay.db'}", uri, n)
        line("relay publish (persistent, confirms per batch)", rate(n, relay_s),
             "raw kombu publish, confirm each", rate(n, publish))
        print("projector (events/s)")
        line("apply from the bus path (1 event per tx)", rate(*bench_handle(store, f"sqlite:///{tmp / 'h.db'}", n)),
             "raw kombu consume with ack", rate(n, consume))
        line("replay: fresh projector, whole log", rate(n, bench_projector(store, f"sqlite:///{tmp / 'r.db'}", n)))
        store.engine.dispose()
        done, e2e_s, p50, p99 = bench_end_to_end(f"sqlite:///{tmp / 'e1.db'}", f"sqlite:///{tmp / 'e2.db'}",
                                                 uri, n)
        print("end to end: append -> relay -> RabbitMQ -> projector")
        line("rate", rate(done, e2e_s), "raw kombu publish, confirm each", rate(n, publish))
        line("lag p50 / p99", f"{p50 * 1000:.1f} / {p99 * 1000:.1f} ms")


if __name__ == "__main__":
    main()
