# nameko's pytest plugin no longer patches: do it before anything imports sockets.
import eventlet

eventlet.monkey_patch()

import os  # noqa: E402
import uuid  # noqa: E402
import warnings  # noqa: E402

import pytest  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402

warnings.filterwarnings("ignore", category=DeprecationWarning)

PG_ADMIN_URL = os.environ.get("GENIE_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
# The compose suite runs containers: scripts/compose-test.sh (`make test-compose`) runs it, `make test` does not.
collect_ignore = [] if os.environ.get("GENIE_COMPOSE_TESTS") == "1" else ["compose"]
SERVICES = ("inventory", "maintenance", "resources", "training", "reporting", "gateway")


@pytest.fixture(scope="session")
def pg_databases():
    """One throw-away PostgreSQL database per service for the whole run."""
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    run = uuid.uuid4().hex[:8]
    names = {s: f"genie_test_{run}_{s}" for s in SERVICES + ("core",)}
    with admin.connect() as conn:
        for name in names.values():
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    yield {s: f"{base}/{name}" for s, name in names.items()}
    with admin.connect() as conn:
        for name in names.values():
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _wipe(url):
    """Empty a database, and make the migrations forget they brought it up to date."""
    import migrations

    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    migrations._done.difference_update({done for done in migrations._done if done[1] == str(engine.url)})
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database(request, tmp_path):
    """A database URL for the core's own tests: a SQLite file, then PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'core.db'}"
        return
    yield request.getfixturevalue("postgres_database")


@pytest.fixture
def postgres_database(pg_databases):
    """The core's PostgreSQL database, emptied after the test."""
    yield pg_databases["core"]
    _wipe(pg_databases["core"])


@pytest.fixture
def genie_env(tmp_path, monkeypatch):
    """Services started in this test keep their SQLite files in tmp_path."""
    monkeypatch.setenv("GENIE_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("PROVINCE_CODE", "OED")
    for s in SERVICES:
        monkeypatch.delenv(f"DATABASE_URL_{s.upper()}", raising=False)
    return tmp_path / "var"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def service_databases(request, genie_env, monkeypatch):
    """Run the services of a test on SQLite files, then on PostgreSQL."""
    if request.param == "sqlite":
        yield "sqlite"
        return
    urls = request.getfixturevalue("pg_databases")
    for s in SERVICES:
        monkeypatch.setenv(f"DATABASE_URL_{s.upper()}", urls[s])
    yield "postgres"
    for s in SERVICES:
        _wipe(urls[s])


@pytest.fixture
def rpc(rabbit_config):
    """A client of the cluster under test, on its own vhost."""
    import shared.remote  # noqa: F401  (so remote errors arrive as our exceptions)
    from nameko.standalone.rpc import ClusterRpcProxy

    with ClusterRpcProxy(rabbit_config, timeout=30) as cluster:
        yield cluster


@pytest.fixture
def run_services(runner_factory, rabbit_config, genie_env):
    """Start service classes on the test's vhost: run_services(InventoryService, ...)."""

    def start(*classes):
        runner = runner_factory(dict(rabbit_config, max_workers=10), *classes)
        runner.start()
        return runner

    return start
