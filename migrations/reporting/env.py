"""Alembic environment of the reporting database."""
from migrations.env import run

run()
