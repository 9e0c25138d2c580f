"""Alembic migrations of each service's database, applied when the service starts.

Alembic keeps the tables that hold what cannot be made again: the event log
and the relay's position, the projectors' positions and dead letters, the
issued reports and the school calendars. Read models are not migrated: they
are made again from the logs (a changed read model is dropped and rebuilt,
see `genie rebuild`), and the services create them when they start.

One script directory per service (`migrations/<service>/`), one version
table per service (`alembic_version_<service>`).
"""
from __future__ import annotations

import threading
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import MetaData, inspect
from sqlalchemy.engine import Engine

from shared.config import SOURCES

HERE = Path(__file__).resolve().parent
MIGRATED = SOURCES + ("reporting",)

_done: set[tuple[str, str]] = set()
_lock = threading.Lock()


def version_table(service: str) -> str:
    return f"alembic_version_{service}"


def durable_metadata(service: str, kept: MetaData | None = None) -> MetaData:
    """The tables of `service` that migrations keep, as the code defines them now.

    Every migrated service keeps the projectors' tables, a source its log too;
    `kept` holds the tables the service declares beyond these (its
    `kept_tables`), so that the migrations need not import any service.
    """
    from shared.projector import tracking_tables
    from shared.store import log_tables

    metadata = MetaData()
    if service in SOURCES:
        log_tables(metadata)
    tracking_tables(metadata)  # every migrated service consumes another's events
    for table in (kept.tables.values() if kept is not None else ()):
        table.to_metadata(metadata)
    return metadata


def config(service: str, connection=None, kept: MetaData | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(HERE / service))
    cfg.attributes["service"] = service
    cfg.attributes["connection"] = connection
    cfg.attributes["kept"] = kept
    return cfg


def upgrade(service: str, engine: Engine, kept: MetaData | None = None) -> None:
    """Bring `service`'s database to the newest revision (once per process and database).

    `kept`: the tables the service declares as kept beyond the log's and the
    projectors' (see `durable_metadata`).

    A database made before migrations existed (its tables there, no version
    table) is taken to be at the first revision, which is the schema it has.
    """
    if service not in MIGRATED:
        return
    key = (service, str(engine.url))
    with _lock:
        if key in _done:
            return
        from shared.db import lock_writers

        with engine.begin() as conn:
            lock_writers(conn, f"migrations:{service}")
            tables = set(inspect(conn).get_table_names())
            cfg = config(service, conn, kept)
            if version_table(service) not in tables and tables & set(durable_metadata(service, kept).tables):
                command.stamp(cfg, "0001")
            command.upgrade(cfg, "head")
        _done.add(key)
