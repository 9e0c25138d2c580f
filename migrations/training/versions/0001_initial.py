"""training: the tables that are not made again from the logs

Revision ID: 0001
Revises: (none)
"""
from alembic import op
import sqlalchemy as sa

from migrations.steps import create_source_tables, drop_source_tables

revision, down_revision, branch_labels, depends_on = '0001', None, None, None


def upgrade() -> None:
    create_source_tables()
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
    op.create_table('school_calendars',
    sa.Column('school_year', sa.String(length=9), nullable=False),
    sa.Column('version', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('loaded_at', sa.String(length=40), nullable=False),
    sa.Column('loaded_by', sa.String(length=200), nullable=False),
    sa.Column('periods', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('school_year', 'version')
    )


def downgrade() -> None:
    drop_source_tables()
    op.drop_table('school_calendars')
    op.drop_table('calendar_overrides')
