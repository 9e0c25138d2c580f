"""Reporting's tables: the dated history every indicator needs.

Every instant is kept as epoch seconds (`at`), so "before T" is one comparison
whatever offset an event was recorded with; ties are broken by the source's
`position` (then `seq`, the rank of a row inside its event).

Three kinds of table:

- history: one row per fact that sets a state ("asset A is at school X"), with
  `end_at` derived from the facts of the same key. A row is the latest fact
  at T, and so the state at T, exactly when `at < T <= end_at`.
- entities: one row per thing (a school, a fault, a session completed...)
  folded from its events in log order.
- flows: one row per fact counted over a period.

Derived fields depend only on the set of facts of a key, never on how events
were batched, so a rebuild (one batch holding every event) equals the live
model (one small batch per delivery) field for field.
"""
from __future__ import annotations

import zlib
from functools import lru_cache

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Callable

from sqlalchemy import BigInteger, Boolean, Column, Float, Index, Integer, MetaData, String, Table, Text

from shared.schools import detail_columns

from .periods import CASABLANCA

NEVER = 1e18  # the end of a state nothing has replaced yet


def epoch(iso: str) -> float:
    return datetime.fromisoformat(iso).timestamp()


PLACE_BITS = 31  # a log's positions stay below 2**31 (an INTEGER column)
_CODE_SYMBOLS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_"


def place(env: dict, by_province: bool) -> int:
    """Where an event stands among the facts of the model: its position in its log, made unique across
    provinces where several feed the model (`position` is part of every table's key)."""
    if not by_province:
        return env["position"]
    return (province_number(env["province_code"]) << PLACE_BITS) + env["position"]


@lru_cache(maxsize=None)
def province_number(code: str) -> int:
    """A number of its own for each province code, the same on every machine and in every rebuild: the code
    itself in base 38 when it is short (as they are), else a checksum of it above those."""
    code = code.upper()
    if len(code) <= 5 and all(c in _CODE_SYMBOLS for c in code):
        n = 0
        for c in code:
            n = n * 38 + _CODE_SYMBOLS.index(c) + 1
        return n
    return 38 ** 5 + (zlib.crc32(code.encode()) & 0x3FFFFFFF)


def day_start(iso_date: str) -> float:
    """The first instant of a calendar day in Africa/Casablanca."""
    return datetime.combine(date.fromisoformat(iso_date), time(0), CASABLANCA).timestamp()


def _code(n: int = 40):
    return String(n)


@dataclass(frozen=True)
class Entity:
    """A table of one row per thing, keyed by `keys`, folded from its events."""
    table: Table
    keys: tuple[str, ...]


@dataclass(frozen=True)
class Bound:
    """A history whose states end with an entity's (an asset's placements end when it is decommissioned)
    and carry some of its columns."""
    entity: Entity
    ends: str  # the entity's column that ends every state of its key
    copies: tuple[str, ...]  # the entity's columns each state carries


@dataclass(frozen=True)
class History:
    """A table of states: `load_by` the column a key's rows are read by, `group` which rows make one
    sequence of states, `bound` an entity that ends them."""
    table: Table
    load_by: str
    group: Callable[[dict], object]
    bound: Bound | None = None


