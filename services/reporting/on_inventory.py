"""Reporting's handlers of inventory's events: schools, assets and where they are, visits, transfers,
audits, connectivity."""
from __future__ import annotations

import json

from shared.schools import details

from .folding import fold_data
from .model import NEVER


# Folds the class names (`fold_data`): each takes (batch, current row or None, data, at), returns the new row.

def _register_school(b, school, d, at):
    first = at if school is None else min(school["registered_at"], at)
    return {"school_code": d["school_code"], **details(d), "registered_at": first}


class InventoryHandlers:
    on_school_registered = fold_data("schools", "school_code", _register_school)

    def on_school_census_recorded(self, b, env):
        d = env["data"]
        b.history(self.censuses, d["school_code"], school_code=d["school_code"], school_year=d["school_year"],
                  pupils=d["pupils"], teachers=d["teachers"])

    def on_equipment_received(self, b, env):
        d = env["data"]
        b.fold(self.assets, d["asset_id"], _receive_asset, d)
        b.touch(self.placements, d["asset_id"])

    def on_equipment_assigned(self, b, env):
        d = env["data"]
        b.history(self.placements, d["asset_id"], asset_id=d["asset_id"], school_code=d["school_code"])

    def on_equipment_decommissioned(self, b, env):
        d = env["data"]
        b.fold(self.assets, d["asset_id"], _decommission_asset, d["asset_id"], b.at)
        b.touch(self.placements, d["asset_id"])

    def on_usage_visit_recorded(self, b, env):
        d = env["data"]
        for seq, obs in enumerate(d["observations"]):
            b.history(self.observations, obs["asset_id"], asset_id=obs["asset_id"], school_code=d["school_code"],
                      status=obs["status"], seq=seq)

    def on_transfer_proposed(self, b, env):
        d = env["data"]
        b.fold(self.transfers, d["transfer_id"], _propose_transfer, d)

    def on_transfer_completed(self, b, env):
        b.fold(self.transfers, env["data"]["transfer_id"], self._complete_transfer, b.at, b.position)

    def _complete_transfer(self, b, transfer, at, pos):
        if transfer is None:  # completed without a known proposal: nothing to place
            transfer = {"transfer_id": None, "from_school": None, "to_school": None, "asset_ids": "[]",
                        "completed_at": NEVER}
        for seq, asset_id in enumerate(json.loads(transfer["asset_ids"])):
            b.history(self.placements, asset_id, asset_id=asset_id, school_code=transfer["to_school"],
                      at=at, position=pos, seq=seq)
        if transfer["transfer_id"] is None:
            return None
        return dict(transfer, completed_at=min(transfer["completed_at"], at))

    def on_inventory_audit_completed(self, b, env):
        d = env["data"]
        present = sum(1 for f in d["findings"] if f["status"] == "present")
        b.history(self.audits, d["school_code"], school_code=d["school_code"], present=present,
                  findings=len(d["findings"]))

    def on_connectivity_recorded(self, b, env):
        d = env["data"]
        b.history(self.connectivity, d["school_code"], school_code=d["school_code"], status=d["status"])

    def on_filtering_recorded(self, b, env):
        d = env["data"]
        b.history(self.filtering, d["school_code"], school_code=d["school_code"], active=bool(d["active"]))


# Folds: each takes (batch, current row or None, ...) and returns the new row.



def _receive_asset(b, asset, d):
    return {"asset_id": d["asset_id"], "kind": d["kind"], "bundle": d["bundle"],
            "decommissioned_at": asset["decommissioned_at"] if asset else NEVER}


def _decommission_asset(b, asset, asset_id, at):
    asset = asset or {"asset_id": asset_id, "kind": None, "bundle": None, "decommissioned_at": NEVER}
    return dict(asset, decommissioned_at=min(asset["decommissioned_at"], at))


def _propose_transfer(b, transfer, d):
    return {"transfer_id": d["transfer_id"], "from_school": d["from_school"], "to_school": d["to_school"],
            "asset_ids": json.dumps(list(d["asset_ids"])),
            "completed_at": transfer["completed_at"] if transfer else NEVER}
