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
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from sqlalchemy import and_, case, distinct, func, or_, select, true, union_all
from sqlalchemy.engine import Connection

from .periods import Period, Scope
from .projections import IndicatorsProjection

DAY = 86400
PROVINCE_LEVEL = frozenset({"RES01", "RES04", "RES05", "TRN01", "TRN02"})
COMPUTERS = ("desktop", "laptop")
BUNDLES = ("smm", "vmm")


@dataclass
class Figure:
    kind: str  # count, rate, ratio, mean_days
    num: Any  # a number, or {school_code: number} school by school
    den: Any = None


class Question:
    """One scope, one period, one T: the filters every indicator shares."""

    def __init__(self, conn: Connection, p: IndicatorsProjection, scope: Scope, period: Period, t: float,
                 per_school: bool = False, only=None):
        self.conn, self.p, self.scope, self.period, self.t = conn, p, scope, period, t
        self.start = period.start.timestamp()
        self.year_start = period.year_start.timestamp()
        self.per_school = per_school
        # Staff count by their school at school scope (and school by school).
        self.by_staff = per_school or scope.level == "school"
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

    # ---- filters

    def in_s(self, column):
        """The row's school is one of S."""
        if self.scope.level == "all" and not self.per_school and len(self.school_filter) == 1:
            # Checked row by row: lets the planner start from the row's own index (open faults at T...).
            s = self.p.schools
            return select(s.c.school_code).where(s.c.school_code == column, *self.school_filter).exists()
        return column.in_(self.S)

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

    def school_count(self):
        if self.per_school:
            return {s["school_code"]: 1 for s in self.schools()}
        s = self.p.schools
        return self.conn.execute(select(func.count()).select_from(s).where(*self.school_filter)).scalar_one()

    def tally(self, school, exprs, *where, from_=None) -> list:
        """Each aggregate over the rows of schools of S: a number, or school by school a dict."""
        stmt = select(school, *exprs) if self.per_school else select(*exprs)
        if from_ is not None:
            stmt = stmt.select_from(from_)
        stmt = stmt.where(self.in_s(school), *where)
        if self.per_school:
            out = [{} for _ in exprs]
            for row in self.conn.execute(stmt.group_by(school)):
                for i, v in enumerate(row[1:]):
                    out[i][row[0]] = v or 0
            return out
        return [v or 0 for v in self.conn.execute(stmt).one()]

    def one(self, stmt) -> list:
        return [v or 0 for v in self.conn.execute(stmt).one()]


def _open(q: Question, f):
    """A fault declared before T and not closed before T."""
    return and_(f.c.declared_at < q.t, f.c.closed_at >= q.t)


def _count_if(condition):
    return func.sum(case((condition, 1), else_=0))


# ---------------------------------------------------------------------- infrastructure

def inf01_equipment_in_service(q: Question) -> Figure:
    """Assets at a school of S and not decommissioned, at T."""
    pl = q.p.placements
    n, = q.tally(pl.c.school_code, [func.count()], q.live(pl))
    return Figure("count", n)


def inf02_learners_per_computer(q: Question) -> Figure:
    """Pupils of S (census of the period's school year at T) / in-service desktops and laptops at S."""
    c, pl = q.p.censuses, q.p.placements
    pupils, = q.tally(c.c.school_code, [func.sum(c.c.pupils)], q.live(c),
                      c.c.school_year == q.period.school_year)
    computers, = q.tally(pl.c.school_code, [func.count()], q.live(pl), pl.c.kind.in_(COMPUTERS))
    return Figure("ratio", pupils, computers)


def inf03_schools_with_multimedia(q: Question) -> Figure:
    """% of S with at least one in-service asset of bundle smm or vmm."""
    pl = q.p.placements
    equipped, = q.tally(pl.c.school_code, [func.count(distinct(pl.c.school_code))], q.live(pl),
                        pl.c.bundle.in_(BUNDLES))
    return Figure("rate", equipped, q.school_count())


