"""inventory: the relay's lease, so that one relay publishes the log at a time

Revision ID: 0002
Revises: 0001
"""
from migrations.steps import create_relay_lease as upgrade, drop_relay_lease as downgrade  # noqa: F401

revision, down_revision, branch_labels, depends_on = '0002', '0001', None, None
