"""Between the RPC shell and the domain: load states from the log, record what the domain decides.

Used by the commands and by the reaction to maintenance's events, always
inside one `Transaction`. An asset's state folds every event that names it,
found through the `asset_events` index and read back from the log itself.
Also the queries that answer from the log: an asset's timeline and a school's
equipment at any date.
"""
from __future__ import annotations

import base64
import json
import re
from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from shared.calendar import CASABLANCA, local_date
from shared.commands import Loaded, UnitOfWork, new_id
from shared.db import chunks
from shared.errors import CommandRejected, InvalidCommand
from shared.events import Context, now, parse_instant

from . import domain, imports
from .views import CHUNK, InventoryViews


def histories(conn, store, views: InventoryViews, asset_ids) -> dict[str, list[dict]]:
    """Every event of the log that names each asset, in log order."""
    asset_ids = list(dict.fromkeys(asset_ids))
    pairs = []
    for chunk in chunks(asset_ids, CHUNK):
        pairs += conn.execute(select(views.asset_events.c.asset_id, views.asset_events.c.position)
                              .where(views.asset_events.c.asset_id.in_(chunk))).all()
    envelopes = {}
    for chunk in chunks(sorted({p for _, p in pairs}), CHUNK):
        for position, raw in conn.execute(select(store.events.c.position, store.events.c.envelope)
                                          .where(store.events.c.position.in_(chunk))).all():
            envelopes[position] = store.registry.read(json.loads(raw), check=False)
    out = {a: [] for a in asset_ids}
    for asset_id, position in sorted(pairs, key=lambda p: p[1]):
        out[asset_id].append(envelopes[position])
    return out


def fold_asset(asset_id: str, history: list[dict]) -> domain.Asset:
    state = domain.Asset(asset_id)
    for env in history:
        state = domain.evolve_asset(state, env)
    return state


