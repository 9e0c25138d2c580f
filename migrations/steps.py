"""Migration steps that every event log, or every consumer, takes alike (each service's script says when)."""
from alembic import op
import sqlalchemy as sa


def create_relay_lease() -> None:
    """The lease that lets one relay of the log publish at a time (shared.lease)."""
    op.create_table('relay_lease',
                    sa.Column('name', sa.String(length=80), nullable=False),
                    sa.Column('holder', sa.String(length=200), nullable=False),
                    sa.Column('expires_at', sa.Float(), nullable=False),
                    sa.PrimaryKeyConstraint('name'))


def drop_relay_lease() -> None:
    op.drop_table('relay_lease')


def create_tracking_tables() -> None:
    """A consumer's positions in the logs it reads, and the messages it could not read (shared.projector)."""
    op.create_table('dead_letters',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('projection', sa.String(length=80), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('error', sa.Text(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('projection_positions',
    sa.Column('projection', sa.String(length=80), nullable=False),
    sa.Column('source', sa.String(length=40), nullable=False),
    sa.Column('last_position', sa.Integer(), nullable=False),
    sa.Column('stalled_position', sa.Integer(), nullable=True),
    sa.Column('stalled_error', sa.Text(), nullable=True),
    sa.Column('stalled_since', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('projection', 'source')
    )


def drop_tracking_tables() -> None:
    op.drop_table('projection_positions')
    op.drop_table('dead_letters')


def create_log_tables() -> None:
    """The event log and the relay's position in it (shared.store)."""
    op.create_table('events',
    sa.Column('position', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('event_id', sa.String(length=36), nullable=False),
    sa.Column('event_type', sa.String(length=80), nullable=False),
    sa.Column('stream_id', sa.String(length=200), nullable=False),
    sa.Column('stream_version', sa.Integer(), nullable=False),
    sa.Column('occurred_at', sa.String(length=40), nullable=False),
    sa.Column('envelope', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('position'),
    sa.UniqueConstraint('event_id'),
    sa.UniqueConstraint('stream_id', 'stream_version', name='uq_events_stream_version')
    )
    op.create_table('relay_state',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('published_position', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )


def drop_log_tables() -> None:
    op.drop_table('relay_state')
    op.drop_table('events')


def create_source_tables() -> None:
    """What a service that keeps a log and reads another's keeps: its log and its positions."""
    create_tracking_tables()
    create_log_tables()


def drop_source_tables() -> None:
    drop_log_tables()
    drop_tracking_tables()
