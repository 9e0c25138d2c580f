"""The kinds of column the read models keep, each named for what it holds and sized once.

A column is required unless said `optional`: most of what a read model keeps comes from an event that
always carries it. Lengths are those of the tables the services have always made (a changed length is
a changed schema, see `migrations`).
"""
from __future__ import annotations

from sqlalchemy import Column, Float, Integer, String, Text

ID = 40  # an id `new_id()` makes, a school or a province code
INSTANT = 40  # an ISO 8601 instant, as the event gave it
USER = 200  # a user, as an event's actor names them
YEAR = 9  # a school year: 2025-2026


def key(name: str, length: int = ID) -> Column:
    """An id that is the row's key, or part of it."""
    return Column(name, String(length), primary_key=True)


def ref(name: str, length: int = ID, *, optional: bool = False, **options) -> Column:
    """An id or code that names a thing: a school, an asset, a training."""
    return Column(name, String(length), nullable=optional, **options)


def label(name: str, length: int = 20, *, optional: bool = False, **options) -> Column:
    """A short word of a known list: a status, a kind, a role."""
    return Column(name, String(length), nullable=optional, **options)


def instant(name: str, *, optional: bool = False) -> Column:
    """When something happened, as the event said it (ISO 8601)."""
    return Column(name, String(INSTANT), nullable=optional)


def timestamp(name: str, *, optional: bool = False) -> Column:
    """An instant as epoch seconds: one comparison orders instants recorded with any offset."""
    return Column(name, Float, nullable=optional)


def user(name: str, *, optional: bool = False) -> Column:
    """Who did something."""
    return Column(name, String(USER), nullable=optional)


def text(name: str, *, optional: bool = False) -> Column:
    """Free text, or a list or a record kept as JSON."""
    return Column(name, Text, nullable=optional)


def count(name: str, *, optional: bool = False) -> Column:
    """A whole number: a count, a rank, a number of months."""
    return Column(name, Integer, nullable=optional)


def position(*, primary: bool = False) -> Column:
    """The position in its log of the event a row comes from: the order of the rows, or their key."""
    if primary:
        return Column("position", Integer, primary_key=True, autoincrement=False)
    return Column("position", Integer, nullable=False)

