"""A PostgreSQL connection that waited unused is checked before use: a database restarted (its sessions ended)
meanwhile gives a fresh connection, not an error; one used a moment ago is not checked."""
import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from shared import db

pytestmark = pytest.mark.postgres


def end_sessions(engine):
    """What a restart of the database does to the pool's connections."""
    with engine.connect() as conn:
        pid = conn.execute(text("SELECT pg_backend_pid()")).scalar()
    admin = db.make_engine(str(engine.url.render_as_string(hide_password=False)))
    with admin.connect() as conn:
        conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        conn.commit()
    admin.dispose()


def test_a_connection_that_waited_is_checked_and_replaced(postgres_database, monkeypatch):
    monkeypatch.setattr(db, "PING_AFTER_IDLE", 0.0)  # every connection counts as having waited
    engine = db.make_engine(postgres_database)
    end_sessions(engine)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT 1")).scalar() == 1
    engine.dispose()


def test_a_connection_used_a_moment_ago_is_not_checked(postgres_database, monkeypatch):
    monkeypatch.setattr(db, "PING_AFTER_IDLE", 3600.0)
    engine = db.make_engine(postgres_database)
    end_sessions(engine)
    with pytest.raises(OperationalError):
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    engine.dispose()
