"""Inventory's reaction to maintenance: a replaced asset leaves, its replacement takes its place.

Applied in the projector's transaction, so the events recorded here and the
position read in maintenance's log commit together: a redelivered
`equipment_replaced` is skipped by position, and the domain itself records
nothing that is already so.
"""
from sqlalchemy import MetaData, Table, insert, select

from shared.columns import instant, key, label, ref, text, user
from shared.events import now
from shared.reaction import Reaction

from .application import Inventory


# Outcomes that leave the records of inventory and maintenance apart until a person decides.
APPLIED = ("applied", "already_applied", "same_asset")

# The coordinator's decisions: kept (migrated), never made again from the logs.
kept_tables = MetaData()
resolutions = Table(
    "replacement_resolutions", kept_tables,
    key("fault_id", 100),
    label("outcome", 40),
    text("note"),
    user("resolved_by"),
    instant("resolved_at"),
)


class ReplacementReaction(Reaction):
    name = "inventory_reactions"
    sources = ("maintenance",)

    def define_tables(self, metadata) -> None:
        # What became of each replacement, for people to check (health, RPC).
        self.outcomes = Table(
            "replacement_outcomes", metadata,
            key("event_id", 36),
            ref("fault_id", 100),
            ref("old_asset_id", 100),
            ref("new_asset_id", 100),
            label("outcome", 40),
            text("recorded"),
            instant("handled_at"),
        )

    def on_equipment_replaced(self, conn, env):
        inventory = Inventory(self.transaction(conn), None)
        recorded, outcome = inventory.react_to_replacement(env)
        d = env["data"]
        conn.execute(insert(self.outcomes).values(
            event_id=env["event_id"], fault_id=d["fault_id"], old_asset_id=d["old_asset_id"],
            new_asset_id=d["new_asset_id"], outcome=outcome,
            recorded=",".join(str(e["position"]) for e in recorded), handled_at=now().isoformat()))

    def to_resolve(self, conn, fault_id: str | None = None) -> list[dict]:
        """Replacements inventory could not apply and nobody has resolved yet (of one fault, if given)."""
        o, r = self.outcomes, resolutions
        query = (select(o, r.c.note, r.c.resolved_by, r.c.resolved_at)
                 .select_from(o.outerjoin(r, r.c.fault_id == o.c.fault_id))
                 .where(o.c.outcome.not_in(APPLIED)).order_by(o.c.handled_at))
        if fault_id is not None:
            query = query.where(o.c.fault_id == fault_id)
        return [dict(row) for row in conn.execute(query).mappings()
                if fault_id is not None or row["resolved_at"] is None]

    def resolve(self, conn, resolution: dict) -> None:
        """Keep the coordinator's word on a replacement (`domain.resolve_replacement` says what it is)."""
        conn.execute(insert(resolutions).values(**resolution))
