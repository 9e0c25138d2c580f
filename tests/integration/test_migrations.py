"""Migrations: an empty database upgraded to the newest revision has the schema the code defines."""
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import MetaData, inspect, text

import migrations
from genie.system import kept_tables as kept
from genie.system import service_class
from shared.db import make_engine
from shared.projector import Projection, tracking_tables
from shared.service import EventLog, ProjectorDependency
from shared.store import log_tables
from tests.conftest import _wipe


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_database(request, tmp_path):
    """An empty database for `service`: a SQLite file, then one of the test run's PostgreSQL databases."""
    made = []

    def make(service):
        if request.param == "sqlite":
            url = f"sqlite:///{tmp_path / (service + '.db')}"
        else:
            url = request.getfixturevalue("pg_databases")[service]
            made.append(url)
        migrations._done.discard((service, str(make_engine(url).url)))
        engine = make_engine(url)
        return engine

    yield make
    for url in made:
        _wipe(url)


def head(service) -> str:
    return ScriptDirectory.from_config(migrations.config(service)).get_current_head()


def durable(service) -> MetaData:
    return migrations.durable_metadata(service, kept(service))


def differences(engine, metadata, service):
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"version_table": migrations.version_table(service)})
        return compare_metadata(context, metadata)


def read_models(service) -> list[Projection]:
    """The read models a service keeps in its database, from its dependencies."""
    models = []
    for dependency in vars(service_class(service)).values():
        if isinstance(dependency, EventLog) and dependency.views_cls is not None:
            models.append(dependency.views_cls())
        elif isinstance(dependency, ProjectorDependency):
            models.append(dependency.projection_cls())
    return models


def everything(service) -> MetaData:
    metadata = durable(service)
    for model in read_models(service):
        for table in model.metadata.tables.values():
            table.to_metadata(metadata)
    return metadata


@pytest.mark.parametrize("service", migrations.MIGRATED)
def test_an_empty_database_upgraded_has_the_schema_of_the_models(empty_database, service):
    engine = empty_database(service)
    migrations.upgrade(service, engine, kept(service))
    assert differences(engine, durable(service), service) == []
    with engine.connect() as conn:
        assert conn.execute(text(f"SELECT version_num FROM {migrations.version_table(service)}")).scalar() == head(service)
    # The read models, created beside the migrated tables as the service does when it starts: the whole
    # database is then what the code describes, no table or column more or less.
    for model in read_models(service):
        model.create(engine)
    assert differences(engine, everything(service), service) == []
    assert read_models(service), f"{service} keeps no read model?"
    engine.dispose()


def test_the_log_tables_are_those_of_the_store_and_upgrading_again_changes_nothing(empty_database):
    engine = empty_database("inventory")
    migrations.upgrade("inventory", engine)
    expected = MetaData()
    log_tables(expected)
    tracking_tables(expected)
    for table in kept("inventory").tables.values():  # the coordinator's decisions on replacements
        table.to_metadata(expected)
    assert differences(engine, expected, "inventory") == []
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO relay_state (id, published_position) VALUES (1, 42)"))
    migrations._done.clear()
    migrations.upgrade("inventory", engine)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT published_position FROM relay_state")).scalar() == 42
    engine.dispose()


def test_a_database_made_before_migrations_is_taken_as_it_is(empty_database):
    engine = empty_database("training")
    before = durable("training")
    before.remove(before.tables["relay_lease"])  # made later than migrations
    before.create_all(engine)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO relay_state (id, published_position) VALUES (1, 7)"))
    migrations.upgrade("training", engine, kept("training"))
    with engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version_training")).scalar() == head("training")
        assert conn.execute(text("SELECT published_position FROM relay_state")).scalar() == 7
    assert {"alembic_version_training", "relay_lease"} <= set(inspect(engine).get_table_names())
    engine.dispose()
