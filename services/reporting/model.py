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

from sqlalchemy import BigInteger, Column, Index, Integer, MetaData, Table

from shared.columns import YEAR, amount, count, filled_later, flag, key, label, ref, text, timestamp
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


ID = 64  # an id of any source's, whatever its length there


def placed() -> list[Column]:
    """Where a row stands among the facts: its event's place (`place`) and its rank among that event's rows."""
    return [Column("position", BigInteger, primary_key=True), Column("seq", Integer, primary_key=True, default=0)]


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
        self.entities: list[Entity] = []  # in fold order: a completed transfer makes placements
        self.histories: list[History] = []
        self.flows: list[Table] = []

        def entity(name, *columns):
            """One row per thing, keyed by its key columns."""
            table = Table(name, md, *columns)
            self.entities.append(Entity(table, tuple(c.name for c in table.primary_key.columns)))
            return table

        def history(name, *columns, group=None, bound=None):
            """States of each thing its first column names, read by it; a thing's rows are one sequence of
            states, or one per `group`."""
            by = columns[0].name
            table = Table(name, md, *columns, timestamp("at"), *placed(), timestamp("end_at"),
                          Index(f"ix_{name}_key", by))
            self.histories.append(History(table, by, group or (lambda r: r[by]), bound))
            return table

        def flow(name, *columns, indexes=()):
            """Facts counted over a period."""
            table = Table(name, md, *columns, timestamp("at"), *placed(),
                          *[Index(f"ix_{name}_{'_'.join(cols)}", *cols) for cols in indexes])
            self.flows.append(table)
            return table

        # ---- entities
        self.schools = entity(
            "schools",
            key("school_code"),
            *detail_columns(),
            timestamp("registered_at"),
            Index("ix_schools_province", "province_code"),
            Index("ix_schools_region", "region_code"),
        )
        self.assets = entity(
            "assets",
            key("asset_id", ID),
            label("kind", 40, optional=True),
            label("bundle", 10, optional=True),
            timestamp("decommissioned_at"),
        )
        self.transfers = entity(
            "transfers",
            key("transfer_id", ID),
            ref("from_school", optional=True),
            ref("to_school", optional=True),
            text("asset_ids"),
            timestamp("completed_at"),
            Index("ix_transfers_completed", "completed_at"),
        )
        self.faults = entity(
            "faults",
            key("fault_id", ID),
            # what its declaration tells, unknown while only its closing is
            *filled_later(ref("asset_id", ID), ref("school_code"), flag("under_warranty"), timestamp("declared_at")),
            timestamp("closed_at"),
            label("resolution", 30, optional=True),
            Index("ix_faults_school", "school_code"),
            Index("ix_faults_asset", "asset_id"),
            Index("ix_faults_closed", "closed_at", "declared_at"),  # the open ones at a recent T
        )
        self.dysfunctions = entity(
            "dysfunctions",
            key("dysfunction_id", ID),
            *filled_later(ref("school_code"), timestamp("reported_at")),  # unknown while only its resolution is
            timestamp("resolved_at"),
            Index("ix_dysfunctions_school", "school_code"),
        )
        self.completions = entity(
            "session_completions",
            key("session_id", ID),
            timestamp("completed_at"),
            Index("ix_session_completions_at", "completed_at"),
        )
        self.presences = entity(
            "presences",
            key("session_id", ID),
            key("staff_id", ID),
            timestamp("first_at"),
            ref("province_code"),
            Index("ix_presences_staff", "staff_id"),
        )
        self.first_resources = entity("first_resources", key("school_code"), timestamp("first_at"))

        # ---- histories: the state at T is the row with at < T <= end_at
        assets = next(e for e in self.entities if e.table is self.assets)
        self.placements = history(
            "placements",
            ref("asset_id", ID),
            ref("school_code"),
            label("kind", 40, optional=True),
            label("bundle", 10, optional=True),
            bound=Bound(assets, ends="decommissioned_at", copies=("kind", "bundle")))
        pl = self.placements.c
        # A school's assets at T, and how many are computers, read from the index alone: a region's question
        # seeks its schools' rows instead of reading the country's (INF01, INF02 and the school pages).
        Index("ix_placements_school_live", pl.school_code, pl.end_at, pl.at, pl.kind)
        # The assets in service at T, and how many are computers, read from the index alone (INF01, INF02).
        Index("ix_placements_live", pl.end_at, pl.at, pl.school_code, pl.kind)
        # A school's multimedia assets at T, sought without reading its other assets (INF03).
        Index("ix_placements_bundle", pl.bundle, pl.school_code, pl.end_at, pl.at)
        # An asset's state at T read from the index alone, for each asset that an open fault or an unused
        # observation names (MNT05, INF07).
        Index("ix_placements_asset_at", pl.asset_id, pl.end_at, pl.at, pl.school_code)
        self.observations = history("observations", ref("asset_id", ID), ref("school_code"), label("status"))
        o = self.observations.c
        Index("ix_observations_school", o.school_code)
        # The observations at T of a status, from the index alone (INF06, INF07): not every row of every visit.
        Index("ix_observations_status_at", o.status, o.end_at, o.at, o.school_code, o.asset_id)
        self.connectivity = history("connectivity", ref("school_code"), label("status"))
        self.filtering = history("filtering", ref("school_code"), flag("active"))
        self.censuses = history(
            "censuses",
            ref("school_code"),
            ref("school_year", YEAR),
            count("pupils"),
            count("teachers"),
            group=lambda r: (r["school_code"], r["school_year"]))
        self.audits = history("audits", ref("school_code"), count("present"), count("findings"))
        self.invitations = history("invitations", ref("staff_id", ID), ref("school_code", optional=True), label("role"))
        Index("ix_invitations_school", self.invitations.c.school_code)
        self.schedules = history(
            "schedules",
            ref("session_id", ID),
            timestamp("starts_at"),
            amount("hours"),
            ref("province_code"))
        # A training's evaluation: a later one replaces the earlier. The score in tenths keeps sums exact.
        self.evaluations = history(
            "evaluations",
            ref("training_id", ID),
            count("respondents"),
            count("score_tenths"),
            ref("province_code"))

        # ---- flows
        self.resources_received = flow(
            "resources_received", ref("resource_id", ID), ref("province_code"), indexes=[("at",)])
        self.distributions = flow(
            "distributions", ref("resource_id", ID), ref("school_code"),
            # The period's (resource, school) pairs read from the index in their order, not sorted again (RES02).
            indexes=[("school_code", "at"), ("resource_id", "school_code", "at")])
        self.decisions = flow(
            "decisions", ref("resource_id", ID), label("decision"), ref("province_code"), indexes=[("at",)])
        self.usages = flow(
            "usages", ref("school_code"), timestamp("period_end_at"), count("uses"),
            indexes=[("school_code", "period_end_at"), ("period_end_at",)])
        self.workshop_schools = flow(
            "workshop_schools", ref("workshop_id", ID), ref("school_code"), indexes=[("school_code", "at"), ("at",)])
        self.trainings = flow(
            "trainings", ref("training_id", ID), ref("school_year", YEAR), ref("province_code"),
            indexes=[("school_year",)])
        self.attendance = flow(
            "attendance", ref("session_id", ID), ref("staff_id", ID), label("status"), ref("province_code"),
            indexes=[("session_id",)])
        self.certifications = flow(
            "certifications", ref("staff_id", ID), ref("province_code"), indexes=[("at",)])

        # ---- beside the facts
        # The school codes that facts name but that no school was registered with (yet): a superset, kept
        # so that "the row's school is one of S" at scope all reads a short list (every school but these and
        # those registered after T) instead of looking the school of every row up.
        self.unregistered = Table("unregistered_schools", md, key("school_code"))
        self.school_columns = [table.c[name] for table in [e.table for e in self.entities]
                               + [h.table for h in self.histories] + self.flows
                               for name in ("school_code", "from_school", "to_school")
                               if name in table.c and table is not self.schools]
