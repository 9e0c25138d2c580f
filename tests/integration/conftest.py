import pytest

from shared.catalogue import registry
from shared.db import make_engine
from shared.store import EventStore


@pytest.fixture
def store(database):
    """Inventory's event log on the test's database (a SQLite file, then PostgreSQL); a module that needs more of
    it (stream rules, views) asks for this one in a fixture of the same name."""
    s = EventStore(make_engine(database), "inventory", "OED", registry)
    s.create_schema()
    yield s
    s.engine.dispose()
