"""maintenance: the tables that are not made again from the logs

Revision ID: 0001
Revises: (none)
"""
from migrations.steps import create_source_tables as upgrade, drop_source_tables as downgrade  # noqa: F401

revision, down_revision, branch_labels, depends_on = '0001', None, None, None