def inf04_schools_connected(q: Question) -> Figure:
    """% of S whose latest connectivity record at T is connected."""
    cn = q.p.connectivity
    connected, = q.tally(cn.c.school_code, [func.count()], q.live(cn), cn.c.status == "connected")
    return Figure("rate", connected, q.school_count())


def inf05_connected_schools_filtered(q: Question) -> Figure:
    """% of connected schools of S (at T) whose latest filtering record at T is active."""
    cn, fl = q.p.connectivity, q.p.filtering
    joined = cn.outerjoin(fl, and_(fl.c.school_code == cn.c.school_code, q.live(fl)))
    filtered, connected = q.tally(cn.c.school_code, [_count_if(fl.c.active.is_(True)), func.count()],
                                  q.live(cn), cn.c.status == "connected", from_=joined)
    return Figure("rate", filtered, connected)


def inf06_equipment_use_rate(q: Question) -> Figure:
    """Over each asset's latest observation inside the period at S: in_use / (in_use + unused)."""
    o = q.p.observations
    in_use, observed = q.tally(o.c.school_code, [_count_if(o.c.status == "in_use"),
                                                 _count_if(o.c.status.in_(("in_use", "unused")))],
                               q.live(o), o.c.at >= q.start)
    return Figure("rate", in_use, observed)


def inf07_unused_equipment(q: Question) -> Figure:
    """In-service assets at S whose latest observation at T is unused."""
    pl, o = q.p.placements, q.p.observations
    n, = q.tally(pl.c.school_code, [func.count()], q.live(pl), q.live(o), o.c.status == "unused",
                 from_=pl.join(o, o.c.asset_id == pl.c.asset_id))
    return Figure("count", n)


def inf08_audit_conformity(q: Question) -> Figure:
    """Over the latest audit of each school of S inside the period: present / all findings."""
    au = q.p.audits
    present, findings = q.tally(au.c.school_code, [func.sum(au.c.present), func.sum(au.c.findings)],
                                q.live(au), au.c.at >= q.start)
    return Figure("rate", present, findings)


def inf09_transfers_completed(q: Question) -> Figure:
    """Transfers completed inside the period from or to a school of S."""
    tr = q.p.transfers
    done = q.during(tr.c.completed_at)
    if q.per_school:
        ends = union_all(
            select(tr.c.transfer_id, tr.c.from_school.label("school_code")).where(done),
            select(tr.c.transfer_id, tr.c.to_school.label("school_code")).where(done)).subquery()
        n, = q.tally(ends.c.school_code, [func.count(distinct(ends.c.transfer_id))])
    else:
        n, = q.one(select(func.count()).where(done, or_(tr.c.from_school.in_(q.S), tr.c.to_school.in_(q.S))))
    return Figure("count", n)


# ---------------------------------------------------------------------- maintenance

def _closed_inside(q: Question, f):
    """Faults of S closed inside the period as repaired or replaced."""
    return and_(q.during(f.c.closed_at), f.c.resolution.in_(("repaired", "replaced")), f.c.declared_at.isnot(None))


def mnt01_open_faults(q: Question) -> Figure:
    """Faults at S declared and not closed at T."""
    f = q.p.faults
    n, = q.tally(f.c.school_code, [func.count()], _open(q, f))
    return Figure("count", n)


def mnt02_mean_days_to_close(q: Question) -> Figure:
    """Mean days from declaration to closing (repaired or replaced) of faults closed inside the period."""
    f = q.p.faults
    seconds, faults = q.tally(f.c.school_code, [func.sum(f.c.closed_at - f.c.declared_at), func.count()],
                              _closed_inside(q, f))
    return Figure("mean_days", seconds, faults)


def mnt03_closed_under_warranty(q: Question) -> Figure:
    """% of the faults of MNT02 declared under warranty."""
    f = q.p.faults
    warranty, faults = q.tally(f.c.school_code, [_count_if(f.c.under_warranty.is_(True)), func.count()],
                               _closed_inside(q, f))
    return Figure("rate", warranty, faults)


def mnt04_faults_open_over_15_days(q: Question) -> Figure:
    """Open faults at S at T declared more than 15 days before T."""
    f = q.p.faults
    n, = q.tally(f.c.school_code, [func.count()], _open(q, f), f.c.declared_at < q.t - 15 * DAY)
    return Figure("count", n)


