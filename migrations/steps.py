"""Migration steps that every event log takes alike (each service's script says when)."""
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
