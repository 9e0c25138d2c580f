"""The indicators of CONTRACT §4: one function per indicator id.

How the contract's words are read, everywhere:

- T is the end of the period, or now if it has not ended. A state is read at
  T, so a past period answers as it stood at its end, whatever happened since.
- "at T" (stock): the state left by the events before T; a state comes from
  the latest event (greatest occurred_at, then position) before T.
- "inside the period" (flow): from the period's start, before T, by
  occurred_at, except where a definition names another date: a usage
  period's `period_end` (RES06), a session's `starts_on` (TRN02, TRN05), or a
  session's completion (TRN03, TRN04, TRN07). Such a date is the first
  instant of that day in Africa/Casablanca. The facts counted by such a date
  (usage records, attendance) count whenever they were recorded: January's
  use reported on 3 February belongs to S1. What they hang on is read at T:
  a session's schedule, its completion, a member of staff's school.
- S: the schools registered before T in the scope. A school-level figure
  counts what belongs to a school of S: an asset by its school at T, a fault
  or a visit by the school it names, a member of staff by the school of
  their latest invitation before T.
- Facts not tied to a school count at province scope and above by the
  event's province_code; a region holds the provinces of its schools.
- INF06: each asset's latest observation before T, if made inside the
  period, counts for the school visited. TRN04: sessions completed inside
  the school year, before T. A fault's closing is its earliest fault_closed.
"""
from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone
from fractions import Fraction
from typing import Any, NamedTuple

from sqlalchemy import and_, case, distinct, func, or_, select, true, union, union_all
from sqlalchemy.engine import Connection

from shared.schools import DETAILS

from .periods import CASABLANCA, FIRST_YEAR, Period, Scope
from .projections import IndicatorsProjection
from .registry import REGISTRY, declare
from .wording import WORDING

DAY = 86400
COMPUTERS = ("desktop", "laptop")
BUNDLES = ("smm", "vmm")
OUTSIDE_LISTED = 500  # school codes left out of scope all by a list of values; more, by their query


@dataclass
class Figure:
    num: Any  # a number, or {school_code: number} school by school; None: not known
    den: Any = None
    absent: Any = 0  # school by school, the numerator of a school without a row

    def of(self, code):
        """(numerator, denominator) of one school, from figures made school by school."""
        return (self.num.get(code, self.absent),
                self.den.get(code, 0) if isinstance(self.den, dict) else None)


class Question:
    """One scope, one period, one T: the filters every indicator shares."""

    def __init__(self, conn: Connection, p: IndicatorsProjection, scope: Scope, period: Period, t: float,
                 per_school: bool = False, only=None, by_staff: bool = False, by_territory: str | None = None):
        self.conn, self.p, self.scope, self.period, self.t = conn, p, scope, period, t
        self.start = period.start.timestamp()
        self.year_start = period.year_start.timestamp()
        self.per_school = per_school
        # Province by province (or region by region): every figure a dict {code: number}, each what that
        # province (region) answers.
        self.by_territory = by_territory
        # Staff count by their school at school scope, school by school and in groups of schools.
        self.by_staff = by_staff or per_school or scope.level == "school"
        s = p.schools
        self.school_filter = [s.c.registered_at < t]
        column = {"region": s.c.region_code, "province": s.c.province_code,
                  "school": s.c.school_code}.get(scope.level)
        if column is not None:
            self.school_filter.append(column == scope.code)
        if only is not None:  # just these schools of S
            self.school_filter.append(s.c.school_code.in_(list(only)))
        self.S = select(s.c.school_code).where(*self.school_filter)
        self._schools = None
        self._provinces = None
        self._left_out = None
        self._read_once: dict = {}

    # ---- filters

    def in_s(self, column):
        """The row's school is one of S."""
        if self.scope.level == "all" and len(self.school_filter) == 1:
            # S is every school but a few (those registered after T, and the codes no school was registered
            # with): a short list to leave out, instead of looking up the school of every row. Mostly there is
            # none, and then no row is checked at all.
            outside = self._outside()
            return and_(column.isnot(None), column.notin_(outside)) if outside is not None else column.isnot(None)
        return column.in_(self.S)

    def _outside(self):
        """The school codes that rows may name and that are not of S at scope all: read once, as a list (None if
        there are none) while it is short, else as the query that finds them."""
        if self._left_out is None:
            s, u = self.p.schools, self.p.unregistered
            query = union(select(s.c.school_code).where(s.c.registered_at >= self.t), select(u.c.school_code))
            codes = list(self.conn.execute(query.limit(OUTSIDE_LISTED + 1)).scalars())
            self._left_out = [sorted(codes) or None] if len(codes) <= OUTSIDE_LISTED else [query]
        return self._left_out[0]

    def live(self, table):
        """The row is the state at T: the latest fact before T."""
        return and_(table.c.at < self.t, table.c.end_at >= self.t)

    def during(self, column):
        return and_(column >= self.start, column < self.t)

    def in_provinces(self, column):
        level, code = self.scope.level, self.scope.code
        if level == "all":
            return true()
        if level == "province":
            return column == code
        if self._provinces is None:  # a short list, read once: simpler plans than a subquery
            s = self.p.schools
            self._provinces = sorted(self.conn.execute(
                select(s.c.province_code).distinct().where(s.c.region_code == code, s.c.registered_at < self.t))
                .scalars())
        return column.in_(self._provinces)

    # ---- reading

    def schools(self) -> list[dict]:
        if self._schools is None:
            s = self.p.schools
            self._schools = [dict(r) for r in self.conn.execute(
                select(s.c.school_code, s.c.name_ar, s.c.name_fr, s.c.province_code, s.c.region_code,
                       s.c.cycle, s.c.setting, s.c.commune)
                .where(*self.school_filter).order_by(s.c.school_code)).mappings()]
        return self._schools

    def codes(self) -> list[str]:
        s = self.p.schools
        return list(self.conn.execute(select(s.c.school_code).where(*self.school_filter)).scalars())

    def school_count(self, *where):
        """How many schools of S (those where `where` holds)."""
        s = self.p.schools
        if self.per_school and not where:
            return {s["school_code"]: 1 for s in self.schools()}
        group = s.c.school_code if self.per_school else self._territory() if self.by_territory else None
        if group is not None:
            count = lambda: dict(self.conn.execute(select(group, func.count()).where(*self.school_filter, *where)
                                                   .group_by(group)).all())
        else:
            count = lambda: self.conn.execute(select(func.count()).select_from(s)
                                              .where(*self.school_filter, *where)).scalar_one()
        # S itself is the denominator of several indicators: counted once for the question.
        return count() if where else self.once("schools", count)

    def tally(self, school, exprs, *where, from_=None) -> list:
        """Each aggregate over the rows of schools of S: a number, or school (or province) by school a dict."""
        if self.by_territory:
            s, group = self.p.schools, self._territory()
            base = from_ if from_ is not None else school.table
            return self._grouped(select(group, *exprs)
                                 .select_from(base.join(s, s.c.school_code == school))
                                 .where(*self.school_filter, *where).group_by(group), len(exprs))
        stmt = select(school, *exprs) if self.per_school else select(*exprs)
        if from_ is not None:
            stmt = stmt.select_from(from_)
        stmt = stmt.where(self.in_s(school), *where)
        if self.per_school:
            return self._grouped(stmt.group_by(school), len(exprs))
        return self.one(stmt)

    def one(self, stmt) -> list:
        return [v or 0 for v in self.conn.execute(stmt).one()]

    def provincial(self, province, exprs, *where, from_=None) -> list:
        """Each aggregate over facts tied to a province (the event's), of the scope's provinces."""
        if self.by_territory == "region":
            # A region holds the provinces of its schools: a fact counts for each region that holds its province.
            s = self.p.schools
            held = select(s.c.province_code, s.c.region_code).distinct().where(*self.school_filter).subquery()
            base = from_ if from_ is not None else province.table
            return self._grouped(select(held.c.region_code, *exprs)
                                 .select_from(base.join(held, held.c.province_code == province))
                                 .where(*where).group_by(held.c.region_code), len(exprs))
        stmt = select(province, *exprs) if self.by_territory else select(*exprs)
        if from_ is not None:
            stmt = stmt.select_from(from_)
        stmt = stmt.where(*where, self.in_provinces(province))
        if self.by_territory:
            return self._grouped(stmt.group_by(province), len(exprs))
        return self.one(stmt)

    def of_staff(self, staff_id, province, exprs, *where, from_) -> list:
        """Each aggregate over facts about members of staff: by the school of their latest invitation at T
        where staff count by their school, else by the province of the event."""
        if self.by_staff:
            st, joined = self.staff_at(from_, staff_id)
            return self.tally(st.c.school_code, exprs, *where, from_=joined)
        return self.provincial(province, exprs, *where, from_=from_)

    def staff_at(self, joined, staff_id):
        """`joined` with each member of staff's latest invitation at T: their school and role."""
        st = self.p.invitations
        return st, joined.join(st, and_(st.c.staff_id == staff_id, self.live(st)))

    def once(self, what: str, read):
        """What several indicators count in one pass over the same rows, read once for this question."""
        if what not in self._read_once:
            self._read_once[what] = read()
        return self._read_once[what]

    def _territory(self):
        """The schools' column of the territory figures are grouped by."""
        return self.p.schools.c[f"{self.by_territory}_code"]

    def _grouped(self, stmt, n) -> list:
        out = [{} for _ in range(n)]
        for row in self.conn.execute(stmt):
            for i, v in enumerate(row[1:]):
                out[i][row[0]] = v or 0
        return out


