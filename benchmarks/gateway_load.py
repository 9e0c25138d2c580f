"""Commands through the gateway at increasing rates, beside the raw kombu baseline measured in the same run.

    python benchmarks/gateway_load.py [--rates 10,25,50,100] [--seconds 10] [--max-commands 1500]
                                      [--databases sqlite,postgresql]

Starts the whole system with `genie up` on a vhost of its own (made and removed through the management API),
SQLite files in a temporary directory, the gateway on a free loopback port. For each rate it sends commands
(inventory: census, connectivity, deliveries of 1-3 items) open-loop at that rate for `--seconds` (never more
than `--max-commands`), and reports the throughput achieved, p50/p99 latency of the 2xx answers, and the
projection lag: how long after the last command reporting had read every event. The baseline publishes the
same number of messages of the same size straight to RabbitMQ with kombu (persistent, publisher confirms).
With `--databases sqlite,postgresql` the same run is made again with every service on a PostgreSQL database
of its own (made and dropped here), printed beside.
"""
from __future__ import annotations

import eventlet

eventlet.monkey_patch()

import argparse  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import os  # noqa: E402
import uuid  # noqa: E402
from pathlib import Path  # noqa: E402

import requests  # noqa: E402
from kombu import Connection, Exchange, Queue  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
PG_ADMIN = os.environ.get("GENIE_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
sys.path.insert(0, str(ROOT))

from shared.config import SERVICES  # noqa: E402
from tests.e2e.conftest import System, Vhost, mixed_commands, province  # noqa: E402


def percentile(values, p):
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def run_rate(system, rate, seconds, max_commands, tag, schools):
    n = min(max_commands, int(rate * seconds))
    commands = mixed_commands(tag, schools, n)
    latencies, statuses = [], {}
    pool = eventlet.GreenPool(200)
    sessions = eventlet.queue.LightQueue()

    def send(path, body):
        try:
            session = sessions.get_nowait()
        except eventlet.queue.Empty:
            session = requests.Session()
        t0 = time.perf_counter()
        try:
            r = system.post("coord", path, body, session=session, timeout=60)
            code = r.status_code
        except requests.RequestException:
            code = "error"
        if code == 201:
            latencies.append(time.perf_counter() - t0)
        statuses[code] = statuses.get(code, 0) + 1
        sessions.put(session)

    start = time.perf_counter()
    for i, (path, body) in enumerate(commands):  # open loop: sent on schedule, answered or not
        delay = start + i / rate - time.perf_counter()
        if delay > 0:
            eventlet.sleep(delay)
        pool.spawn_n(send, path, body)
    pool.waitall()
    elapsed = time.perf_counter() - start
    done = time.perf_counter()
    system.settle(timeout=300)
    lag = time.perf_counter() - done
    ok = statuses.get(201, 0)
    return {"rate": rate, "sent": n, "ok": ok, "statuses": statuses, "seconds": elapsed,
            "throughput": ok / elapsed, "p50_ms": percentile(latencies, 50) * 1000,
            "p99_ms": percentile(latencies, 99) * 1000, "lag_s": lag}


def baseline(vhost, n, size):
    """Persistent messages with publisher confirms, one at a time, as the relay would if it had no batches."""
    body = b"x" * size
    exchange = Exchange("bench.baseline", type="topic", durable=True)
    queue = Queue("bench.baseline", exchange=exchange, routing_key="#", durable=True)
    with Connection(vhost.amqp_uri, transport_options={"confirm_publish": True}) as conn:
        producer = conn.Producer()
        channel = conn.default_channel
        queue(channel).declare()
        t0 = time.perf_counter()
        lat = []
        for _ in range(n):
            s = time.perf_counter()
            producer.publish(body, exchange=exchange, routing_key="k", delivery_mode=2, content_type="application/json")
            lat.append(time.perf_counter() - s)
        elapsed = time.perf_counter() - t0
        queue(channel).delete()
    return {"sent": n, "throughput": n / elapsed, "p50_ms": percentile(lat, 50) * 1000,
            "p99_ms": percentile(lat, 99) * 1000}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rates", default="25,50,100,200")
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--max-commands", type=int, default=1500)
    parser.add_argument("--databases", default="sqlite", help="sqlite, postgresql or both (comma-separated)")
    args = parser.parse_args()
    rates = [float(r) for r in args.rates.split(",")]

    print(f"machine: {platform.processor() or platform.machine()}, {eventlet.patcher.original('os').cpu_count()} "
          f"cores, Python {platform.python_version()}, {platform.system()} {platform.release()}")
    sent, size, log = 0, 700, 0
    for database in args.databases.split(","):
        results, size, log = run_system(database.strip(), rates, args)
        sent = max([sent] + [r["sent"] for r in results])
    vhost = Vhost()
    vhost.create()
    try:
        base = baseline(vhost, sent, size)
    finally:
        vhost.delete()
    print(f"kombu baseline: {base['sent']} persistent messages of {size} B with confirms: "
          f"{base['throughput']:7.1f} msg/s, p50 {base['p50_ms']:.2f} ms, p99 {base['p99_ms']:.2f} ms "
          f"(inventory's log: {log} events)")


def run_system(database, rates, args):
    """The whole system on `database` (sqlite or postgresql), each rate in turn."""
    vhost = Vhost()
    vhost.create()
    system = System(Path(tempfile.mkdtemp(prefix="genie-load-")), vhost)
    pg = PgDatabases() if database == "postgresql" else None
    if pg is not None:
        system.env.update(pg.create())
    results = []
    try:
        system.up()
        system.add_user("coord", "coordinator", "province:OED")
        schools, setup = province("L", 8)
        for path, body in setup:
            assert system.post("coord", path, body).status_code == 201
        for i, rate in enumerate(rates):
            result = run_rate(system, rate, args.seconds, args.max_commands, f"L{i}", schools)
            results.append(result)
            print(f"gateway {database:<10} {rate:6.0f}/s offered: {result['ok']:5d} ok of {result['sent']:5d} "
                  f"({result['statuses']}), {result['throughput']:6.1f} cmd/s, p50 {result['p50_ms']:7.1f} ms, "
                  f"p99 {result['p99_ms']:7.1f} ms, projection lag {result['lag_s']:5.2f} s", flush=True)
        log = system.health()["services"]["inventory"]["last_position"]
        sizes = [len(json.dumps(e)) for e in _sample(system)]
        size = int(statistics.mean(sizes)) if sizes else 700
    finally:
        system.stop()
        vhost.delete()
        if pg is not None:
            pg.drop()
    return results, size, log


class PgDatabases:
    """A PostgreSQL database of its own for each service, as `DATABASE_URL_<SERVICE>`."""

    def __init__(self):
        from sqlalchemy import create_engine

        self.admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
        self.names = {s: f"genie_load_{s}_{uuid.uuid4().hex[:6]}" for s in SERVICES}

    def create(self) -> dict:
        from sqlalchemy import text

        with self.admin.connect() as c:
            for name in self.names.values():
                c.execute(text(f'CREATE DATABASE "{name}"'))
        base = PG_ADMIN.rsplit("/", 1)[0]
        return {f"DATABASE_URL_{s.upper()}": f"{base}/{name}" for s, name in self.names.items()}

    def drop(self):
        from sqlalchemy import text

        with self.admin.connect() as c:
            for name in self.names.values():
                c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        self.admin.dispose()


def _sample(system):
    from tests.e2e.conftest import events_of

    return events_of(system, "inventory")[-200:]


if __name__ == "__main__":
    main()
