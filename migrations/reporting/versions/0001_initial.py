"""reporting: the tables that are not made again from the logs

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
    op.create_table('dead_letters',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('projection', sa.String(length=80), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('error', sa.Text(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
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
    op.create_table('projection_positions',
    sa.Column('projection', sa.String(length=80), nullable=False),
    sa.Column('source', sa.String(length=40), nullable=False),
    sa.Column('last_position', sa.Integer(), nullable=False),
    sa.Column('stalled_position', sa.Integer(), nullable=True),
    sa.Column('stalled_error', sa.Text(), nullable=True),
    sa.Column('stalled_since', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('projection', 'source')
    )


def downgrade() -> None:
    op.drop_table('projection_positions')
    op.drop_table('issued_reports')
    op.drop_table('dead_letters')