def indicator(ident: str, **traits):
    """Declare the decorated formula as indicator `ident` (`declare`), named and defined as `WORDING` words it."""
    label, definition = WORDING[ident]
    return declare(ident, label=label, definition=definition, **traits)


def _open(q: Question, f):
    """A fault declared before T and not closed before T."""
    return and_(f.c.declared_at < q.t, f.c.closed_at >= q.t)


def _count_if(condition):
    return func.sum(case((condition, 1), else_=0))


# ---------------------------------------------------------------------- infrastructure

@indicator("INF01", axis="infrastructure", kind="stock", figure="count", unit="assets", higher_is_better=True,
           additive=True)
def inf01_equipment_in_service(q: Question) -> Figure:
    """Assets at a school of S and not decommissioned, at T."""
    return Figure(_in_service(q).assets)


class InService(NamedTuple):
    assets: Any
    computers: Any
    unused: Any  # last seen unused
    with_open_fault: Any


def _in_service(q: Question) -> InService:
    """Of the assets in service at T at S, read once for the question: how many (INF01, MNT05), how many computers
    (INF02), how many were last seen unused (INF07), and how many have a fault open at T (MNT05). Each asset's
    state at T is one row on either side: an asset is counted once, by its placement."""
    read = _in_service_in_one_pass if q.conn.dialect.name == "postgresql" else _in_service_by_index
    return q.once("in service", lambda: read(q))


def _counted_in_service(q: Question) -> list:
    pl = q.p.placements
    return [func.count(), _count_if(pl.c.kind.in_(COMPUTERS))]


def _with_open_fault(q: Question):
    f = q.p.faults
    return select(f.c.asset_id).where(_open(q, f))


def _in_service_in_one_pass(q: Question) -> InService:
    """PostgreSQL scans the placements once, in parallel, each asset joined to the two short lists hashed: one
    scan instead of three (53 ms against 85 on the national model; 63 with the lists looked up instead)."""
    pl, o = q.p.placements, q.p.observations
    unused = select(o.c.asset_id).where(q.live(o), o.c.status == "unused").subquery()
    faulty = _with_open_fault(q).distinct().subquery()
    return InService(*q.tally(pl.c.school_code, [*_counted_in_service(q), func.count(unused.c.asset_id),
                                                 func.count(faulty.c.asset_id)], q.live(pl),
                              from_=pl.outerjoin(unused, unused.c.asset_id == pl.c.asset_id)
                              .outerjoin(faulty, faulty.c.asset_id == pl.c.asset_id)))


def _in_service_by_index(q: Question) -> InService:
    """SQLite looks each unused or faulty asset up among the placements by its index instead: the one pass takes
    it 430 ms against 60."""
    pl, o = q.p.placements, q.p.observations
    assets, computers = q.tally(pl.c.school_code, _counted_in_service(q), q.live(pl))
    unused, = q.tally(pl.c.school_code, [func.count()], q.live(pl), q.live(o), o.c.status == "unused",
                      from_=o.join(pl, pl.c.asset_id == o.c.asset_id))
    faulty, = q.tally(pl.c.school_code, [func.count()], q.live(pl), pl.c.asset_id.in_(_with_open_fault(q)))
    return InService(assets, computers, unused, faulty)


@indicator("INF02", axis="infrastructure", kind="stock", figure="ratio", unit="pupils_per_computer",
           higher_is_better=False, additive=True)