class Inventory(UnitOfWork):
    """One transaction's view of the inventory: states to decide on, and where to record.

    The unit of work of inventory's commands, and of its reaction to maintenance."""

    read = None  # an imported file, when it was read aside before the transaction (a part, then)

    # ---- loading

    def school(self, code: str) -> Loaded:
        return self.load(domain.school_stream(code), domain.evolve_school, domain.School(code))

    def assets(self, asset_ids) -> dict[str, Loaded]:
        found = histories(self.conn, self.store, self.views, asset_ids)
        out = {}
        for asset_id, history in found.items():
            stream = domain.asset_stream(asset_id)
            version = sum(1 for env in history if env["stream_id"] == stream)
            out[asset_id] = Loaded(stream, fold_asset(asset_id, history), version)
        return out

    def asset(self, asset_id: str) -> Loaded:
        return self.assets([asset_id])[asset_id]

    def transfer(self, transfer_id: str) -> Loaded:
        return self.load(domain.transfer_stream(transfer_id), domain.evolve_transfer, domain.Transfer(transfer_id))

    def work(self, work_id: str) -> Loaded:
        return self.load(domain.work_stream(work_id), domain.evolve_work, domain.Work(work_id))

    # ---- reception, shared by a delivery sent as JSON and an imported list

    def receive_items(self, delivery: domain.ReceiveDelivery | domain.ImportDelivery, items: list[domain.DeliveryItem],
                      owners: dict[str, str], ctx: Context) -> list[dict]:
        """Receive checked items; `owners` are the assets already holding their serials, by serial key."""
        recorded = []
        for item in items:
            if item.asset_id:
                loaded = self.asset(item.asset_id)
            else:
                # A new id has no history to read.
                asset_id = new_id()
                loaded = Loaded(domain.asset_stream(asset_id), domain.Asset(asset_id), 0)
            owner = owners.get(domain.serial_key(item.serial))
            recorded += self.record(loaded, domain.receive_equipment(loaded.state, item, delivery, owner), ctx)
        return recorded

    def serial_owners(self, serials: list[str]) -> dict[str, str]:
        owners = self.views.serial_owners(self.conn, serials)
        return {key: row["asset_id"] for key, row in owners.items()}

    def receive_delivery(self, cmd: domain.ReceiveDelivery, ctx: Context) -> list[dict]:
        """Every item, or none. A serial known in the province is refused, naming the item and its asset."""
        items = list(cmd.items)
        owners = self.serial_owners([i.serial for i in items])
        # Asset ids are checked as each item is received: a repeated one is already received.
        problems = domain.delivery_problems([(i.serial, i.asset_id) for i in items], owners, set())
        repeated = {str(i): {"serial": p["serial"]} for i, p in sorted(problems.items())
                    if "serial" in p and domain.serial_key(items[i].serial) not in owners}
        if repeated:
            raise InvalidCommand({"items": repeated})
        known = [f"Item {i + 1}: {p['serial'][0]}" for i, p in sorted(problems.items()) if "serial" in p]
        if known:
            raise CommandRejected("serial_already_known", " ".join(known))
        return self.receive_items(cmd, items, owners, ctx)

    def import_delivery(self, cmd: domain.ImportDelivery, ctx: Context, read=None) -> dict:
        """A supplier's list (CSV or XLSX): every line received, or the file refused naming each bad line.
        `read`: the file as `imports.read_deliveries` gives it, when read before the transaction."""
        lines, errors, ids = read or imports.read_deliveries(base64.b64decode(cmd.content_base64), cmd.format)
        items = [domain.DeliveryItem(**item) for _, item in lines]
        every = [(i["serial"], i.get("asset_id")) for _, i in ids]
        received = self.views.known_assets(self.conn, [asset_id for _, asset_id in every if asset_id])
        owners = self.serial_owners([serial for serial, _ in every])
        problems = domain.delivery_problems(every, owners, received, [f"line {line}" for line, _ in ids])
        for i, problem in problems.items():
            line = ids[i][0]
            for name, messages in problem.items():
                errors.setdefault(line, {}).setdefault(name, []).extend(messages)
        imports.refuse_lines(errors)
        if not items:
            raise InvalidCommand({"file": ["The file lists no equipment."]})
        recorded = self.receive_items(cmd, items, owners, ctx)
        return {"supplier": cmd.supplier, "delivery_ref": cmd.delivery_ref, "received": len(recorded),
                "first_position": recorded[0]["position"], "last_position": recorded[-1]["position"],
                "assets": [{"line": line, "asset_id": env["data"]["asset_id"], "serial": env["data"]["serial"]}
                           for (line, _), env in zip(lines, recorded)]}

    # ---- schools

    def import_schools(self, cmd: domain.ImportSchools, ctx: Context, read=None) -> dict:
        schools, errors = read or imports.read_schools(base64.b64decode(cmd.content_base64), cmd.format)
        registered = self.views.known_schools(self.conn, [s["school_code"] for _, s, _ in schools])
        first: dict[str, int] = {}
        for line, school, _ in schools:
            code = school["school_code"]
            if code in registered:
                errors.setdefault(line, {}).setdefault("school_code", []).append(
                    f"School {code} is already registered.")
            elif code in first:
                errors.setdefault(line, {}).setdefault("school_code", []).append(
                    f"School {code} is repeated: see line {first[code]}.")
            else:
                first[code] = line
        registered_on = local_date(ctx.occurred_at or now())
        for line, school, census in schools:
            if census is not None:
                try:
                    domain.record_census(domain.School(school["school_code"], True, registered_on=registered_on),
                                         census["school_year"], census["pupils"], census["teachers"])
                except CommandRejected as exc:
                    errors.setdefault(line, {}).setdefault("school_year", []).append(exc.message)
        imports.refuse_lines(errors)
        if not schools:
            raise InvalidCommand({"file": ["The file lists no school."]})
        positions, censuses = [], 0
        for _, school, census in schools:
            loaded = self.school(school["school_code"])
            registration = domain.RegisterSchool(**{k: school[k] for k in ("school_code", *domain.SCHOOL_FIELDS)})
            events = domain.register_school(loaded.state, registration, self.store.province_code)
            if census is not None:
                events += domain.record_census(domain.School(loaded.state.code, True, registered_on=registered_on),
                                               census["school_year"], census["pupils"], census["teachers"])
                censuses += 1
            positions += [e["position"] for e in self.record(loaded, events, ctx)]
        return {"registered": len(schools), "censuses": censuses, "first_position": positions[0],
                "last_position": positions[-1], "school_codes": [s["school_code"] for _, s, _ in schools]}

    # ---- the reaction to maintenance's equipment_replaced

    def react_to_replacement(self, envelope: dict) -> tuple[list[dict], str]:
        data = envelope["data"]
        old, new = self.asset(data["old_asset_id"]), self.asset(data["new_asset_id"])
        owner = self.views.asset_with_serial(self.conn, data["new_serial"])
        # The replacement happened when maintenance says; a clock ahead of ours is not the future.
        at = min(domain.occurred(envelope), now())
        plan, outcome = domain.react_to_replacement(data, at, old.state, new.state, owner)
        ctx = Context.caused_by(envelope)
        recorded = []
        for stream, event in plan:
            loaded = old if stream == old.stream else new
            recorded += self.record(loaded, [event], ctx)
        return recorded, outcome