def mnt05_equipment_with_open_fault(q: Question) -> Figure:
    """% of in-service assets at S (INF01) with an open fault at T."""
    pl, f = q.p.placements, q.p.faults
    faulty = select(f.c.fault_id).where(f.c.asset_id == pl.c.asset_id, _open(q, f)).exists()
    with_fault, assets = q.tally(pl.c.school_code, [_count_if(faulty), func.count()], q.live(pl))
    return Figure("rate", with_fault, assets)


# ---------------------------------------------------------------------- resources

def res01_resources_received(q: Question) -> Figure:
    """Resources received inside the period (province scope and above)."""
    r = q.p.resources_received
    n, = q.one(select(func.count(distinct(r.c.resource_id)))
               .where(q.during(r.c.at), q.in_provinces(r.c.province_code)))
    return Figure("count", n)


def res02_resources_distributed(q: Question) -> Figure:
    """Distinct (resource, school) pairs distributed inside the period to schools of S."""
    d = q.p.distributions
    if q.per_school:
        n, = q.tally(d.c.school_code, [func.count(distinct(d.c.resource_id))], q.during(d.c.at))
    else:
        pairs = (select(d.c.resource_id, d.c.school_code).distinct()
                 .where(d.c.school_code.in_(q.S), q.during(d.c.at)).subquery())
        n, = q.one(select(func.count()).select_from(pairs))
    return Figure("count", n)


def res03_schools_reached(q: Question) -> Figure:
    """% of S that received at least one resource by T."""
    fr = q.p.first_resources
    reached, = q.tally(fr.c.school_code, [func.count()], fr.c.first_at < q.t)
    return Figure("rate", reached, q.school_count())


def res04_resources_approved(q: Question) -> Figure:
    """Resources approved by a validation committee inside the period (province scope and above)."""
    d = q.p.decisions
    n, = q.one(select(func.count(distinct(d.c.resource_id)))
               .where(q.during(d.c.at), d.c.decision == "approved", q.in_provinces(d.c.province_code)))
    return Figure("count", n)


def res05_approval_rate(q: Question) -> Figure:
    """% approved over all committee decisions inside the period (province scope and above)."""
    d = q.p.decisions
    approved, decisions = q.one(select(_count_if(d.c.decision == "approved"), func.count())
                                .where(q.during(d.c.at), q.in_provinces(d.c.province_code)))
    return Figure("rate", approved, decisions)


def res06_resource_uses(q: Question) -> Figure:
    """Uses recorded at S for usage periods that end inside the period."""
    u = q.p.usages
    n, = q.tally(u.c.school_code, [func.sum(u.c.uses)], q.during(u.c.period_end_at))
    return Figure("count", n)


def res07_awareness_workshops(q: Question) -> Figure:
    """Awareness workshops inside the period that include a school of S."""
    w = q.p.workshop_schools
    n, = q.tally(w.c.school_code, [func.count(distinct(w.c.workshop_id))], q.during(w.c.at))
    return Figure("count", n)


def res08_open_dysfunctions(q: Question) -> Figure:
    """Dysfunctions at S reported and not resolved at T."""
    d = q.p.dysfunctions
    n, = q.tally(d.c.school_code, [func.count()], d.c.reported_at < q.t, d.c.resolved_at >= q.t)
    return Figure("count", n)


# ---------------------------------------------------------------------- training

def trn01_trainings_planned(q: Question) -> Figure:
    """Trainings planned by T for the period's school year (province scope and above)."""
    tr = q.p.trainings
    n, = q.one(select(func.count(distinct(tr.c.training_id)))
               .where(tr.c.at < q.t, tr.c.school_year == q.period.school_year,
                      q.in_provinces(tr.c.province_code)))
    return Figure("count", n)