def inf02_learners_per_computer(q: Question) -> Figure:
    """Pupils of S (census of the period's school year at T) / in-service desktops and laptops at S."""
    c = q.p.censuses
    pupils, censused = q.tally(c.c.school_code, [func.sum(c.c.pupils), func.count()], q.live(c),
                               c.c.school_year == q.period.school_year)
    computers = _in_service(q).computers
    # No census of the year at any school: the pupils are not known, which is not zero pupils.
    if not q.per_school and not q.by_territory and not censused and q.school_count():
        pupils = None
    return Figure(pupils, computers, absent=None)


@indicator("INF03", axis="infrastructure", kind="stock", figure="rate", unit="percent", higher_is_better=True,
           additive=True)
def inf03_schools_with_multimedia(q: Question) -> Figure:
    """% of S with at least one in-service asset of bundle smm or vmm."""
    pl, s = q.p.placements, q.p.schools
    # School by school, from the placements' school index: stops at its first multimedia asset.
    multimedia = select(pl.c.asset_id).where(pl.c.school_code == s.c.school_code, pl.c.bundle.in_(BUNDLES),
                                             q.live(pl)).exists()
    return Figure(q.school_count(multimedia), q.school_count())


@indicator("INF04", axis="infrastructure", kind="stock", figure="rate", unit="percent", higher_is_better=True,
           additive=True)
def inf04_schools_connected(q: Question) -> Figure:
    """% of S whose latest connectivity record at T is connected."""
    _, connected = _connected(q)
    return Figure(connected, q.school_count())


@indicator("INF05", axis="infrastructure", kind="stock", figure="rate", unit="percent", higher_is_better=True,
           additive=True)
def inf05_connected_schools_filtered(q: Question) -> Figure:
    """% of connected schools of S (at T) whose latest filtering record at T is active."""
    return Figure(*_connected(q))


def _connected(q: Question):
    """Of S at T, read once for the question: the connected schools filtered (INF05), and all connected (INF04,
    INF05)."""
    cn, fl = q.p.connectivity, q.p.filtering
    joined = cn.outerjoin(fl, and_(fl.c.school_code == cn.c.school_code, q.live(fl)))
    return q.once("connected", lambda: q.tally(cn.c.school_code, [_count_if(fl.c.active.is_(True)), func.count()],
                                               q.live(cn), cn.c.status == "connected", from_=joined))


@indicator("INF06", axis="infrastructure", kind="flow", figure="rate", unit="percent", higher_is_better=True,
           additive=True)
def inf06_equipment_use_rate(q: Question) -> Figure:
    """Over each asset's latest observation inside the period at S: in_use / (in_use + unused)."""
    o = q.p.observations
    in_use, observed = q.tally(o.c.school_code, [_count_if(o.c.status == "in_use"), func.count()],
                               o.c.status.in_(("in_use", "unused")), q.live(o), o.c.at >= q.start)
    return Figure(in_use, observed)


@indicator("INF07", axis="infrastructure", kind="stock", figure="count", unit="assets", higher_is_better=False,
           additive=True)
def inf07_unused_equipment(q: Question) -> Figure:
    """In-service assets at S whose latest observation at T is unused."""
    return Figure(_in_service(q).unused)


@indicator("INF08", axis="infrastructure", kind="flow", figure="rate", unit="percent", higher_is_better=True,
           additive=True)
def inf08_audit_conformity(q: Question) -> Figure:
    """Over the latest audit of each school of S inside the period: present / all findings."""
    au = q.p.audits
    present, findings = q.tally(au.c.school_code, [func.sum(au.c.present), func.sum(au.c.findings)],
                                q.live(au), au.c.at >= q.start)
    return Figure(present, findings)


@indicator("INF09", axis="infrastructure", kind="flow", figure="count", unit="transfers", higher_is_better=True)
def inf09_transfers_completed(q: Question) -> Figure:
    """Transfers completed inside the period from or to a school of S."""
    tr = q.p.transfers
    done = q.during(tr.c.completed_at)
    if q.per_school or q.by_territory:
        ends = union_all(
            select(tr.c.transfer_id, tr.c.from_school.label("school_code")).where(done),
            select(tr.c.transfer_id, tr.c.to_school.label("school_code")).where(done)).subquery()
        n, = q.tally(ends.c.school_code, [func.count(distinct(ends.c.transfer_id))])
    else:
        n, = q.one(select(func.count()).where(done, or_(q.in_s(tr.c.from_school), q.in_s(tr.c.to_school))))
    return Figure(n)


# ---------------------------------------------------------------------- maintenance

def _closed_inside(q: Question):
    """Of the faults of S closed inside the period as repaired or replaced, read once for the question: the
    seconds from declaration to closing, summed (MNT02), how many (MNT02, MNT03), how many under warranty
    (MNT03)."""
    f = q.p.faults
    return q.once("closed", lambda: q.tally(
        f.c.school_code, [func.sum(f.c.closed_at - f.c.declared_at), func.count(),
                          _count_if(f.c.under_warranty.is_(True))],
        q.during(f.c.closed_at), f.c.resolution.in_(("repaired", "replaced")), f.c.declared_at.isnot(None)))


def _open_faults(q: Question):
    """Of the faults of S open at T, read once for the question: how many (MNT01), and how many declared more
    than 15 days before T (MNT04)."""
    f = q.p.faults
    return q.once("open", lambda: q.tally(f.c.school_code, [func.count(), _count_if(f.c.declared_at < q.t - 15 * DAY)],
                                          _open(q, f)))


@indicator("MNT01", axis="infrastructure", kind="stock", figure="count", unit="faults", higher_is_better=False,
           additive=True)
def mnt01_open_faults(q: Question) -> Figure:
    """Faults at S declared and not closed at T."""
    return Figure(_open_faults(q)[0])


@indicator("MNT02", axis="infrastructure", kind="flow", figure="mean_days", unit="days", higher_is_better=False,
           additive=True)
def mnt02_mean_days_to_close(q: Question) -> Figure:
    """Mean days from declaration to closing (repaired or replaced) of faults closed inside the period."""
    seconds, faults, _ = _closed_inside(q)
    return Figure(seconds, faults)


@indicator("MNT03", axis="infrastructure", kind="flow", figure="rate", unit="percent", higher_is_better=True,
           additive=True)
def mnt03_closed_under_warranty(q: Question) -> Figure:
    """% of the faults of MNT02 declared under warranty."""
    _, faults, warranty = _closed_inside(q)
    return Figure(warranty, faults)


@indicator("MNT04", axis="infrastructure", kind="stock", figure="count", unit="faults", higher_is_better=False,
           additive=True, moves_with_now=True)
def mnt04_faults_open_over_15_days(q: Question) -> Figure:
    """Open faults at S at T declared more than 15 days before T."""
    return Figure(_open_faults(q)[1])


