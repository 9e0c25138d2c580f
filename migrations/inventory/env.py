"""Alembic environment of the inventory database."""
from migrations.env import run

run()
