"""Reporting: projects every source's events into indicator read models and answers for any scope and period."""
from __future__ import annotations

import base64
from datetime import datetime, timezone

from nameko.rpc import rpc
from nameko.timer import timer

from shared.commands import context
from shared.config import READING_TIERS, province_code, tier
from shared.errors import CommandRejected, InvalidCommand
from shared.projector import feed_key
from shared.service import Federation, ProjectorDependency, following

from . import activity
from . import indicators as ind
from . import replay
from .periods import parse_day, parse_period, parse_scope
from .projections import IndicatorsProjection
from .exports import render
from .reports import ReportLog, digest, instant

FORMATS = ("xlsx", "csv")
MIMETYPES = {"csv": "text/csv", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


class ReportingProjector(ProjectorDependency):
    """The core's projector, reading the logs in the largest pages they give, plus the log of issued reports."""

    def setup(self):
        super().setup()
        self.projector.page_size = replay.PAGE
        self.projector.reports = ReportLog(self.projector.engine)  # its table is migrated (kept_tables)
        # Each school's figures, kept between questions until an applied event may change them.
        self.projector.memo = ind.Memo()
        with self.projector.engine.connect() as conn:
            self.projector.memo.latest = self.projector.projection.latest_at(conn)
        self.projector.projection.listeners.append(self.projector.memo.on_change)


class ReportingService:
    name = "reporting"
    kept_tables = ReportLog(None).metadata  # migrated, not rebuilt from the logs
    projector = ReportingProjector(IndicatorsProjection)
    federation = Federation()

    on_inventory_event = following("reporting", "inventory", "projector")
    on_maintenance_event = following("reporting", "maintenance", "projector")
    on_resources_event = following("reporting", "resources", "projector")
    on_training_event = following("reporting", "training", "projector")

    @timer(interval=10, eager=True)
    def catch_up(self):
        """The bus is the fast path; this reads what it missed from the sources' logs."""
        self.federation.ensure()
        self.projector.catch_up()
        self._warm()

    def _warm(self):
        """Fill the memo for the current school year, so the first national question is not the slow one."""
        projector = self.projector
        now = datetime.now(timezone.utc)
        year = now.year if now.month >= 9 else now.year - 1
        period = parse_period(f"{year}-{year + 1}")
        t = period.as_of(now).timestamp()
        if period.name in projector.memo.tables or not projector.memo.usable(period, t):
            return
        with projector.lock, projector.engine.connect() as conn:
            ind.compute(conn, projector.projection, parse_scope("all"), period, t, projector.memo)

    # ---- answers

    def _question(self, conn, scope, period, as_of=None):
        """The parsed scope and period, T, and the memo if it holds figures at that T; a 404 for a scope
        that names nothing."""
        scope_, period_ = parse_scope(scope), parse_period(period)
        now = datetime.now(timezone.utc)
        t = period_.cut(parse_day(as_of), now)
        own = province_code() if tier() not in READING_TIERS else None
        if not ind.known_scope(conn, self.projector.projection, scope_, own):
            raise CommandRejected("unknown_scope", f"No school, province or region is known as {scope_.name}.")
        # The memo keeps figures at each period's own T only.
        memo = self.projector.memo if t == period_.as_of(now) else None
        return scope_, period_, t, memo

    @rpc
    def indicators(self, scope, period, as_of=None):
        projector = self.projector
        with projector.lock, projector.engine.connect() as conn:
            scope_, period_, t, memo = self._question(conn, scope, period, as_of)
            conn.rollback()  # the check only read: the figures are then read in one snapshot of their own
            return {"scope": scope_.name, "period": period_.name, "as_of": t.isoformat(),
                    "positions": dict(projector.positions),
                    "indicators": ind.compute(conn, projector.projection, scope_, period_, t.timestamp(), memo)}

    @rpc
    def breakdown(self, scope, period, by="school", as_of=None):
        """One row per school (or commune, cycle, setting, province, region) of the scope, every indicator in it."""
        if by not in ind.GROUPINGS:
            raise InvalidCommand({"by": [f"Must be one of {', '.join(ind.GROUPINGS)}."]})
        if by == "region" and scope != "all":  # below all, a region would be said of a part of it
            raise InvalidCommand({"by": ["region: only for scope all."]})
        projector = self.projector
        with projector.lock, projector.engine.connect() as conn:
            scope_, period_, t, memo = self._question(conn, scope, period, as_of)
            rows = ind.breakdown(conn, projector.projection, scope_, period_, t.timestamp(), by, memo)
            positions = dict(projector.positions)
        return {"scope": scope_.name, "period": period_.name, "as_of": t.isoformat(), "by": by,
                "positions": positions, "rows": rows}

    @rpc
    def compare(self, scope, period, other, as_of=None):
        """The indicators of two periods side by side, and the difference of their values."""
        projector = self.projector
        with projector.lock, projector.engine.connect() as conn:
            scope_, period_, t, memo = self._question(conn, scope, period, as_of)
            _, other_, other_t, other_memo = self._question(conn, scope, other)
            conn.rollback()  # as for indicators
            now = ind.compute(conn, projector.projection, scope_, period_, t.timestamp(), memo)
            then = ind.compute(conn, projector.projection, scope_, other_, other_t.timestamp(), other_memo)
            positions = dict(projector.positions)
        return {"scope": scope_.name, "period": period_.name, "as_of": t.isoformat(), "with": other_.name,
                "with_as_of": other_t.isoformat(), "positions": positions,
                "indicators": ind.side_by_side(now, then)}

    @rpc
    def school_years(self):
        """The school years that have facts, latest first (the current one always)."""
        projector = self.projector
        with projector.lock, projector.engine.connect() as conn:
            return ind.school_years(conn, projector.projection, memo=projector.memo)

    @rpc
    def definitions(self):
        """What each indicator is, in Arabic and French."""
        return [d.describe() for d in ind.REGISTRY.values()]

    # ---- who did what

    @rpc
    def activity(self, scope, filters=None, limit=100, offset=0):
        """The scope's activity log, newest first, filtered by person, school, axis, kind and dates."""
        parse_scope(scope)
        wanted = activity.Filters.parse(filters)
        limit, offset = _bounded(limit, "limit", 1, activity.EXPORT_MOST), _bounded(offset, "offset", 0, None)
        projector = self.projector
        with projector.engine.connect() as conn:
            answer = activity.entries(conn, projector.projection, scope, wanted, limit, offset)
            answer["people"] = activity.people(conn, projector.projection, scope)
        return answer

    # ---- reports

    @rpc
    def issue_report(self, scope, period, meta=None, format="xlsx", as_of=None):
        """The figures of a report, recorded with what is needed to make it again."""
        parse_scope(scope), parse_period(period)  # said first, as for every other question
        if format not in FORMATS:
            raise InvalidCommand({"format": [f"Must be one of {', '.join(FORMATS)}."]})
        actor = context(meta).actor
        projector = self.projector
        with projector.lock, projector.engine.begin() as conn:
            scope_, period_, t, memo = self._question(conn, scope, period, as_of)
            values = ind.compute(conn, projector.projection, scope_, period_, t.timestamp(), memo)
            schools = ind.per_school(conn, projector.projection, scope_, period_, t.timestamp(), memo)
            communes = ind.breakdown(conn, projector.projection, scope_, period_, t.timestamp(), "commune", memo)
            positions = dict(projector.positions)
        made = {}

        def make_file(record):  # a report that cannot be written is not issued
            made.update(record, indicators=values, schools=schools, communes=communes)
            made["file_base64"] = base64.b64encode(render(made, format)).decode()

        with projector.engine.begin() as conn:
            projector.reports.record(conn, scope_.name, period_.name, t.isoformat(), positions, actor, format,
                                     digest(values, schools), made=make_file)
        return made

    @rpc
    def report_file(self, scope, period, meta=None, format="xlsx", as_of=None):
        """A report issued as a file: its name, type and bytes (base64)."""
        report = self.issue_report(scope, period, meta, format, as_of)
        cut = f"-{as_of}" if as_of else ""
        return {"filename": f"genie-{scope.replace(':', '-')}-{period}{cut}.{format}", "mimetype": MIMETYPES[format],
                "content_base64": report["file_base64"]}

    @rpc
    def report_copy(self, report_id):
        """An issued report's file made again from the logs read up to the positions it had read: the figures it
        was issued with, in its own format, whatever was recorded since; `matches` says they are the same."""
        report = self.reproduce_report(report_id)
        fmt = report.get("format") or "xlsx"
        return {"report_id": report["report_id"], "scope": report["scope"], "matches": report["matches"],
                "filename": f"genie-{report['scope'].replace(':', '-')}-{report['period']}-{report_id[:8]}.{fmt}",
                "mimetype": MIMETYPES[fmt], "content_base64": base64.b64encode(render(report, fmt)).decode()}

    @rpc
    def reports(self, limit=50):
        return self.projector.reports.latest(limit)

    @rpc
    def reproduce_report(self, report_id):
        """An issued report made again from the logs, read up to the positions it had read."""
        projector = self.projector
        record = projector.reports.get(report_id)
        if record is None:
            raise InvalidCommand({"report_id": [f"No report {report_id} was issued."]})
        scope_, period_ = parse_scope(record["scope"]), parse_period(record["period"])
        projection, engine = replay.model_at(projector.fetch, record["positions"])
        try:
            with engine.connect() as conn:
                t = instant(record["as_of"])
                values = ind.compute(conn, projection, scope_, period_, t)
                schools = ind.per_school(conn, projection, scope_, period_, t)
                communes = ind.breakdown(conn, projection, scope_, period_, t, "commune")
        finally:
            engine.dispose()
        again = digest(values, schools)
        return {**record, "indicators": values, "schools": schools, "communes": communes,
                "reproduced_digest": again,
                "matches": again == record["digest"]}

    # ---- operations

    # ---- across the tiers

    @rpc
    def schools(self):
        """Every school the model knows, with its registered details: an academy's or the country's list of
        schools to pick from (a province's gateway asks inventory)."""
        projector = self.projector
        with projector.engine.connect() as conn:
            return ind.school_directory(conn, projector.projection)

    @rpc
    def provinces(self):
        """The provinces whose events this reporting follows (an academy's; the national tier asks)."""
        if not self.projector.by_province:
            return [province_code()]
        return sorted({feed.partition("/")[0] for feed in self.projector.positions})

    @rpc
    def events_of(self, province_code, source, after_position, limit=1000):
        """A province's log read across this academy's link to it: how the national tier fills a gap."""
        if not self.projector.by_province:
            raise InvalidCommand({"province_code": ["Only an academy or the national tier reads other provinces."]})
        return self.projector.fetch(feed_key(province_code, source), after_position, limit)

    @rpc
    def health(self):
        status = self.projector.status()
        answer = {"service": "reporting", "tier": tier(), "status": "stalled" if status["stalled"] else "ok",
                  **status}
        links = self.federation.links()
        if links is not None:
            answer["upstreams"] = links
        return answer

    @rpc
    def rebuild(self):
        return {"applied": replay.rebuild(self.projector)}


def _bounded(value, name, low, high):
    if isinstance(value, bool) or not isinstance(value, int) or value < low or (high is not None and value > high):
        raise InvalidCommand({name: [f"Must be a whole number from {low}" + (f" to {high}." if high else " up.")]})
    return value
