"""reporting: the tables that are not made again from the logs

Revision ID: 0001
Revises: (none)
"""
import sqlalchemy as sa

from migrations.steps import create, create_tracking_tables, drop, drop_tracking_tables

revision, down_revision, branch_labels, depends_on = '0001', None, None, None


def upgrade() -> None:
    create_tracking_tables()
    create('issued_reports', ('report_id',),
           report_id=sa.String(length=36),
           scope=sa.String(length=80),
           period=sa.String(length=20),
           as_of=sa.String(length=40),
           positions=sa.Text(),
           issued_by=sa.Text(),
           issued_at=sa.String(length=40),
           format=sa.String(length=10),
           digest=sa.String(length=64))


def downgrade() -> None:
    drop_tracking_tables()
    drop('issued_reports')
