"""Reporting's handlers of maintenance's events: faults, declared and closed."""
from __future__ import annotations

from .folding import fold_data
from .model import NEVER


# Folds: each takes (batch, current row or None, data, at) and returns the new row.

def _declare_fault(b, fault, d, at):
    fault = fault or {"closed_at": NEVER, "resolution": None}
    return {"fault_id": d["fault_id"], "asset_id": d["asset_id"], "school_code": d["school_code"],
            "under_warranty": bool(d["under_warranty"]), "declared_at": at,
            "closed_at": fault["closed_at"], "resolution": fault["resolution"]}


def _close_fault(b, fault, d, at):
    fault = fault or {"fault_id": d["fault_id"], "asset_id": None, "school_code": None, "under_warranty": None,
                      "declared_at": None, "closed_at": NEVER, "resolution": None}
    if at < fault["closed_at"]:  # a fault's closing is its earliest fault_closed
        return dict(fault, closed_at=at, resolution=d["resolution"])
    return fault


class MaintenanceHandlers:
    on_fault_declared = fold_data("faults", "fault_id", _declare_fault)
    on_fault_closed = fold_data("faults", "fault_id", _close_fault)
