"""The environment every service's script directory runs in (its env.py imports this)."""
from alembic import context

from migrations import durable_metadata, version_table


def run() -> None:
    config = context.config
    service = config.attributes["service"]
    connection = config.attributes["connection"]
    context.configure(connection=connection, target_metadata=durable_metadata(service, config.attributes.get("kept")),
                      version_table=version_table(service),
                      render_as_batch=connection.dialect.name == "sqlite")
    with context.begin_transaction():
        context.run_migrations()
