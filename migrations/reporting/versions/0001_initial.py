"""reporting: the tables that are not made again from the logs

Revision ID: 0001
Revises: (none)
"""
from alembic import op
import sqlalchemy as sa

from migrations.steps import create_tracking_tables, drop_tracking_tables

revision, down_revision, branch_labels, depends_on = '0001', None, None, None


def upgrade() -> None:
    create_tracking_tables()
    op.create_table('issued_reports',
    sa.Column('report_id', sa.String(length=36), nullable=False),
    sa.Column('scope', sa.String(length=80), nullable=False),
    sa.Column('period', sa.String(length=20), nullable=False),
    sa.Column('as_of', sa.String(length=40), nullable=False),
    sa.Column('positions', sa.Text(), nullable=False),
    sa.Column('issued_by', sa.Text(), nullable=False),
    sa.Column('issued_at', sa.String(length=40), nullable=False),
    sa.Column('format', sa.String(length=10), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('report_id')
    )


def downgrade() -> None:
    drop_tracking_tables()
    op.drop_table('issued_reports')
