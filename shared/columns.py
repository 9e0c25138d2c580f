"""The kinds of column the read models (and the tables kept beside them) hold, each named for what it
holds and sized once.

A column is required unless said `optional`: most of what a read model keeps comes from an event that
always carries it. Lengths are those the tables have always had: a changed length is a changed schema
(a read model made again, a kept table migrated).
"""
from __future__ import annotations

from sqlalchemy import Boolean, Column, Float, Integer, String, Text

ID = 40  # an id `new_id()` makes, a school or a province code
YEAR = 9  # a school year: 2025-2026
DAY = 10  # a calendar day, ISO: 2025-10-06


class Kind:
    """A kind of column: its SQL type, and the usual length of a string kind."""

    def __init__(self, sql_type, length: int | None = None):
        self.sql_type, self.length = sql_type, length

    def __call__(self, name: str, length: int | None = None, *, optional: bool = False, **options) -> Column:
        length = length or self.length
        return Column(name, self.sql_type(length) if length else self.sql_type, nullable=optional, **options)


ref = Kind(String, ID)  # an id or a code that names a thing: a school, an asset, a training
label = Kind(String, 20)  # a short word of a known list: a status, a kind, a role
words = Kind(String, 300)  # a few words people wrote: a title, a name, a place
user = Kind(String, 200)  # who did something, as an event's actor names them
instant = Kind(String, 40)  # when something happened, as the event said it (ISO 8601)
day = Kind(String, DAY)  # a calendar day, as the event said it
timestamp = Kind(Float)  # an instant as epoch seconds: one comparison orders instants of any offset
text = Kind(Text)  # free text, or a list or a record kept as JSON
count = Kind(Integer)  # a whole number: a count, a rank, a number of months
amount = Kind(Float)  # a measure: hours, dirhams, megabits a second
flag = Kind(Boolean)  # whether something is so


def key(name: str, length: int = ID) -> Column:
    """An id that is the row's key, or part of it."""
    return Column(name, String(length), primary_key=True)


def filled_later(*columns: Column) -> list[Column]:
    """Columns another event than the one that makes the row fills (a repair, a decision, a first record):
    empty until it comes."""
    for column in columns:
        column.nullable = True
    return list(columns)


def log_position(*, primary: bool = False) -> Column:
    """The position in its log of the event a row comes from: the order of the rows, or their key."""
    if primary:
        return Column("position", Integer, primary_key=True, autoincrement=False)
    return Column("position", Integer, nullable=False)