class IndicatorsModel:
    """The tables, as attributes of the projection, and their kinds in the order they are written."""

    def define_tables(self, md: MetaData) -> None:
        def ordered():
            return [Column("at", Float, nullable=False), Column("position", BigInteger, primary_key=True),
                    Column("seq", Integer, primary_key=True, default=0)]

        def history(name, *columns, key=()):
            return Table(name, md, *columns, *ordered(), Column("end_at", Float, nullable=False),
                         Index(f"ix_{name}_key", *key))

        # ---- entities
        self.schools = Table(
            "schools", md,
            Column("school_code", _code(), primary_key=True),
            *detail_columns(),
            Column("registered_at", Float, nullable=False),
            Index("ix_schools_province", "province_code"),
            Index("ix_schools_region", "region_code"),
        )
        self.assets = Table(
            "assets", md,
            Column("asset_id", _code(64), primary_key=True),
            Column("kind", _code(40)),
            Column("bundle", _code(10)),
            Column("decommissioned_at", Float, nullable=False),
        )
        self.transfers = Table(
            "transfers", md,
            Column("transfer_id", _code(64), primary_key=True),
            Column("from_school", _code()),
            Column("to_school", _code()),
            Column("asset_ids", Text, nullable=False),
            Column("completed_at", Float, nullable=False),
            Index("ix_transfers_completed", "completed_at"),
        )
        self.faults = Table(
            "faults", md,
            Column("fault_id", _code(64), primary_key=True),
            Column("asset_id", _code(64)),
            Column("school_code", _code()),
            Column("under_warranty", Boolean),
            Column("declared_at", Float),
            Column("closed_at", Float, nullable=False),
            Column("resolution", _code(30)),
            Index("ix_faults_school", "school_code"),
            Index("ix_faults_asset", "asset_id"),
            Index("ix_faults_closed", "closed_at", "declared_at"),  # the open ones at a recent T
        )
        self.dysfunctions = Table(
            "dysfunctions", md,
            Column("dysfunction_id", _code(64), primary_key=True),
            Column("school_code", _code()),
            Column("reported_at", Float),
            Column("resolved_at", Float, nullable=False),
            Index("ix_dysfunctions_school", "school_code"),
        )
        self.completions = Table(
            "session_completions", md,
            Column("session_id", _code(64), primary_key=True),
            Column("completed_at", Float, nullable=False),
            Index("ix_session_completions_at", "completed_at"),
        )
        self.presences = Table(
            "presences", md,
            Column("session_id", _code(64), primary_key=True),
            Column("staff_id", _code(64), primary_key=True),
            Column("first_at", Float, nullable=False),
            Column("province_code", _code(), nullable=False),
            Index("ix_presences_staff", "staff_id"),
        )
        self.first_resources = Table(
            "first_resources", md,
            Column("school_code", _code(), primary_key=True),
            Column("first_at", Float, nullable=False),
        )

        # ---- histories: the state at T is the row with at < T <= end_at
        self.placements = history(
            "placements",
            Column("asset_id", _code(64), nullable=False),
            Column("school_code", _code(), nullable=False),
            Column("kind", _code(40)),
            Column("bundle", _code(10)),
            key=("asset_id",))
        Index("ix_placements_school", self.placements.c.school_code, self.placements.c.end_at)
        self.observations = history(
            "observations",
            Column("asset_id", _code(64), nullable=False),
            Column("school_code", _code(), nullable=False),
            Column("status", _code(20), nullable=False),
            key=("asset_id",))
        Index("ix_observations_school", self.observations.c.school_code)
        self.connectivity = history(
            "connectivity",
            Column("school_code", _code(), nullable=False),
            Column("status", _code(20), nullable=False),
            key=("school_code",))
        self.filtering = history(
            "filtering",
            Column("school_code", _code(), nullable=False),
            Column("active", Boolean, nullable=False),
            key=("school_code",))
        self.censuses = history(
            "censuses",
            Column("school_code", _code(), nullable=False),
            Column("school_year", _code(9), nullable=False),
            Column("pupils", Integer, nullable=False),
            Column("teachers", Integer, nullable=False),
            key=("school_code",))
        self.audits = history(
            "audits",
            Column("school_code", _code(), nullable=False),
            Column("present", Integer, nullable=False),
            Column("findings", Integer, nullable=False),
            key=("school_code",))
        self.invitations = history(
            "invitations",
            Column("staff_id", _code(64), nullable=False),
            Column("school_code", _code()),
            Column("role", _code(20), nullable=False),
            key=("staff_id",))
        Index("ix_invitations_school", self.invitations.c.school_code)
        self.schedules = history(
            "schedules",
            Column("session_id", _code(64), nullable=False),
            Column("starts_at", Float, nullable=False),
            Column("hours", Float, nullable=False),
            Column("province_code", _code(), nullable=False),
            key=("session_id",))
        # A training's evaluation: a later one replaces the earlier. The score in tenths keeps sums exact.
        self.evaluations = history(
            "evaluations",
            Column("training_id", _code(64), nullable=False),
            Column("respondents", Integer, nullable=False),
            Column("score_tenths", Integer, nullable=False),
            Column("province_code", _code(), nullable=False),
            key=("training_id",))

        # ---- flows
        def flow(name, *columns, indexes=()):
            return Table(name, md, *columns, *ordered(),
                         *[Index(f"ix_{name}_{'_'.join(cols)}", *cols) for cols in indexes])

        self.resources_received = flow(
            "resources_received", Column("resource_id", _code(64), nullable=False),
            Column("province_code", _code(), nullable=False), indexes=[("at",)])
        self.distributions = flow(
            "distributions", Column("resource_id", _code(64), nullable=False),
            Column("school_code", _code(), nullable=False), indexes=[("school_code", "at")])
        self.decisions = flow(
            "decisions", Column("resource_id", _code(64), nullable=False),
            Column("decision", _code(20), nullable=False), Column("province_code", _code(), nullable=False),
            indexes=[("at",)])
        self.usages = flow(
            "usages", Column("school_code", _code(), nullable=False),
            Column("period_end_at", Float, nullable=False), Column("uses", Integer, nullable=False),
            indexes=[("school_code", "period_end_at"), ("period_end_at",)])
        self.workshop_schools = flow(
            "workshop_schools", Column("workshop_id", _code(64), nullable=False),
            Column("school_code", _code(), nullable=False), indexes=[("school_code", "at"), ("at",)])
        self.trainings = flow(
            "trainings", Column("training_id", _code(64), nullable=False),
            Column("school_year", _code(9), nullable=False), Column("province_code", _code(), nullable=False),
            indexes=[("school_year",)])
        self.attendance = flow(
            "attendance", Column("session_id", _code(64), nullable=False),
            Column("staff_id", _code(64), nullable=False), Column("status", _code(20), nullable=False),
            Column("province_code", _code(), nullable=False), indexes=[("session_id",)])
        self.certifications = flow(
            "certifications", Column("staff_id", _code(64), nullable=False),
            Column("province_code", _code(), nullable=False), indexes=[("at",)])

        assets = Entity(self.assets, ("asset_id",))
        # In fold order: a completed transfer makes placements.
        self.entities = [
            Entity(self.schools, ("school_code",)),
            assets,
            Entity(self.transfers, ("transfer_id",)),
            Entity(self.faults, ("fault_id",)),
            Entity(self.dysfunctions, ("dysfunction_id",)),
            Entity(self.completions, ("session_id",)),
            Entity(self.presences, ("session_id", "staff_id")),
            Entity(self.first_resources, ("school_code",)),
        ]
        self.histories = [
            History(self.placements, "asset_id", lambda r: r["asset_id"],
                    Bound(assets, ends="decommissioned_at", copies=("kind", "bundle"))),
            History(self.observations, "asset_id", lambda r: r["asset_id"]),
            History(self.connectivity, "school_code", lambda r: r["school_code"]),
            History(self.filtering, "school_code", lambda r: r["school_code"]),
            History(self.censuses, "school_code", lambda r: (r["school_code"], r["school_year"])),
            History(self.audits, "school_code", lambda r: r["school_code"]),
            History(self.invitations, "staff_id", lambda r: r["staff_id"]),
            History(self.schedules, "session_id", lambda r: r["session_id"]),
            History(self.evaluations, "training_id", lambda r: r["training_id"]),
        ]
        self.flows = [self.resources_received, self.distributions, self.decisions, self.usages,
                      self.workshop_schools, self.trainings, self.attendance, self.certifications]
