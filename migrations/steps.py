"""Migration steps that every event log, or every consumer, takes alike (each service's script says when),
and `create`, in which a revision states a table it makes.

A revision keeps its own words for a table, never the service's code: the code may change, a revision
made once may not.
"""
from alembic import op
import sqlalchemy as sa


class Column:
    """A column as a revision states it: its type, and whether it may be empty (`null`)."""

    def __init__(self, sql_type, *, null: bool = False, **options):
        self.sql_type, self.null, self.options = sql_type, null, options


def null(sql_type) -> Column:
    """A column that may be empty."""
    return Column(sql_type, null=True)


def numbered(*, by_database: bool) -> Column:
    """An integer key, numbered by the database (an id) or as the code says (a position, a version)."""
    return Column(sa.Integer(), autoincrement=by_database)


def create(table: str, key: tuple[str, ...], /, *constraints, **columns) -> None:
    """Make `table`: its columns in order (`name=type`, required unless said `null`), keyed by `key`."""
    def column(name, spec):
        spec = spec if isinstance(spec, Column) else Column(spec)
        return sa.Column(name, spec.sql_type, **spec.options, nullable=spec.null)

    op.create_table(table, *(column(n, spec) for n, spec in columns.items()), sa.PrimaryKeyConstraint(*key),
                    *constraints)


def drop(*names: str) -> None:
    for name in names:
        op.drop_table(name)


def create_relay_lease() -> None:
    """The lease that lets one relay of the log publish at a time (shared.lease)."""
    create('relay_lease', ('name',),
           name=sa.String(length=80),
           holder=sa.String(length=200),
           expires_at=sa.Float())


def drop_relay_lease() -> None:
    drop('relay_lease')


def create_tracking_tables() -> None:
    """A consumer's positions in the logs it reads, and the messages it could not read (shared.projector)."""
    create('dead_letters', ('id',),
           id=numbered(by_database=True),
           projection=sa.String(length=80),
           received_at=sa.DateTime(timezone=True),
           error=sa.Text(),
           body=sa.Text())
    create('projection_positions', ('projection', 'source'),
           projection=sa.String(length=80),
           source=sa.String(length=40),
           last_position=sa.Integer(),
           stalled_position=null(sa.Integer()),
           stalled_error=null(sa.Text()),
           stalled_since=null(sa.DateTime(timezone=True)))


def drop_tracking_tables() -> None:
    drop('projection_positions', 'dead_letters')


def create_log_tables() -> None:
    """The event log and the relay's position in it (shared.store)."""
    create('events', ('position',),
           sa.UniqueConstraint('event_id'),
           sa.UniqueConstraint('stream_id', 'stream_version', name='uq_events_stream_version'),
           position=numbered(by_database=False),
           event_id=sa.String(length=36),
           event_type=sa.String(length=80),
           stream_id=sa.String(length=200),
           stream_version=sa.Integer(),
           occurred_at=sa.String(length=40),
           envelope=sa.Text())
    create('relay_state', ('id',),
           id=numbered(by_database=False),
           published_position=sa.Integer())


def drop_log_tables() -> None:
    drop('relay_state', 'events')


def create_source_tables() -> None:
    """What a service that keeps a log and reads another's keeps: its log and its positions."""
    create_tracking_tables()
    create_log_tables()


def drop_source_tables() -> None:
    drop_log_tables()
    drop_tracking_tables()
