"""training: the tables that are not made again from the logs

Revision ID: 0001
Revises: (none)
"""
from alembic import op
import sqlalchemy as sa


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('calendar_overrides',
    sa.Column('session_id', sa.String(length=40), nullable=False),
    sa.Column('training_id', sa.String(length=40), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('calendar_version', sa.Integer(), nullable=True),
    sa.Column('periods', sa.Text(), nullable=False),
    sa.Column('recorded_at', sa.String(length=40), nullable=False),
    sa.Column('recorded_by', sa.String(length=200), nullable=False),
    sa.PrimaryKeyConstraint('session_id')
    )
    op.create_table('dead_letters',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('projection', sa.String(length=80), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('error', sa.Text(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
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
    op.create_table('projection_positions',
    sa.Column('projection', sa.String(length=80), nullable=False),
    sa.Column('source', sa.String(length=40), nullable=False),
    sa.Column('last_position', sa.Integer(), nullable=False),
    sa.Column('stalled_position', sa.Integer(), nullable=True),
    sa.Column('stalled_error', sa.Text(), nullable=True),
    sa.Column('stalled_since', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('projection', 'source')
    )
    op.create_table('relay_state',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('published_position', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('school_calendars',
    sa.Column('school_year', sa.String(length=9), nullable=False),
    sa.Column('version', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('loaded_at', sa.String(length=40), nullable=False),
    sa.Column('loaded_by', sa.String(length=200), nullable=False),
    sa.Column('periods', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('school_year', 'version')
    )


def downgrade() -> None:
    op.drop_table('school_calendars')
    op.drop_table('relay_state')
    op.drop_table('projection_positions')
    op.drop_table('events')
    op.drop_table('dead_letters')
    op.drop_table('calendar_overrides')
