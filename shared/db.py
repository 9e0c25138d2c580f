"""Engines for SQLite (the embedded default) and PostgreSQL, set up for event logs."""
import os
import sqlite3
import sys
import time
import zlib
from operator import itemgetter

from sqlalchemy import bindparam, create_engine, event, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError, DisconnectionError


def _cooperative_psycopg() -> None:
    """Under eventlet, psycopg must wait through the patched select, or a
    greenthread waiting for a lock blocks the whole process (and the holder)."""
    eventlet = sys.modules.get("eventlet.patcher")
    if eventlet is not None and eventlet.is_monkey_patched("select"):
        os.environ.setdefault("PSYCOPG_WAIT_FUNC", "wait_select")


_cooperative_psycopg()


MMAP_BYTES = 1 << 30  # address space, not memory: pages are shared with the file cache


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        from .config import sqlite_synchronous

        synchronous = sqlite_synchronous()
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_setup(dbapi_conn, _record):
            # Let SQLAlchemy's "begin" below open transactions, not the driver.
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            # WAL: readers never block the writer. NORMAL (the default): a committed transaction survives a
            # process crash, not always a power loss; FULL survives both (see config.sqlite_synchronous).
            cur.execute(f"PRAGMA synchronous={synchronous}")
            cur.execute("PRAGMA foreign_keys=ON")
            # Reads straight from the operating system's file cache: SQLite's own page cache (2 MiB) is far
            # smaller than a read model that questions scan, and copying pages into it was a third of a scan.
            cur.execute(f"PRAGMA mmap_size={MMAP_BYTES}")
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn):
            # Writers take the lock at BEGIN, so two writers queue instead of
            # failing halfway with "database is locked".
            options = conn.get_execution_options()
            statement = "BEGIN" if options.get("readonly") or options.get("deciding") else "BEGIN IMMEDIATE"
            # On the driver's connection: a statement through SQLAlchemy costs more than the BEGIN itself, and
            # every command pays it. A refusal reads as one through SQLAlchemy would (its OperationalError).
            try:
                conn.connection.driver_connection.execute(statement)
            except sqlite3.Error as exc:
                raise DBAPIError.instance(statement, (), exc, sqlite3.Error, dialect=conn.dialect) from exc

        return engine
    _cooperative_psycopg()
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    # A random read is planned at about the cost of a sequential one: the logs and read models are read from
    # memory or SSD, and at the default (4, for spinning disks) a region's question scanned every province's
    # rows instead of reading its schools' from their index.
    engine = create_engine(url, pool_size=10, max_overflow=20, pool_use_lifo=True,
                           connect_args={"options": "-c random_page_cost=1.1"})
    _ping_when_idle(engine)
    return engine


PING_AFTER_IDLE = 1.0  # seconds a pooled connection waits unused before it is checked at its next use


def _ping_when_idle(engine: Engine) -> None:
    """A pooled connection is checked (SELECT 1) before use only when it has waited unused a while: a
    database restarted since then gives a fresh one instead of an error, and a busy service (every
    transaction a checkout) pays no round trip for it."""
    @event.listens_for(engine, "checkin")
    def _idle_since(dbapi_conn, record):
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping(dbapi_conn, record, proxy):
        if time.monotonic() - record.info.get("idle_since", 0.0) < PING_AFTER_IDLE:
            return
        try:
            cursor = dbapi_conn.cursor()
            cursor.execute("SELECT 1")
            cursor.close()
            dbapi_conn.rollback()
        except Exception:
            raise DisconnectionError() from None  # the pool opens another connection


def lock_writers(conn: Connection, name: str) -> None:
    """Serialise writers of one log until the transaction ends.

    SQLite's BEGIN IMMEDIATE already does; PostgreSQL needs an advisory lock so
    positions commit in the order they were given.
    """
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("SELECT pg_advisory_xact_lock(%s)" % zlib.crc32(name.encode()))


