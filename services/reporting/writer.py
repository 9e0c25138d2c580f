"""The batch writer: what a run of events changes is gathered first (`Batch`, no I/O), then written
table kind by table kind, reading back only the rows of the keys it touched."""
from __future__ import annotations

from collections import defaultdict

from sqlalchemy import delete, select, tuple_
from sqlalchemy.engine import Connection

from shared.db import chunks, insert_many

from .cache import CHUNK, Changes
from .model import NEVER, Entity, History, IndicatorsModel


class Batch:
    """What a run of events changes, gathered before anything is written.

    `at` and `position` are those of the event being added: the rows it makes carry them unless
    they say otherwise.
    """

    __slots__ = ("rows", "folds", "touched", "current", "latest", "at", "position")

    def __init__(self):
        self.rows = defaultdict(list)  # table name -> new rows (histories and flows)
        self.folds = defaultdict(list)  # table name -> [(key, fold, args)] in log order
        self.touched = defaultdict(set)  # history table name -> keys whose states to derive again
        self.current = defaultdict(dict)  # entity table name -> {key: row}, of the entities that bound a history
        self.latest = -NEVER
        self.at, self.position = None, None

    def history(self, table, key, seq=0, **row):
        row.setdefault("at", self.at)
        row.setdefault("position", self.position)
        row["seq"] = seq
        row["end_at"] = NEVER
        self.rows[table.name].append(row)
        self.touched[table.name].add(key)

    def touch(self, table, key):
        self.touched[table.name].add(key)

    def flow(self, table, seq=0, **row):
        row.setdefault("at", self.at)
        row.setdefault("position", self.position)
        row["seq"] = seq
        self.rows[table.name].append(row)

    def fold(self, table, key, fold, *args):
        self.folds[table.name].append((key, fold, args))


class Writer:
    def __init__(self, model: IndicatorsModel):
        self.model = model
        self.bounding = {h.bound.entity.table.name for h in model.histories if h.bound is not None}

    def write(self, conn: Connection, batch: Batch, changes: Changes, empty: bool) -> None:
        """Write a batch. `empty`: the tables are known to be empty (a rebuild), so nothing is read back."""
        # Entities first: a completed transfer places assets, a received asset changes its placements.
        for entity in self.model.entities:
            ops = batch.folds.get(entity.table.name)
            if ops:
                self._entities(conn, batch, entity, ops, empty, changes)
        for history in self.model.histories:
            touched = batch.touched.get(history.table.name)
            if touched:
                self._history(conn, batch, history, touched, empty, changes)
        for table in self.model.flows:
            rows = batch.rows.get(table.name)
            if rows:
                insert_many(conn, table, rows)
                changes.note_all(rows)

    def write_flows(self, conn: Connection, batch: Batch) -> None:
        """Write the flow rows gathered so far (they need nothing else) and forget them."""
        for table in self.model.flows:
            rows = batch.rows.pop(table.name, None)
            if rows:
                insert_many(conn, table, rows)

    def _entities(self, conn, batch, entity: Entity, ops, empty, changes):
        table, keys = entity.table, entity.keys
        wanted = {key for key, _, _ in ops}
        existing = {} if empty else load_entities(conn, table, keys, wanted)
        current = dict(existing)
        for key, fold, args in ops:
            current[key] = fold(batch, current.get(key), *args)
        if table.name in self.bounding:
            batch.current[table.name].update(current)
        changed = [k for k in wanted if current.get(k) is not None and current[k] != existing.get(k)]
        stale = [k for k in changed if k in existing]
        if not empty:
            changes.note_all(existing[k] for k in stale)
            changes.note_all(current[k] for k in changed)
        if stale:
            delete_keys(conn, table, keys, stale)
        insert_many(conn, table, [current[k] for k in changed])

    def _history(self, conn, batch, history: History, touched, empty, changes):
        table, load_by, bound = history.table, history.load_by, history.bound
        new_rows = batch.rows.get(table.name, [])
        old_rows = [] if empty else load_rows(conn, table, load_by, touched)
        old_derived = {(r["position"], r["seq"]): dict(r) for r in old_rows}
        by_key = defaultdict(list)
        for r in old_rows + new_rows:
            by_key[history.group(r)].append(r)
        owners = {}
        if bound is not None:
            owners = batch.current[bound.entity.table.name]
            missing = {r[load_by] for r in new_rows + old_rows if r[load_by] not in owners}
            if missing and not empty:
                owners.update(load_entities(conn, bound.entity.table, bound.entity.keys, missing))
        for rows in by_key.values():
            rows.sort(key=lambda r: (r["at"], r["position"], r["seq"]))
            ends = [r["at"] for r in rows[1:]] + [NEVER]
            stop, carried = NEVER, {}
            if bound is not None:
                owner = owners.get(rows[0][load_by])
                stop = owner[bound.ends] if owner else NEVER
                carried = {c: owner[c] if owner else None for c in bound.copies}
            for r, end in zip(rows, ends):
                r["end_at"] = min(end, stop)
                r.update(carried)
        insert_many(conn, table, new_rows)
        updated = [r for r in old_rows if r != old_derived[(r["position"], r["seq"])]]
        if updated:
            update_rows(conn, table, updated, ("end_at",) + (bound.copies if bound is not None else ()))
        if not empty:
            changes.note_all(new_rows)
            changes.note_all(updated)
            changes.note_all({load_by: k[0] if isinstance(k, tuple) else k} for k in touched)


# ---------------------------------------------------------------------- reading back and rewriting

def update_rows(conn: Connection, table, rows: list[dict], columns) -> None:
    """Rewrite `columns` of rows already stored, found by (position, seq), on the driver's cursor."""
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    sets = ", ".join(f"{c} = {mark}" for c in columns)
    sql = f"UPDATE {table.name} SET {sets} WHERE position = {mark} AND seq = {mark}"
    cursor = conn.connection.driver_connection.cursor()
    try:
        cursor.executemany(sql, [tuple(r[c] for c in columns) + (r["position"], r["seq"]) for r in rows])
    finally:
        cursor.close()


def load_rows(conn: Connection, table, column: str, keys) -> list[dict]:
    keys = {k[0] if isinstance(k, tuple) else k for k in keys}
    out = []
    for part in chunks(keys, CHUNK):
        out += [dict(r) for r in conn.execute(select(table).where(table.c[column].in_(part))).mappings()]
    return out


def load_entities(conn: Connection, table, keys: tuple[str, ...], wanted) -> dict:
    out = {}
    if len(keys) == 1:
        column = table.c[keys[0]]
        for part in chunks(wanted, CHUNK):
            for r in conn.execute(select(table).where(column.in_(part))).mappings():
                out[r[keys[0]]] = dict(r)
    else:
        columns = tuple_(*(table.c[k] for k in keys))
        for part in chunks(wanted, CHUNK // len(keys)):
            for r in conn.execute(select(table).where(columns.in_(part))).mappings():
                out[tuple(r[k] for k in keys)] = dict(r)
    return out


def delete_keys(conn: Connection, table, keys: tuple[str, ...], values) -> None:
    if len(keys) == 1:
        for part in chunks(values, CHUNK):
            conn.execute(delete(table).where(table.c[keys[0]].in_(part)))
    else:
        columns = tuple_(*(table.c[k] for k in keys))
        for part in chunks(values, CHUNK // len(keys)):
            conn.execute(delete(table).where(columns.in_(part)))