@indicator("MNT05", axis="infrastructure", kind="stock", figure="rate", unit="percent", higher_is_better=False,
           additive=True)
def mnt05_equipment_with_open_fault(q: Question) -> Figure:
    """% of in-service assets at S (INF01) with an open fault at T."""
    in_service = _in_service(q)
    return Figure(in_service.with_open_fault, in_service.assets)


# ---------------------------------------------------------------------- resources

@indicator("RES01", axis="resources", kind="flow", level="province", figure="count", unit="resources",
           higher_is_better=True)
def res01_resources_received(q: Question) -> Figure:
    """Resources received inside the period (province scope and above)."""
    r = q.p.resources_received
    n, = q.provincial(r.c.province_code, [func.count(distinct(r.c.resource_id))], q.during(r.c.at))
    return Figure(n)


@indicator("RES02", axis="resources", kind="flow", figure="count", unit="distributions", higher_is_better=True,
           additive=True)
def res02_resources_distributed(q: Question) -> Figure:
    """Distinct (resource, school) pairs distributed inside the period to schools of S."""
    d = q.p.distributions
    if q.per_school:
        n, = q.tally(d.c.school_code, [func.count(distinct(d.c.resource_id))], q.during(d.c.at))
    else:
        pairs = (select(d.c.resource_id, d.c.school_code).distinct()
                 .where(q.in_s(d.c.school_code), q.during(d.c.at)).subquery())
        if q.by_territory:
            n, = q.tally(pairs.c.school_code, [func.count()])
        else:
            n, = q.one(select(func.count()).select_from(pairs))
    return Figure(n)


@indicator("RES03", axis="resources", kind="stock", figure="rate", unit="percent", higher_is_better=True, additive=True)
def res03_schools_reached(q: Question) -> Figure:
    """% of S that received at least one resource by T."""
    fr = q.p.first_resources
    reached, = q.tally(fr.c.school_code, [func.count()], fr.c.first_at < q.t)
    return Figure(reached, q.school_count())


@indicator("RES04", axis="resources", kind="flow", level="province", figure="count", unit="resources",
           higher_is_better=True)
def res04_resources_approved(q: Question) -> Figure:
    """Resources approved by a validation committee inside the period (province scope and above)."""
    d = q.p.decisions
    n, = q.provincial(d.c.province_code, [func.count(distinct(d.c.resource_id))], q.during(d.c.at),
                      d.c.decision == "approved")
    return Figure(n)


@indicator("RES05", axis="resources", kind="flow", level="province", figure="rate", unit="percent",
           higher_is_better=True)
def res05_approval_rate(q: Question) -> Figure:
    """% approved over all committee decisions inside the period (province scope and above)."""
    d = q.p.decisions
    approved, decisions = q.provincial(d.c.province_code, [_count_if(d.c.decision == "approved"), func.count()],
                                       q.during(d.c.at))
    return Figure(approved, decisions)


@indicator("RES06", axis="resources", kind="flow", figure="count", unit="uses", higher_is_better=True, additive=True,
           moves_with_now=True)
def res06_resource_uses(q: Question) -> Figure:
    """Uses recorded at S for usage periods that end inside the period."""
    u = q.p.usages
    n, = q.tally(u.c.school_code, [func.sum(u.c.uses)], q.during(u.c.period_end_at))
    return Figure(n)


@indicator("RES07", axis="resources", kind="flow", figure="count", unit="workshops", higher_is_better=True)
def res07_awareness_workshops(q: Question) -> Figure:
    """Awareness workshops inside the period that include a school of S."""
    w = q.p.workshop_schools
    n, = q.tally(w.c.school_code, [func.count(distinct(w.c.workshop_id))], q.during(w.c.at))
    return Figure(n)


@indicator("RES08", axis="resources", kind="stock", figure="count", unit="dysfunctions", higher_is_better=False,
           additive=True)
def res08_open_dysfunctions(q: Question) -> Figure:
    """Dysfunctions at S reported and not resolved at T."""
    d = q.p.dysfunctions
    n, = q.tally(d.c.school_code, [func.count()], d.c.reported_at < q.t, d.c.resolved_at >= q.t)
    return Figure(n)


# ---------------------------------------------------------------------- training

@indicator("TRN01", axis="training", kind="stock", level="province", figure="count", unit="trainings",
           higher_is_better=True)
def trn01_trainings_planned(q: Question) -> Figure:
    """Trainings planned by T for the period's school year (province scope and above)."""
    tr = q.p.trainings
    n, = q.provincial(tr.c.province_code, [func.count(distinct(tr.c.training_id))], tr.c.at < q.t,
                      tr.c.school_year == q.period.school_year)
    return Figure(n)


@indicator("TRN02", axis="training", kind="flow", level="province", figure="rate", unit="percent",
           higher_is_better=True, moves_with_now=True)
def trn02_sessions_completed(q: Question) -> Figure:
    """% of sessions starting inside the period that are completed at T (province scope and above)."""
    sc, c = q.p.schedules, q.p.completions
    done = select(c.c.session_id).where(c.c.session_id == sc.c.session_id, c.c.completed_at < q.t).exists()
    completed, sessions = q.provincial(sc.c.province_code, [_count_if(done), func.count()], q.live(sc),
                                       q.during(sc.c.starts_at))
    return Figure(completed, sessions)


@indicator("TRN03", axis="training", kind="flow", figure="count", unit="staff", higher_is_better=True)
def trn03_staff_trained(q: Question) -> Figure:
    """Distinct staff present at least once at a session completed inside the period."""
    pr, c = q.p.presences, q.p.completions
    n, = q.of_staff(pr.c.staff_id, pr.c.province_code, [func.count(distinct(pr.c.staff_id))],
                    q.during(c.c.completed_at), from_=pr.join(c, c.c.session_id == pr.c.session_id))
    return Figure(n)


@indicator("TRN04", axis="training", kind="stock", figure="rate", unit="percent", higher_is_better=True, additive=True)
def trn04_teachers_trained(q: Question) -> Figure:
    """% of teachers of S (census) present at a session of the school year completed by T."""
    pr, c, cs = q.p.presences, q.p.completions, q.p.censuses
    st, joined = q.staff_at(pr.join(c, c.c.session_id == pr.c.session_id), pr.c.staff_id)
    trained, = q.tally(st.c.school_code, [func.count(distinct(st.c.staff_id))],
                       c.c.completed_at >= q.year_start, c.c.completed_at < q.t, st.c.role == "teacher", from_=joined)
    teachers, = q.tally(cs.c.school_code, [func.sum(cs.c.teachers)], q.live(cs),
                        cs.c.school_year == q.period.school_year)
    return Figure(trained, teachers)


