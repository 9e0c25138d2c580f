"""A 10,000-item delivery import, beside the same events appended raw through the core, in the same run.

    python benchmarks/inventory_import.py [--items N] [--rounds R] [--no-postgres]

Each row is measured on a fresh database: a SQLite file, then (unless told
not to, or if it is not reachable) a throw-away PostgreSQL database.

- import CSV / XLSX: the service's `import_delivery` as it runs behind RPC:
  read the file, check every line (schema, repeats, serials known in the
  province), decide, append, keep the read models, in one transaction;
- core, raw: the same `equipment_received` events (same data) appended
  through `EventStore` one stream each, with no read model;
- core + read models: the same, with inventory's read models kept in step.
"""
from __future__ import annotations

import argparse
import base64
import csv
import io
import os
import platform
import tempfile
import time
import uuid

import eventlet

eventlet.monkey_patch()

from nameko.testing.services import worker_factory  # noqa: E402
from openpyxl import Workbook  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402

from services.inventory.service import InventoryService  # noqa: E402
from services.inventory.views import InventoryViews  # noqa: E402
from shared.catalogue import registry  # noqa: E402
from shared.db import make_engine  # noqa: E402
from shared.events import Context, Event  # noqa: E402
from shared.store import EventStore  # noqa: E402

PG_ADMIN = os.environ.get("GENIE_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
KINDS = ("desktop", "laptop", "projector", "interactive_whiteboard", "printer")
HEADER = ["serial", "kind", "model", "warranty_months", "bundle"]


def lines(n: int) -> list[list]:
    return [[f"SN-{i:07d}", KINDS[i % len(KINDS)], "Dell Optiplex 3090", 36, "smm" if i % 3 else "vmm"]
            for i in range(1, n + 1)]


def csv_file(rows) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    writer.writerows(rows)
    return out.getvalue().encode()


def xlsx_file(rows) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


class Databases:
    """Fresh databases for one backend: a SQLite file each, or a PostgreSQL database each."""

    def __init__(self, backend: str, workdir: str):
        self.backend, self.workdir, self.created = backend, workdir, []

    def new(self) -> str:
        name = f"genie_bench_{uuid.uuid4().hex[:8]}"
        if self.backend == "sqlite":
            return f"sqlite:///{os.path.join(self.workdir, name + '.db')}"
        admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        self.created.append(name)
        return PG_ADMIN.rsplit("/", 1)[0] + "/" + name

    def drop(self) -> None:
        if not self.created:
            return
        admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            for name in self.created:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
        self.created = []


def store_at(url: str, views: bool) -> EventStore:
    store = EventStore(make_engine(url), "inventory", "OED", registry)
    store.create_schema()
    if views:
        store.views = InventoryViews()
        store.views.create(store.engine)
    return store


def timed(f):
    start = time.perf_counter()
    result = f()
    return result, time.perf_counter() - start


def import_file(url: str, raw: bytes, fmt: str, n: int) -> tuple[float, list[dict]]:
    store = store_at(url, views=True)
    service = worker_factory(InventoryService, log=store)
    command = {"supplier": "Maroc Info", "delivery_ref": f"BL-{fmt}", "format": fmt,
               "content_base64": base64.b64encode(raw).decode()}
    summary, seconds = timed(lambda: service.import_delivery(command, {"actor": {"user": "omar",
                                                                                 "role": "infrastructure"}}))
    assert summary["received"] == n, summary
    events = _all_events(store)
    store.engine.dispose()
    return seconds, events


def _all_events(store) -> list[dict]:
    out, after = [], 0
    while True:
        page = store.events_since(after, 5000)
        if not page:
            return out
        out += page
        after = page[-1]["position"]


def append_raw(url: str, events: list[dict], views: bool) -> float:
    """The same events through the core: one stream each, in one transaction, as the import does."""
    store = store_at(url, views=views)
    ctx = Context(actor={"user": "omar", "role": "infrastructure"})
    batch = [(e["stream_id"], Event(e["event_type"], e["data"])) for e in events]

    def run():
        with store.transaction() as tx:
            for stream, event in batch:
                tx.append(stream, 0, [event], ctx)

    _, seconds = timed(run)
    assert store.last_position() == len(events)
    store.engine.dispose()
    return seconds


def rate(n, seconds):
    return f"{n / seconds:>9,.0f} items/s  ({seconds:6.2f} s)"


def bench(backend: str, n: int, csv_raw: bytes, xlsx_raw: bytes, rounds: int) -> None:
    """Every row on a fresh database, `rounds` times in turn; the best time of each is kept,
    so that a burst of load from elsewhere on the machine does not decide the comparison."""
    best: dict[str, float] = {}

    def keep(name, seconds):
        best[name] = min(seconds, best.get(name, seconds))

    with tempfile.TemporaryDirectory() as workdir:
        dbs = Databases(backend, workdir)
        try:
            for _ in range(rounds):
                seconds, events = import_file(dbs.new(), csv_raw, "csv", n)
                keep("csv", seconds)
                keep("xlsx", import_file(dbs.new(), xlsx_raw, "xlsx", n)[0])
                keep("raw", append_raw(dbs.new(), events, views=False))
                keep("views", append_raw(dbs.new(), events, views=True))
                dbs.drop()
        finally:
            dbs.drop()
    print(f"\n{backend}: a delivery of {n:,} items in one transaction, best of {rounds}")
    rows = [("inventory import, CSV file", "csv"), ("inventory import, XLSX file", "xlsx"),
            ("core + inventory read models", "views"), ("core, raw append (baseline)", "raw")]
    for label, key in rows:
        print(f"  {label:<32} {rate(n, best[key])}   {best[key] / best['raw']:5.2f}x the raw append")
def postgres_reachable() -> bool:
    try:
        engine = create_engine(PG_ADMIN)
        with engine.connect():
            pass
        engine.dispose()
        return True
    except Exception:
        return False


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    rows = lines(args.items)
    csv_raw, xlsx_raw = csv_file(rows), xlsx_file(rows)
    print(f"Python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} cores; "
          f"CSV {len(csv_raw) / 1e6:.1f} MB, XLSX {len(xlsx_raw) / 1e6:.1f} MB")
    bench("sqlite", args.items, csv_raw, xlsx_raw, args.rounds)
    if not args.no_postgres:
        if postgres_reachable():
            bench("postgresql", args.items, csv_raw, xlsx_raw, args.rounds)
        else:
            print("\npostgresql: not reachable at GENIE_TEST_PG; skipped")


if __name__ == "__main__":
    main()
