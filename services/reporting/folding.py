"""The commonest handler: an event whose data updates one row of an entity table, found by one of its fields."""
from __future__ import annotations


def fold_data(table: str, key: str, fold):
    """A handler `on_<event_type>` that folds the event's data into the row of `table` (a table of the
    projection, by name) keyed by the data's `key`, at the event's time: `fold(batch, row or None, data, at)`
    returns the new row."""
    def handle(self, b, env):
        d = env["data"]
        b.fold(getattr(self, table), d[key], fold, d, b.at)
    return handle