@indicator("TRN05", axis="training", kind="flow", figure="rate", unit="percent", higher_is_better=True,
           moves_with_now=True)
def trn05_attendance_rate(q: Question) -> Figure:
    """present / all attendance records of sessions starting inside the period."""
    a, sc = q.p.attendance, q.p.schedules
    present, records = q.of_staff(a.c.staff_id, a.c.province_code,
                                  [_count_if(a.c.status == "present"), func.count()], q.during(sc.c.starts_at),
                                  from_=a.join(sc, and_(sc.c.session_id == a.c.session_id, q.live(sc))))
    return Figure(present, records)


@indicator("TRN06", axis="training", kind="flow", figure="count", unit="staff", higher_is_better=True)
def trn06_staff_certified(q: Question) -> Figure:
    """Distinct staff certified inside the period."""
    ce = q.p.certifications
    n, = q.of_staff(ce.c.staff_id, ce.c.province_code, [func.count(distinct(ce.c.staff_id))], q.during(ce.c.at),
                    from_=ce)
    return Figure(n)


@indicator("TRN07", axis="training", kind="flow", figure="count", unit="person_hours", higher_is_better=True)
def trn07_training_hours(q: Question) -> Figure:
    """Sum over sessions completed inside the period of hours × distinct staff present."""
    pr, c, sc = q.p.presences, q.p.completions, q.p.schedules
    joined = (pr.join(c, c.c.session_id == pr.c.session_id)
              .join(sc, and_(sc.c.session_id == pr.c.session_id, q.live(sc))))
    hours, = q.of_staff(pr.c.staff_id, pr.c.province_code, [func.sum(sc.c.hours)], q.during(c.c.completed_at),
                        from_=joined)
    return Figure(hours)


SCHOOL_LEVEL = tuple(i for i, d in REGISTRY.items() if d.level == "school")



@indicator("TRN08", axis="training", kind="flow", level="province", figure="ratio", unit="score", higher_is_better=True)
def trn08_mean_evaluation_score(q: Question) -> Figure:
    """Over each training's latest evaluation, if made inside the period: Σ(score × respondents) / Σ respondents
    (province scope and above)."""
    ev = q.p.evaluations
    tenths, respondents = q.provincial(ev.c.province_code, [func.sum(ev.c.score_tenths * ev.c.respondents),
                                                            func.sum(ev.c.respondents)], q.live(ev), ev.c.at >= q.start)
    if q.by_territory:
        return Figure({k: Fraction(v, 10) for k, v in tenths.items()}, respondents)
    return Figure(Fraction(tenths, 10), respondents)


def _first_from(q: Question, column, shift: float = 0.0, *where) -> float:
    """The first instant from T on at which `column + shift` is reached (a count by that date may turn
    there), over every row: a superset of the rows counted, so never later than the figure's next turn."""
    first = q.conn.execute(select(func.min(column)).where(column >= q.t - shift, *where)).scalar()
    return math.inf if first is None else first + shift


# The figures that move with now turn only when T reaches one of these dates (while no event arrives):
# a fault's fifteenth day open, the end day of a usage period, the start day of a session.
TURNS = {
    "MNT04": lambda q: _first_from(q, q.p.faults.c.declared_at, 15 * DAY, q.p.faults.c.closed_at >= q.t),
    "RES06": lambda q: _first_from(q, q.p.usages.c.period_end_at),
    "TRN02": lambda q: _first_from(q, q.p.schedules.c.starts_at),
    "TRN05": lambda q: _first_from(q, q.p.schedules.c.starts_at),
}
MOVING = tuple(i for i, d in REGISTRY.items() if d.moves_with_now)
assert set(TURNS) == set(MOVING), "each figure that moves with now says when it turns"


# ---------------------------------------------------------------------- numbers

def round1(x) -> float:
    """To one decimal, halves away from zero (as one rounds by hand)."""
    x = Fraction(x)
    tenths = math.floor(abs(x) * 10 + Fraction(1, 2))
    return (tenths if x >= 0 else -tenths) / 10


def _plain(n):
    """An integer stays an integer; a sum of hours keeps 4 decimals."""
    if isinstance(n, Fraction):
        n = int(n) if n.denominator == 1 else float(n)
    if isinstance(n, float):
        return int(n) if n.is_integer() else round(n, 4)
    return int(n)


def entry(figure: str, num, den) -> dict:
    """One indicator's figure in the contract's shape, from its numerator and denominator."""
    if figure == "count":
        n = _plain(num or 0)
        return {"value": n, "numerator": n, "denominator": None}
    den = den or 0
    if num is None:  # only INF02: no census of the school year
        return {"value": None, "numerator": None, "denominator": _plain(den), "reason": "no_census"}
    if figure == "mean_days":
        numerator = _plain(round(float(Fraction(num) / DAY), 4))
        value = None if den == 0 else round1(Fraction(num) / DAY / den)
        return {"value": value, "numerator": numerator, "denominator": int(den)}
    if den == 0:
        value = None
    elif figure == "rate":
        value = round1(Fraction(num) * 100 / Fraction(den))
    else:  # ratio
        value = round1(Fraction(num) / Fraction(den))
    return {"value": value, "numerator": _plain(num), "denominator": _plain(den)}


def difference(value, other):
    """value - other as a reader would work it out from the two shown values; None if either is missing."""
    if value is None or other is None:
        return None
    if isinstance(value, int) and isinstance(other, int):
        return value - other
    return round1(Fraction(str(value)) - Fraction(str(other)))


def side_by_side(items: list[dict], others: list[dict]) -> list[dict]:
    """Each indicator of one period with the same of another (`with`) and the difference of the values."""
    return [dict(a, **{"with": {k: b.get(k) for k in ("value", "numerator", "denominator", "reason") if k in b},
                       "difference": difference(a["value"], b["value"])})
            for a, b in zip(items, others)]


NOT_APPLICABLE = {"value": None, "numerator": None, "denominator": None, "reason": "not_applicable"}
ADDITIVE = tuple(i for i, d in REGISTRY.items() if d.additive)


class Sum:
    """Numerators and denominators of schools added up exactly; a numerator none of them knows stays None."""

    __slots__ = ("num", "den", "known", "unknown")

    def __init__(self):
        self.num, self.den, self.known, self.unknown = 0, 0, 0, 0

    def add(self, pair, sign=1):
        num, den = pair
        if num is None:
            self.unknown += sign
        else:
            self.num += sign * _exact(num)
            self.known += sign
        self.den += sign * _exact(den or 0)

    def figure(self) -> Figure:
        return Figure(None if self.unknown and not self.known else self.num, self.den)


