"""A lease in the service's own database: only one relay of a log publishes at a time.

PostgreSQL: a session advisory lock on a connection kept open; the server
frees it the moment the holder's connection closes, even by a crash.
SQLite: a row in `relay_lease` with an expiry that the holder renews; a holder
that died stops renewing and a standby takes the row once it has expired.
"""
from __future__ import annotations

import logging
import os
import socket
import time
import uuid
import zlib

from sqlalchemy import Column, Float, MetaData, String, Table, delete, insert, select, update
from sqlalchemy.engine import Engine

log = logging.getLogger(__name__)


def lease_table(metadata: MetaData) -> Table:
    return Table(
        "relay_lease", metadata,
        Column("name", String(80), primary_key=True),
        Column("holder", String(200), nullable=False),
        Column("expires_at", Float, nullable=False),  # seconds since the epoch
    )


class Lease:
    """`hold()` before each batch: True while this process is the one publisher."""

    def __init__(self, engine: Engine, name: str, ttl: float = 5.0, holder: str | None = None):
        self.engine = engine
        self.name = name
        self.ttl = ttl
        self.holder = holder or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.table = lease_table(MetaData())
        self.held = False
        self._renewed = 0.0
        self._conn = None  # PostgreSQL: the connection that holds the advisory lock

    def hold(self) -> bool:
        """Take the lease if it is free, renew it if it is ours; say whether we hold it."""
        if self.held and time.monotonic() - self._renewed < self.ttl / 3:
            return True
        try:
            held = self._hold_pg() if self.engine.dialect.name == "postgresql" else self._hold_row()
        except Exception as exc:  # the database away: nobody can be sure, so do not publish
            log.warning("lease %s cannot be checked: %s", self.name, exc)
            self._drop_connection()
            held = False
        if held:
            self._renewed = time.monotonic()
        if held != self.held:
            log.info("relay lease %s %s by %s", self.name, "taken" if held else "lost", self.holder)
        self.held = held
        return held

    def release(self) -> None:
        try:
            if self._conn is not None:
                self._drop_connection()  # closing the session frees the advisory lock
            elif self.held:
                with self.engine.begin() as conn:
                    conn.execute(delete(self.table).where(self.table.c.name == self.name,
                                                          self.table.c.holder == self.holder))
        except Exception as exc:
            log.warning("lease %s not released (it expires by itself): %s", self.name, exc)
        self.held = False

    # ---- PostgreSQL

    def _hold_pg(self) -> bool:
        if self._conn is None:
            conn = self.engine.connect()
            key = zlib.crc32(f"relay:{self.name}".encode())
            got = conn.exec_driver_sql(f"SELECT pg_try_advisory_lock({key})").scalar()
            conn.commit()
            if not got:
                conn.close()
                return False
            self._conn = conn
            return True
        self._conn.exec_driver_sql("SELECT 1").scalar()  # still connected, so still held
        self._conn.commit()
        return True

    def _drop_connection(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                conn.invalidate()  # never back to the pool with the lock on it
                conn.close()
            except Exception:
                pass

    # ---- SQLite (and any database without advisory locks)

    def _hold_row(self) -> bool:
        now = time.time()
        t = self.table
        with self.engine.begin() as conn:
            row = conn.execute(select(t.c.holder, t.c.expires_at).where(t.c.name == self.name)).first()
            if row is None:
                conn.execute(insert(t).values(name=self.name, holder=self.holder, expires_at=now + self.ttl))
            elif row.holder == self.holder or row.expires_at < now:
                conn.execute(update(t).where(t.c.name == self.name)
                             .values(holder=self.holder, expires_at=now + self.ttl))
            else:
                return False
        return True
