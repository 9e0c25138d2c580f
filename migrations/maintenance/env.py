"""Alembic environment of the maintenance database."""
from migrations.env import run

run()