class Memo:
    """Each school's figures per period, kept until an event may change them.

    Filled school by school on demand; a stored batch forgets the schools it may have changed
    (`Changes`, a superset). Only the process that applies events may use one, and only at the
    period's own T (the end of the period, or now).
    """

    def __init__(self, periods: int = 12):
        self.periods = periods
        self.tables: dict[str, dict] = {}  # period -> {school: {id: (numerator, denominator)}}
        # (period, scope) -> the schools summed so far and their sums
        self.sums: dict[tuple, dict] = {}
        self.latest = float("-inf")  # the latest occurred_at applied
        # Whole answers of ended periods (T fixed), forgotten at every stored batch: a fact of any school
        # or province, dated before T or counted whenever recorded, may change them.
        self.answers: dict[tuple, list] = {}

    def on_change(self, changes) -> None:
        self.latest = max(self.latest, changes.latest)
        self.answers.clear()
        if changes.everything:
            self.clear()
            return
        for period, table in self.tables.items():
            sums = [v for k, v in self.sums.items() if k[0] == period]
            for school in changes.schools:
                old = table.pop(school, None)
                if old is None:
                    continue
                for total in sums:
                    if school in total["members"]:
                        total["members"].discard(school)
                        for ident, acc in total["sums"].items():
                            acc.add(old[ident], -1)

    def clear(self) -> None:
        self.tables.clear()
        self.sums.clear()
        self.answers.clear()

    def answered(self, key: tuple, period: Period, t: float, make) -> list[dict]:
        """`make()`, kept until the next stored batch if the period has ended; a copy each time."""
        if _ongoing(period, t):
            return make()
        return [_copied(row) for row in self.kept((period.name, t, *key), make)]

    def kept(self, key: tuple, make):
        """`make()`, kept until the next stored batch."""
        if key not in self.answers:
            self._keep(key, make())
        return self.answers[key]

    def until_turn(self, key: tuple, t: float, make, turn) -> Figure:
        """`make()`, a figure that moves with now read at T, kept while T stays before `turn()` (the first
        date from T on where it may change), on the same day, and until the next stored batch."""
        kept = self.answers.get(key)
        if kept is not None and kept[0] <= t < kept[1]:
            return kept[2]
        value = make()
        self._keep(key, (t, min(turn(), _next_day(t)), value))
        return value

    def _keep(self, key: tuple, value) -> None:
        self.answers.pop(key, None)
        while len(self.answers) >= 8 * self.periods:
            del self.answers[next(iter(self.answers))]
        self.answers[key] = value

    def total(self, conn, p, period: Period, t: float, scope: Scope, codes: list, ids: tuple) -> dict:
        """{id: Sum} over the schools `codes` (the scope's S)."""
        table = self.figures(conn, p, period, t, codes, _memo_ids(period, t))
        key = (period.name, scope.name)
        total = self.sums.get(key)
        wanted = set(codes)
        if total is None or not total["members"] <= wanted:
            total = self.sums[key] = {"members": set(), "sums": {i: Sum() for i in ids}}
        for code in wanted - total["members"]:
            row = table[code]
            for ident, acc in total["sums"].items():
                acc.add(row[ident])
            total["members"].add(code)
        return total["sums"]

    def usable(self, period: Period, t: float) -> bool:
        # A going period is read at now: fine while nothing applied is dated after now.
        return t >= period.end.timestamp() or self.latest < t

    def figures(self, conn, p, period: Period, t: float, codes: list, ids: tuple) -> dict:
        """{school: {id: (numerator, denominator)}} for the schools `codes`, filling what is missing."""
        table = self.tables.pop(period.name, None) or {}
        self.tables[period.name] = table  # most recent last
        while len(self.tables) > self.periods:
            gone = next(iter(self.tables))
            del self.tables[gone]
            self.sums = {k: v for k, v in self.sums.items() if k[0] != gone}
        missing = [c for c in codes if c not in table]
        if missing:
            # Many missing: one pass over every school is cheaper than a long list.
            many = len(missing) > 2000
            q = Question(conn, p, Scope("all", "all", None), period, t, per_school=True,
                         only=None if many else missing)
            figs = {ident: REGISTRY[ident].compute(q) for ident in ids}
            for code in ([s["school_code"] for s in q.schools()] if many else missing):
                table[code] = {ident: fig.of(code) for ident, fig in figs.items()}
        return table


def _exact(n):
    return Fraction(n) if isinstance(n, float) else n


def _copied(row: dict) -> dict:
    return {k: [dict(i) for i in v] if k == "indicators" else dict(v) if isinstance(v, dict) else v
            for k, v in row.items()}


def _ongoing(period: Period, t: float) -> bool:
    return t < period.end.timestamp()


def _next_day(t: float) -> float:
    """The first instant of the day after T's, in Casablanca."""
    day = datetime.fromtimestamp(t, timezone.utc).astimezone(CASABLANCA).date() + timedelta(days=1)
    return datetime.combine(day, time(0), CASABLANCA).timestamp()


def _applies(q: Question, d) -> bool:
    return not (d.level == "province" and (q.scope.level == "school" or q.by_staff))


def _memo_ids(period: Period, t: float) -> tuple:
    return tuple(i for i in SCHOOL_LEVEL if not (_ongoing(period, t) and REGISTRY[i].moves_with_now))


def _items(q: Question, known: dict, shown: dict | None = None) -> list[dict]:
    """Every indicator in registry order: what `shown` holds already in the contract's shape, what `known`
    holds, the rest computed for `q`."""
    out = []
    shown = shown or {}
    for ident, d in REGISTRY.items():
        if not _applies(q, d):
            out.append({"id": ident, **NOT_APPLICABLE})
        elif ident in shown:
            out.append({"id": ident, **shown[ident]})
        else:
            fig = known.get(ident) or d.compute(q)
            out.append({"id": ident, **entry(d.figure, fig.num, fig.den)})
    return out


def compute(conn: Connection, p: IndicatorsProjection, scope: Scope, period: Period, t: float,
            memo: Memo | None = None) -> list[dict]:
    """Every indicator for a scope and period at T, in the contract's shape."""
    if memo is not None and memo.usable(period, t):
        return memo.answered(("indicators", scope.name), period, t, lambda: _computed(conn, p, scope, period, t, memo))
    return _computed(conn, p, scope, period, t)


def _computed(conn, p, scope, period, t, memo: Memo | None = None) -> list[dict]:
    q = Question(conn, p, scope, period, t)
    if memo is None or not memo.usable(period, t):
        return _items(q, _side_by_side(q))
    if not _ongoing(period, t):
        return _items(q, _summed(q, memo))
    # Going on, read at now: what does not move with now stays as it is until the next stored batch;
    # what moves with now, until T reaches its next turn.
    still = memo.kept(("still", period.name, scope.name), lambda: _shown(_still(q, _summed(q, memo))))
    return _items(q, _moving(q, memo, ("moving", period.name, scope.name)), still)


