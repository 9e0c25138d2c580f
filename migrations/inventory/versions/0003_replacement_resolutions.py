"""inventory: what the coordinator decided about a replacement inventory could not apply

Revision ID: 0003
Revises: 0002
"""
from alembic import op
import sqlalchemy as sa

revision, down_revision, branch_labels, depends_on = '0003', '0002', None, None


def upgrade() -> None:
    op.create_table('replacement_resolutions',
                    sa.Column('fault_id', sa.String(length=100), nullable=False),
                    sa.Column('outcome', sa.String(length=40), nullable=False),
                    sa.Column('note', sa.Text(), nullable=False),
                    sa.Column('resolved_by', sa.String(length=200), nullable=False),
                    sa.Column('resolved_at', sa.String(length=40), nullable=False),
                    sa.PrimaryKeyConstraint('fault_id'))


def downgrade() -> None:
    op.drop_table('replacement_resolutions')