# ---------------------------------------------------------------- queries answered from the log

def as_of_instant(value: str, end_of_day: bool = True) -> datetime:
    """The instant a question is about. A date is a day in Morocco: "what was there on 30 June"
    means at the end of that day; "on 30 June" for a warranty means that day itself."""
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        try:
            day = date.fromisoformat(value)
        except ValueError:
            raise InvalidCommand({"at": ["Not a date."]})
        if end_of_day:
            day += timedelta(days=1)
        return datetime.combine(day, time(), tzinfo=CASABLANCA)
    if not isinstance(value, str):
        raise InvalidCommand({"at": ["A date (YYYY-MM-DD) or a date-time with its offset."]})
    return parse_instant(value, "at")


def _chronological(history: list[dict]) -> list[dict]:
    return sorted(history, key=lambda env: (domain.occurred(env), env["position"]))


def describe(state: domain.Asset) -> dict:
    return {"asset_id": state.asset_id, "serial": state.serial, "kind": state.kind, "model": state.model,
            "bundle": state.bundle, "supplier": state.supplier, "delivery_ref": state.delivery_ref,
            "received_at": state.received_at.isoformat() if state.received_at else None,
            "warranty_months": state.warranty_months, "school_code": state.school_code,
            "installed": state.installed, "in_service": state.in_service,
            "decommissioned": state.decommissioned, "decommission_reason": state.decommission_reason,
            "open_transfer": state.transfer_id, "latest_observation": state.observation}


def asset_timeline(conn, store, views: InventoryViews, asset_id: str) -> dict:
    history = histories(conn, store, views, [asset_id])[asset_id]
    state = fold_asset(asset_id, history)
    if not state.received:
        raise CommandRejected("unknown_asset", f"Asset {asset_id} was never received.")
    timeline = [{"position": env["position"], "event_type": env["event_type"], "occurred_at": env["occurred_at"],
                 "recorded_at": env["recorded_at"], "actor": env["actor"], "causation_id": env["causation_id"],
                 "data": env["data"]} for env in _chronological(history)]
    return {"asset": describe(state), "timeline": timeline}


def equipment_as_of(conn, store, views: InventoryViews, school_code: str, at: datetime) -> list[dict]:
    """The equipment in service at a school at `at`: the log's events dated before it, replayed."""
    candidates = views.asset_ids_ever_at(conn, school_code)
    found = []
    for asset_id, history in histories(conn, store, views, candidates).items():
        before = [env for env in _chronological(history) if domain.occurred(env) < at]
        state = fold_asset(asset_id, before)
        if state.in_service and state.school_code == school_code:
            found.append(describe(state))
    return sorted(found, key=lambda a: a["asset_id"])


def warranty_status(conn, store, views: InventoryViews, asset_id: str, at: datetime) -> dict:
    state = fold_asset(asset_id, histories(conn, store, views, [asset_id])[asset_id])
    return domain.warranty_status(state, at)