# Read on a second connection beside the rest: about half a fresh question's time, and no pass shared with the rest.
BESIDE = frozenset({"INF03", "INF06", "RES02", "RES06", "TRN03", "TRN04", "TRN05", "TRN07"})


def _side_by_side(q: Question) -> dict:
    """Every figure of `q`, read on two connections at once on PostgreSQL: there one server process runs a
    connection's statements one after the other, on one core, and a fresh national question waited 190 ms where
    two take 140. The second sees the very snapshot of the first, so the figures are of one state of the model.
    Nothing on SQLite (its reads share one process), nor on a connection already in a transaction (which may hold
    rows no other connection sees)."""
    conn = q.conn
    if conn.dialect.name != "postgresql" or conn.in_transaction():
        return {}
    conn.execution_options(isolation_level="REPEATABLE READ")  # one snapshot for all its statements
    snapshot = conn.exec_driver_sql("SELECT pg_export_snapshot()").scalar_one()
    beside, failed = {}, []

    def read_beside():
        try:
            with conn.engine.connect().execution_options(isolation_level="REPEATABLE READ") as other:
                other.exec_driver_sql(f"SET TRANSACTION SNAPSHOT '{snapshot}'")
                twin = Question(other, q.p, q.scope, q.period, q.t)
                beside.update({i: REGISTRY[i].compute(twin) for i in BESIDE if _applies(twin, REGISTRY[i])})
        except Exception as exc:  # said where the question was asked
            failed.append(exc)
    worker = threading.Thread(target=read_beside, name="indicators-beside")
    worker.start()
    try:
        here = {i: d.compute(q) for i, d in REGISTRY.items() if i not in BESIDE and _applies(q, d)}
    finally:
        worker.join()
    if failed:
        raise failed[0]
    return {**here, **beside}


def _summed(q: Question, memo: Memo) -> dict:
    """The memo's figures of the scope: a school's own, or the sums of the additive ones over S."""
    conn, p, period, t, scope = q.conn, q.p, q.period, q.t, q.scope
    ids = _memo_ids(period, t)
    codes = q.codes()
    if scope.level == "school":
        table = memo.figures(conn, p, period, t, codes, ids)
        return {ident: Figure(*(table[codes[0]][ident] if codes else (0, 0))) for ident in ids}
    sums = memo.total(conn, p, period, t, scope, codes, tuple(i for i in ADDITIVE if i in ids))
    return {ident: acc.figure() for ident, acc in sums.items()}


def _still(q: Question, known: dict) -> dict:
    """`known` and every other figure of `q` that does not move with now."""
    return {**known, **{ident: d.compute(q) for ident, d in REGISTRY.items()
                        if ident not in known and not d.moves_with_now and _applies(q, d)}}


def _shown(figures: dict) -> dict:
    """Each figure in the contract's shape."""
    return {ident: entry(REGISTRY[ident].figure, fig.num, fig.den) for ident, fig in figures.items()}


def _moving(q: Question, memo: Memo, key: tuple, groups: dict | None = None) -> dict:
    """The figures of `q` that move with now, exact at T (group by group: {group: {id: Figure}} for the
    Questions `groups`)."""
    def make():
        if groups is None:
            return _figures(q, MOVING)
        return {group: _figures(g, MOVING) for group, g in groups.items()}
    return memo.until_turn(key, q.t, make, lambda: min(TURNS[ident](q) for ident in MOVING))


def _figures(q: Question, ids) -> dict:
    return {ident: REGISTRY[ident].compute(q) for ident in ids if _applies(q, REGISTRY[ident])}


def per_school(conn: Connection, p: IndicatorsProjection, scope: Scope, period: Period, t: float,
               memo: Memo | None = None) -> list[dict]:
    """Each school of S with its school-level indicators: what one gets at scope school:<code>."""
    q = Question(conn, p, scope, period, t, per_school=True)
    schools = q.schools()
    codes = [s["school_code"] for s in schools]
    table, ids = {}, ()
    if memo is not None and memo.usable(period, t):
        ids = _memo_ids(period, t)
        table = memo.figures(conn, p, period, t, codes, ids)
    figures = {ident: REGISTRY[ident].compute(q) for ident in SCHOOL_LEVEL if ident not in ids}
    rows = []
    for school in schools:
        code = school["school_code"]
        values = []
        for ident in SCHOOL_LEVEL:
            num, den = table[code][ident] if ident in ids else figures[ident].of(code)
            values.append({"id": ident, **entry(REGISTRY[ident].figure, num, den)})
        rows.append({**school, "indicators": values})
    return rows


GROUPINGS = ("school", "commune", "cycle", "setting", "province", "region")
# Groups each a territory's own scope: a row is what that province or region answers.
TERRITORIES = ("province", "region")


def breakdown(conn: Connection, p: IndicatorsProjection, scope: Scope, period: Period, t: float, by: str,
              memo: Memo | None = None) -> list[dict]:
    """One row per group of S's schools (`by`), every indicator with its numerator and denominator.

    A province's row is what `indicators(province:<code>)` answers, a region's what `indicators(region:<code>)`
    answers (by region: at scope all only, a region's provinces being those of its schools). A commune, a
    cycle or a setting is a set of schools: its members of staff count by their school, and the indicators
    not tied to a school do not apply to it. The additive indicators of the rows sum to the scope's.
    """
    if by == "school":
        return per_school(conn, p, scope, period, t, memo)
    if memo is not None and memo.usable(period, t):
        return memo.answered(("by", by, scope.name), period, t, lambda: _grouped(conn, p, scope, period, t, by, memo))
    return _grouped(conn, p, scope, period, t, by)


def _grouped(conn, p, scope, period, t, by, memo: Memo | None = None) -> list[dict]:
    if memo is None or not memo.usable(period, t) or not _ongoing(period, t):
        return _grouped_at(conn, p, scope, period, t, by, memo)
    # Going on, read at now: each group's figures that do not move with now stay as they are until the
    # next stored batch; those that move with now are exact at T.
    rows = memo.kept(("still", "by", by, period.name, scope.name),
                     lambda: _grouped_at(conn, p, scope, period, t, by, memo, still=True))
    fields = _fields(by)
    key = ("moving", "by", by, period.name, scope.name)
    whole = Question(conn, p, scope, period, t)
    if by in TERRITORIES:  # every province (region) in one grouped pass
        moving = _moving(Question(conn, p, scope, period, t, by_territory=by), memo, key)
    else:
        questions = {_group(row, fields): Question(conn, p, scope, period, t, only=row["codes"], by_staff=True)
                     for row in rows}
        moving = _moving(whole, memo, key, questions)
    out = []
    for row in rows:
        if by in TERRITORIES:
            q, known = whole, {ident: Figure(*fig.of(row[fields[0]])) for ident, fig in moving.items()}
        else:
            q, known = questions[_group(row, fields)], moving[_group(row, fields)]
        out.append({**{f: row[f] for f in fields}, "schools": row["schools"],
                    "indicators": _items(q, known, row["shown"])})
    return out


