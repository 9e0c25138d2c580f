"""training: the tables that are not made again from the logs

Revision ID: 0001
Revises: (none)
"""
import sqlalchemy as sa

from migrations.steps import create, create_source_tables, drop, drop_source_tables, null, numbered

revision, down_revision, branch_labels, depends_on = '0001', None, None, None


def upgrade() -> None:
    create_source_tables()
    create('calendar_overrides', ('session_id',),
           session_id=sa.String(length=40),
           training_id=sa.String(length=40),
           reason=sa.Text(),
           calendar_version=null(sa.Integer()),
           periods=sa.Text(),
           recorded_at=sa.String(length=40),
           recorded_by=sa.String(length=200))
    create('school_calendars', ('school_year', 'version'),
           school_year=sa.String(length=9),
           version=numbered(by_database=False),
           loaded_at=sa.String(length=40),
           loaded_by=sa.String(length=200),
           periods=sa.Text())


def downgrade() -> None:
    drop_source_tables()
    drop('school_calendars', 'calendar_overrides')