def trn02_sessions_completed(q: Question) -> Figure:
    """% of sessions starting inside the period that are completed at T (province scope and above)."""
    sc, c = q.p.schedules, q.p.completions
    done = select(c.c.session_id).where(c.c.session_id == sc.c.session_id, c.c.completed_at < q.t).exists()
    completed, sessions = q.one(select(_count_if(done), func.count())
                                .where(q.live(sc), q.during(sc.c.starts_at), q.in_provinces(sc.c.province_code)))
    return Figure("rate", completed, sessions)


def _staff_at(q: Question, joined, staff_id):
    st = q.p.invitations
    return st, joined.join(st, and_(st.c.staff_id == staff_id, q.live(st)))


def trn03_staff_trained(q: Question) -> Figure:
    """Distinct staff present at least once at a session completed inside the period."""
    pr, c = q.p.presences, q.p.completions
    joined = pr.join(c, c.c.session_id == pr.c.session_id)
    where = (q.during(c.c.completed_at),)
    if q.by_staff:
        st, joined = _staff_at(q, joined, pr.c.staff_id)
        n, = q.tally(st.c.school_code, [func.count(distinct(pr.c.staff_id))], *where, from_=joined)
    else:
        n, = q.one(select(func.count(distinct(pr.c.staff_id))).select_from(joined)
                   .where(*where, q.in_provinces(pr.c.province_code)))
    return Figure("count", n)


def trn04_teachers_trained(q: Question) -> Figure:
    """% of teachers of S (census) present at a session of the school year completed by T."""
    pr, c, cs = q.p.presences, q.p.completions, q.p.censuses
    st, joined = _staff_at(q, pr.join(c, c.c.session_id == pr.c.session_id), pr.c.staff_id)
    trained, = q.tally(st.c.school_code, [func.count(distinct(st.c.staff_id))],
                       c.c.completed_at >= q.year_start, c.c.completed_at < q.t, st.c.role == "teacher", from_=joined)
    teachers, = q.tally(cs.c.school_code, [func.sum(cs.c.teachers)], q.live(cs),
                        cs.c.school_year == q.period.school_year)
    return Figure("rate", trained, teachers)


def trn05_attendance_rate(q: Question) -> Figure:
    """present / all attendance records of sessions starting inside the period."""
    a, sc = q.p.attendance, q.p.schedules
    joined = a.join(sc, and_(sc.c.session_id == a.c.session_id, q.live(sc)))
    where = (q.during(sc.c.starts_at),)
    exprs = [_count_if(a.c.status == "present"), func.count()]
    if q.by_staff:
        st, joined = _staff_at(q, joined, a.c.staff_id)
        present, records = q.tally(st.c.school_code, exprs, *where, from_=joined)
    else:
        present, records = q.one(select(*exprs).select_from(joined)
                                 .where(*where, q.in_provinces(a.c.province_code)))
    return Figure("rate", present, records)


def trn06_staff_certified(q: Question) -> Figure:
    """Distinct staff certified inside the period."""
    ce = q.p.certifications
    if q.by_staff:
        st, joined = _staff_at(q, ce, ce.c.staff_id)
        n, = q.tally(st.c.school_code, [func.count(distinct(ce.c.staff_id))], q.during(ce.c.at), from_=joined)
    else:
        n, = q.one(select(func.count(distinct(ce.c.staff_id)))
                   .where(q.during(ce.c.at), q.in_provinces(ce.c.province_code)))
    return Figure("count", n)


def trn07_training_hours(q: Question) -> Figure:
    """Sum over sessions completed inside the period of hours × distinct staff present."""
    pr, c, sc = q.p.presences, q.p.completions, q.p.schedules
    joined = (pr.join(c, c.c.session_id == pr.c.session_id)
              .join(sc, and_(sc.c.session_id == pr.c.session_id, q.live(sc))))
    where = (q.during(c.c.completed_at),)
    if q.by_staff:
        st, joined = _staff_at(q, joined, pr.c.staff_id)
        hours, = q.tally(st.c.school_code, [func.sum(sc.c.hours)], *where, from_=joined)
    else:
        hours, = q.one(select(func.sum(sc.c.hours)).select_from(joined)
                       .where(*where, q.in_provinces(pr.c.province_code)))
    return Figure("count", hours)