def _fields(by: str) -> tuple:
    """What names a group in a row. A commune is one of a province: names repeat from one province to another."""
    return {"province": ("province_code",), "region": ("region_code",),
            "commune": ("commune", "province_code")}.get(by, (by,))


def _group(row: dict, fields: tuple) -> tuple:
    return tuple(row[f] for f in fields)


def _grouped_at(conn, p, scope, period, t, by, memo: Memo | None = None, still: bool = False) -> list[dict]:
    s = p.schools
    fields = _fields(by)
    # Only each school's group: the names and the rest of a school's details are not needed here.
    members = conn.execute(select(s.c.school_code, *(s.c[f] for f in fields))
                           .where(*Question(conn, p, scope, period, t).school_filter)
                           .order_by(s.c.school_code)).all()
    groups: dict[tuple, list] = {}
    for code, *value in members:
        groups.setdefault(tuple(value), []).append(code)
    table, ids = {}, ()
    if memo is not None and memo.usable(period, t):
        ids = tuple(i for i in _memo_ids(period, t) if REGISTRY[i].additive)
        table = memo.figures(conn, p, period, t, [code for code, *_ in members], _memo_ids(period, t))
    if by in TERRITORIES:
        groups = {value[0]: codes for value, codes in groups.items()}
        return _by_territory(conn, p, scope, period, t, by, groups, memo if ids else None, ids, still)
    rows = []
    # A commune's rows in the order of their names, each province's apart.
    for value, codes in sorted(groups.items()):
        named = dict(zip(fields, value))
        known = {}
        for ident in ids:
            acc = Sum()
            for code in codes:
                acc.add(table[code][ident])
            known[ident] = acc.figure()
        q = Question(conn, p, scope, period, t, only=codes, by_staff=True)
        if still:  # the group's figures that do not move with now, for `_grouped`
            rows.append({**named, "schools": len(codes), "codes": codes, "shown": _shown(_still(q, known))})
        else:
            rows.append({**named, "schools": len(codes), "indicators": _items(q, known)})
    return rows


def _by_territory(conn, p, scope, period, t, level, groups, memo, ids, still=False) -> list[dict]:
    """Every province (or region: `level`) of the scope in one grouped pass per indicator (the memo's sums for
    the additive, the same it keeps for `indicators(<level>:<code>)`)."""
    q = Question(conn, p, scope, period, t, by_territory=level)
    field = f"{level}_code"
    figures = {ident: d.compute(q) for ident, d in REGISTRY.items()
               if ident not in ids and not (still and d.moves_with_now)}
    rows = []
    for code, codes in sorted(groups.items()):
        sums = memo.total(conn, p, period, t, Scope(f"{level}:{code}", level, code), codes, ids) if ids else {}
        if still:  # the territory's figures that do not move with now, for `_grouped`
            known = {ident: Figure(*fig.of(code)) for ident, fig in figures.items()}
            known.update({ident: sums[ident].figure() for ident in ids})
            rows.append({field: code, "schools": len(codes), "shown": _shown(known)})
            continue
        items = []
        for ident, d in REGISTRY.items():
            if ident in ids:
                fig = sums[ident].figure()
                num, den = fig.num, fig.den
            else:
                num, den = figures[ident].of(code)
            items.append({"id": ident, **entry(d.figure, num, den)})
        rows.append({field: code, "schools": len(codes), "indicators": items})
    return rows


def school_years(conn: Connection, p: IndicatorsProjection, now: datetime | None = None,
                 memo: Memo | None = None) -> list[str]:
    """The school years from the first fact in the model to the current one, latest first."""
    first = memo.kept(("first fact",), lambda: _first_fact(conn, p)) if memo is not None else _first_fact(conn, p)
    today = (now or datetime.now(timezone.utc)).astimezone(CASABLANCA).date()
    last = today.year if today.month >= 9 else today.year - 1
    if first is None:
        return [f"{last}-{last + 1}"]
    day = datetime.fromtimestamp(first, timezone.utc).astimezone(CASABLANCA).date()
    start = max(FIRST_YEAR, min(last, day.year if day.month >= 9 else day.year - 1))
    return [f"{y}-{y + 1}" for y in range(last, start - 1, -1)]


def _first_fact(conn: Connection, p: IndicatorsProjection):
    first = None
    for table in p.metadata.sorted_tables:
        if "at" in table.c:
            value = conn.execute(select(func.min(table.c.at))).scalar()
            if value is not None and (first is None or value < first):
                first = value
    return first


def school_directory(conn: Connection, p: IndicatorsProjection) -> list[dict]:
    """Every school with its registered details (code, names, cycle, setting, commune, province, region)."""
    s = p.schools
    columns = [s.c.school_code] + [s.c[name] for name in DETAILS]
    return [dict(r) for r in conn.execute(select(*columns).order_by(s.c.school_code)).mappings()]


def known_scope(conn: Connection, p: IndicatorsProjection, scope: Scope, own_province: str | None = None) -> bool:
    """A scope names something: a school, province or region some school was registered with."""
    if scope.level == "all" or (scope.level == "province" and scope.code == own_province):
        return True
    s = p.schools
    column = {"region": s.c.region_code, "province": s.c.province_code, "school": s.c.school_code}[scope.level]
    return conn.execute(select(s.c.school_code).where(column == scope.code).limit(1)).first() is not None


def answer(conn: Connection, p: IndicatorsProjection, scope: Scope, period: Period, positions: dict,
           now=None, memo: Memo | None = None, as_of=None) -> dict:
    """The contract's answer to `indicators(scope, period, as_of)`."""
    now = now or datetime.now(timezone.utc)
    t = period.cut(as_of, now)
    if t != period.as_of(now):  # read before the period's own T: not what the memo keeps
        memo = None
    return {"scope": scope.name, "period": period.name, "as_of": t.isoformat(), "positions": dict(positions),
            "indicators": compute(conn, p, scope, period, t.timestamp(), memo)}