def analyze(conn: Connection, tables) -> None:
    """Give the planner the statistics of tables filled in bulk or grown much since. Without them PostgreSQL
    plans for empty tables (until autovacuum comes by, if it runs at all): a question over a million rows
    took seconds instead of a fraction of one. SQLite guesses from the indexes alone, and a scope of a few
    schools read every row of a status instead of those schools' rows."""
    for table in tables:
        conn.exec_driver_sql(f'ANALYZE "{table.name}"')


def vacuum(engine: Engine, tables) -> None:
    """Mark the pages of tables filled in bulk visible to every transaction (PostgreSQL's VACUUM; nothing on
    SQLite). Until then PostgreSQL reads each row an index finds from the table as well: a question answered
    from covering indexes still fetched hundreds of thousands of rows. Autovacuum would come by later, if it runs
    at all. Outside any transaction, as VACUUM must be."""
    if engine.dialect.name != "postgresql":
        return
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        for table in tables:
            conn.exec_driver_sql(f'VACUUM "{table.name}"')


def never_analyzed(conn: Connection, tables) -> bool:
    """None of these tables has statistics yet (a model filled before they were kept)."""
    names = [t.name for t in tables]
    if conn.dialect.name == "postgresql":
        return not conn.execute(text(
            "SELECT count(*) FROM pg_stat_user_tables WHERE relname = ANY(:names) "
            "AND (last_analyze IS NOT NULL OR last_autoanalyze IS NOT NULL)"), {"names": names}).scalar()
    if not conn.execute(text("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'")).first():
        return True
    return not conn.execute(text("SELECT count(*) FROM sqlite_stat1 WHERE tbl IN :names")
                            .bindparams(bindparam("names", expanding=True)), {"names": names}).scalar()


def reading(engine: Engine):
    """A connection for reads only (no writer lock on SQLite)."""
    return engine.connect().execution_options(readonly=True)


def deciding(engine: Engine):
    """A connection whose transaction reads without the writer lock and takes it at its first write (SQLite:
    a deferred BEGIN; PostgreSQL: `lock_writers` when the log is appended to)."""
    return engine.connect().execution_options(deciding=True)


def is_busy(exc: BaseException) -> bool:
    """The database refused a write of a transaction that read without the writer lock: on SQLite another
    writer holds the lock or wrote since it read; on PostgreSQL it waited for a row another writer had."""
    return any(m in str(exc) for m in ("database is locked", "database is busy", "deadlock detected"))


COPY_FROM = 50  # rows from which PostgreSQL takes them through COPY rather than INSERTs


def chunks(values, size: int):
    """`values` in lists of at most `size` (an IN (...) list must stay under the driver's limit)."""
    values = list(values)
    for i in range(0, len(values), size):
        yield values[i:i + size]


def insert_many(conn: Connection, table, rows: list[dict]) -> None:
    """Insert many rows on the driver's own cursor, in the transaction of `conn`.

    SQLAlchemy's per-statement work is most of the cost of a delivery of
    thousands of items or a rebuild of millions of rows; PostgreSQL takes many
    through COPY, several times faster again. A column a row leaves out is NULL.
    """
    if not rows:
        return
    names = [c.name for c in table.columns]
    values = itemgetter(*names) if len(names) > 1 else (lambda r: (r[names[0]],))

    def row_values(r):
        try:
            return values(r)
        except KeyError:  # a row without some nullable column
            return tuple(r.get(n) for n in names)

    def tuples(part):
        try:
            return list(map(values, part))
        except KeyError:
            return list(map(row_values, part))

    cursor = conn.connection.driver_connection.cursor()
    try:
        if conn.dialect.name == "postgresql" and len(rows) >= COPY_FROM:
            with cursor.copy(f"COPY {table.name} ({', '.join(names)}) FROM STDIN") as copy:
                for r in rows:
                    copy.write_row(row_values(r))
            return
        mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
        sql = f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({', '.join([mark] * len(names))})"
        for part in chunks(rows, 20000):
            cursor.executemany(sql, tuples(part))
    finally:
        cursor.close()