INDICATORS = {
    "INF01": inf01_equipment_in_service,
    "INF02": inf02_learners_per_computer,
    "INF03": inf03_schools_with_multimedia,
    "INF04": inf04_schools_connected,
    "INF05": inf05_connected_schools_filtered,
    "INF06": inf06_equipment_use_rate,
    "INF07": inf07_unused_equipment,
    "INF08": inf08_audit_conformity,
    "INF09": inf09_transfers_completed,
    "MNT01": mnt01_open_faults,
    "MNT02": mnt02_mean_days_to_close,
    "MNT03": mnt03_closed_under_warranty,
    "MNT04": mnt04_faults_open_over_15_days,
    "MNT05": mnt05_equipment_with_open_fault,
    "RES01": res01_resources_received,
    "RES02": res02_resources_distributed,
    "RES03": res03_schools_reached,
    "RES04": res04_resources_approved,
    "RES05": res05_approval_rate,
    "RES06": res06_resource_uses,
    "RES07": res07_awareness_workshops,
    "RES08": res08_open_dysfunctions,
    "TRN01": trn01_trainings_planned,
    "TRN02": trn02_sessions_completed,
    "TRN03": trn03_staff_trained,
    "TRN04": trn04_teachers_trained,
    "TRN05": trn05_attendance_rate,
    "TRN06": trn06_staff_certified,
    "TRN07": trn07_training_hours,
}
SCHOOL_LEVEL = tuple(i for i in INDICATORS if i not in PROVINCE_LEVEL)


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


def entry(kind: str, num, den) -> dict:
    if kind == "count":
        n = _plain(num or 0)
        return {"value": n, "numerator": n, "denominator": None}
    num, den = num or 0, den or 0
    if kind == "mean_days":
        numerator = _plain(round(float(Fraction(num) / DAY), 4))
        value = None if den == 0 else round1(Fraction(num) / DAY / den)
        return {"value": value, "numerator": numerator, "denominator": int(den)}
    if den == 0:
        value = None
    elif kind == "rate":
        value = round1(Fraction(num) * 100 / Fraction(den))
    else:  # ratio
        value = round1(Fraction(num) / Fraction(den))
    return {"value": value, "numerator": _plain(num), "denominator": _plain(den)}


NOT_APPLICABLE = {"value": None, "numerator": None, "denominator": None, "reason": "not_applicable"}
KIND = {"INF01": "count", "INF02": "ratio", "INF03": "rate", "INF04": "rate", "INF05": "rate", "INF06": "rate",
        "INF07": "count", "INF08": "rate", "INF09": "count", "MNT01": "count", "MNT02": "mean_days",
        "MNT03": "rate", "MNT04": "count", "MNT05": "rate", "RES01": "count", "RES02": "count", "RES03": "rate",
        "RES04": "count", "RES05": "rate", "RES06": "count", "RES07": "count", "RES08": "count",
        "TRN01": "count", "TRN02": "rate", "TRN03": "count", "TRN04": "rate", "TRN05": "rate", "TRN06": "count",
        "TRN07": "count"}
# What a scope's figure is the sum of its schools' figures for. INF09 and RES07 count a transfer or a
# workshop once however many schools of S it names; TRN03, TRN05-07 count staff by province above a school.
ADDITIVE = tuple(i for i in SCHOOL_LEVEL if i not in ("INF09", "RES07", "TRN03", "TRN05", "TRN06", "TRN07"))
# What moves with T itself while no event arrives: read afresh while a period is going on.
MOVES_WITH_NOW = frozenset({"MNT04", "RES06", "TRN05"})


