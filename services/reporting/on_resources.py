"""Reporting's handlers of resources' events: received, distributed, decided on, used, workshops,
dysfunctions."""
from __future__ import annotations

from .folding import fold_data
from .model import NEVER, day_start


# Folds the class names (`fold_data`): each takes (batch, current row or None, data, at), returns the new row.

def _report_dysfunction(b, dysfunction, d, at):
    return {"dysfunction_id": d["dysfunction_id"], "school_code": d["school_code"], "reported_at": at,
            "resolved_at": dysfunction["resolved_at"] if dysfunction else NEVER}


def _resolve_dysfunction(b, dysfunction, d, at):
    dysfunction = dysfunction or {"dysfunction_id": d["dysfunction_id"], "school_code": None,
                                  "reported_at": None, "resolved_at": NEVER}
    return dict(dysfunction, resolved_at=min(dysfunction["resolved_at"], at))


class ResourcesHandlers:
    def on_resource_received(self, b, env):
        b.flow(self.resources_received, resource_id=env["data"]["resource_id"], province_code=env["province_code"])

    def on_resource_distributed(self, b, env):
        d = env["data"]
        for seq, code in enumerate(d["school_codes"]):
            b.flow(self.distributions, resource_id=d["resource_id"], school_code=code, seq=seq)
            b.fold(self.first_resources, code, _first_resource, code, b.at)

    def on_validation_committee_held(self, b, env):
        for seq, decision in enumerate(env["data"]["decisions"]):
            b.flow(self.decisions, resource_id=decision["resource_id"], decision=decision["decision"],
                   province_code=env["province_code"], seq=seq)

    def on_resource_usage_recorded(self, b, env):
        d = env["data"]
        b.flow(self.usages, school_code=d["school_code"], period_end_at=day_start(d["period_end"]), uses=d["uses"])

    def on_awareness_workshop_held(self, b, env):
        d = env["data"]
        for seq, code in enumerate(dict.fromkeys(d["school_codes"])):
            b.flow(self.workshop_schools, workshop_id=d["workshop_id"], school_code=code, seq=seq)

    on_dysfunction_reported = fold_data("dysfunctions", "dysfunction_id", _report_dysfunction)
    on_dysfunction_resolved = fold_data("dysfunctions", "dysfunction_id", _resolve_dysfunction)


# Folds: each takes (batch, current row or None, ...) and returns the new row.

def _first_resource(b, first, code, at):
    if first is not None and first["first_at"] <= at:
        return first
    return {"school_code": code, "first_at": at}
