"""inventory: what the coordinator decided about a replacement inventory could not apply

Revision ID: 0003
Revises: 0002
"""
import sqlalchemy as sa

from migrations.steps import create, drop

revision, down_revision, branch_labels, depends_on = '0003', '0002', None, None


def upgrade() -> None:
    create('replacement_resolutions', ('fault_id',),
           fault_id=sa.String(length=100),
           outcome=sa.String(length=40),
           note=sa.Text(),
           resolved_by=sa.String(length=200),
           resolved_at=sa.String(length=40))


def downgrade() -> None:
    drop('replacement_resolutions')
