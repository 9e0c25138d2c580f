"""Alembic environment of the training database."""
from migrations.env import run

run()
