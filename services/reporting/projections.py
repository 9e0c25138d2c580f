"""Reporting's read models: the history each indicator needs, dated.

Instants are kept as epoch seconds (`at`) so that "before T" is one comparison
whatever offset an event was recorded with; ties are broken by `position`.
"""
from datetime import datetime

from sqlalchemy import Column, Float, Index, Integer, MetaData, String, Table, insert

from shared.config import SOURCES
from shared.projector import Projection


def epoch(iso: str) -> float:
    return datetime.fromisoformat(iso).timestamp()


class IndicatorsProjection(Projection):
    name = "reporting"
    sources = SOURCES

    def define_tables(self, metadata: MetaData) -> None:
        self.schools = Table(
            "schools", metadata,
            Column("school_code", String(40), primary_key=True),
            Column("region_code", String(40), nullable=False),
            Column("province_code", String(40), nullable=False),
            Column("registered_at", Float, nullable=False),
        )
        self.placements = Table(
            "asset_placements", metadata,
            Column("asset_id", String(40), nullable=False),
            Column("school_code", String(40), nullable=False),
            Column("at", Float, nullable=False),
            Column("position", Integer, nullable=False),
            Index("ix_asset_placements_asset", "asset_id", "at"),
        )
        self.decommissions = Table(
            "asset_decommissions", metadata,
            Column("asset_id", String(40), nullable=False),
            Column("at", Float, nullable=False),
            Index("ix_asset_decommissions_asset", "asset_id"),
        )

    def on_school_registered(self, conn, env):
        d = env["data"]
        conn.execute(insert(self.schools).values(
            school_code=d["school_code"], region_code=d["region_code"], province_code=d["province_code"],
            registered_at=epoch(env["occurred_at"])))

    def on_equipment_assigned(self, conn, env):
        d = env["data"]
        conn.execute(insert(self.placements).values(
            asset_id=d["asset_id"], school_code=d["school_code"], at=epoch(env["occurred_at"]),
            position=env["position"]))

    def on_equipment_decommissioned(self, conn, env):
        conn.execute(insert(self.decommissions).values(asset_id=env["data"]["asset_id"],
                                                       at=epoch(env["occurred_at"])))
