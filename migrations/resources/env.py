"""Alembic environment of the resources database."""
from migrations.env import run

run()
