"""Engines for SQLite (the embedded default) and PostgreSQL, set up for event logs."""
import os
import sys
import zlib

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Connection, Engine


def _cooperative_psycopg() -> None:
    """Under eventlet, psycopg must wait through the patched select, or a
    greenthread waiting for a lock blocks the whole process (and the holder)."""
    eventlet = sys.modules.get("eventlet.patcher")
    if eventlet is not None and eventlet.is_monkey_patched("select"):
        os.environ.setdefault("PSYCOPG_WAIT_FUNC", "wait_select")


_cooperative_psycopg()


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_setup(dbapi_conn, _record):
            # Let SQLAlchemy's "begin" below open transactions, not the driver.
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            # WAL + NORMAL: a committed transaction survives a process crash;
            # readers never block the writer.
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn):
            # Writers take the lock at BEGIN, so two writers queue instead of
            # failing halfway with "database is locked".
            conn.exec_driver_sql("BEGIN" if conn.get_execution_options().get("readonly") else "BEGIN IMMEDIATE")

        return engine
    _cooperative_psycopg()
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)


def lock_writers(conn: Connection, name: str) -> None:
    """Serialise writers of one log until the transaction ends.

    SQLite's BEGIN IMMEDIATE already does; PostgreSQL needs an advisory lock so
    positions commit in the order they were given.
    """
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("SELECT pg_advisory_xact_lock(%s)" % zlib.crc32(name.encode()))


def reading(engine: Engine):
    """A connection for reads only (no writer lock on SQLite)."""
    return engine.connect().execution_options(readonly=True)
