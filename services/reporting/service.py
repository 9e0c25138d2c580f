"""Reporting: projects every source's events into indicator read models."""
from nameko.rpc import rpc
from nameko.timer import timer

from shared.service import ProjectorDependency, consume_events, source_queue

from . import indicators as indicators_
from .periods import parse_period, parse_scope
from .projections import IndicatorsProjection


class ReportingService:
    name = "reporting"
    projector = ProjectorDependency(IndicatorsProjection)

    @consume_events(source_queue("reporting", "inventory"))
    def on_inventory_event(self, body):
        self.projector.handle(body)

    @consume_events(source_queue("reporting", "maintenance"))
    def on_maintenance_event(self, body):
        self.projector.handle(body)

    @consume_events(source_queue("reporting", "resources"))
    def on_resources_event(self, body):
        self.projector.handle(body)

    @consume_events(source_queue("reporting", "training"))
    def on_training_event(self, body):
        self.projector.handle(body)

    @timer(interval=10, eager=True)
    def catch_up(self):
        """The bus is the fast path; this reads what it missed from the sources' logs."""
        self.projector.catch_up()

    @rpc
    def indicators(self, scope, period):
        scope_, period_ = parse_scope(scope), parse_period(period)
        t = period_.as_of()
        projector = self.projector
        with projector.lock, projector.engine.connect() as conn:
            values = indicators_.compute(conn, projector.projection, scope_, period_, t.timestamp())
            positions = dict(projector.positions)
        return {"scope": scope_.name, "period": period_.name, "as_of": t.isoformat(),
                "positions": positions, "indicators": values}

    @rpc
    def health(self):
        status = self.projector.status()
        return {"service": "reporting", "status": "stalled" if status["stalled"] else "ok", **status}

    @rpc
    def rebuild(self):
        return {"applied": self.projector.rebuild()}