class Memo:
    """Each school's figures per period, kept until an event may change them.

    Filled school by school on demand; a stored batch forgets the schools it may have changed
    (`Changes`, a superset). Only the process that applies events may use one.
    """

    def __init__(self, periods: int = 12):
        self.periods = periods
        self.tables: dict[str, dict] = {}  # period -> {school: {id: (numerator, denominator)}}
        # (period, scope) -> the schools summed so far and their sums, exact (a float as a Fraction)
        self.sums: dict[tuple, dict] = {}
        self.latest = float("-inf")  # the latest occurred_at applied

    def on_change(self, changes) -> None:
        self.latest = max(self.latest, changes.latest)
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
                            acc[0] -= _exact(old[ident][0])
                            acc[1] -= _exact(old[ident][1] or 0)

    def clear(self) -> None:
        self.tables.clear()
        self.sums.clear()

    def total(self, conn, p, period: Period, t: float, scope: Scope, codes: list, ids: tuple) -> dict:
        """{id: [numerator, denominator]} summed over the schools `codes` (the scope's S)."""
        table = self.figures(conn, p, period, t, codes, _memo_ids(period, t))
        key = (period.name, scope.name)
        total = self.sums.get(key)
        wanted = set(codes)
        if total is None or not total["members"] <= wanted:
            total = self.sums[key] = {"members": set(), "sums": {i: [0, 0] for i in ids}}
        for code in wanted - total["members"]:
            row = table[code]
            for ident, acc in total["sums"].items():
                acc[0] += _exact(row[ident][0])
                acc[1] += _exact(row[ident][1] or 0)
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
            figs = {ident: INDICATORS[ident](q) for ident in ids}
            for code in ([s["school_code"] for s in q.schools()] if many else missing):
                table[code] = {ident: (fig.num.get(code, 0),
                                       fig.den.get(code, 0) if isinstance(fig.den, dict) else None)
                               for ident, fig in figs.items()}
        return table


def _exact(n):
    return Fraction(n) if isinstance(n, float) else n


def _ongoing(period: Period, t: float) -> bool:
    return t < period.end.timestamp()


def _memo_ids(period: Period, t: float) -> tuple:
    return tuple(i for i in SCHOOL_LEVEL if not (_ongoing(period, t) and i in MOVES_WITH_NOW))


def compute(conn: Connection, p: IndicatorsProjection, scope: Scope, period: Period, t: float,
            memo: Memo | None = None) -> list[dict]:
    """The 29 indicators for a scope and period at T, in the contract's shape."""
    q = Question(conn, p, scope, period, t)
    summed = {}
    if memo is not None and memo.usable(period, t):
        ids = _memo_ids(period, t)
        codes = q.codes()
        if scope.level == "school":
            table = memo.figures(conn, p, period, t, codes, ids)
            for ident in ids:
                num, den = table[codes[0]][ident] if codes else (0, 0)
                summed[ident] = Figure(KIND[ident], num, None if KIND[ident] == "count" else den)
        else:
            sums = memo.total(conn, p, period, t, scope, codes, tuple(i for i in ADDITIVE if i in ids))
            for ident, (num, den) in sums.items():
                summed[ident] = Figure(KIND[ident], num, None if KIND[ident] == "count" else den)
    out = []
    for ident, f in INDICATORS.items():
        if ident in PROVINCE_LEVEL and scope.level == "school":
            out.append({"id": ident, **NOT_APPLICABLE})
        else:
            fig = summed.get(ident) or f(q)
            out.append({"id": ident, **entry(fig.kind, fig.num, fig.den)})
    return out


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
    figures = {ident: INDICATORS[ident](q) for ident in SCHOOL_LEVEL if ident not in ids}
    rows = []
    for school in schools:
        code = school["school_code"]
        values = []
        for ident in SCHOOL_LEVEL:
            if ident in ids:
                num, den = table[code][ident]
            else:
                fig = figures[ident]
                num = fig.num.get(code, 0)
                den = fig.den.get(code, 0) if isinstance(fig.den, dict) else None
            values.append({"id": ident, **entry(KIND[ident], num, den)})
        rows.append({**school, "indicators": values})
    return rows


def answer(conn: Connection, p: IndicatorsProjection, scope: Scope, period: Period, positions: dict,
           now=None, memo: Memo | None = None) -> dict:
    """The contract's answer to `indicators(scope, period)`."""
    t = period.as_of(now)
    return {"scope": scope.name, "period": period.name, "as_of": t.isoformat(), "positions": dict(positions),
            "indicators": compute(conn, p, scope, period, t.timestamp(), memo)}
