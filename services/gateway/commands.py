"""Commands: which role may run each one, where a school director's scope is checked, and how a
serial number stands for an asset. The API and the pages' forms both run commands through `run`."""
from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass

from marshmallow import ValidationError

from services.inventory import schemas as inv
from services.maintenance import schemas as mnt
from services.resources import schemas as res
from services.training import schemas as trn

from shared.commands import schema_of

from .access import check_command
from .http import HttpProblem

DIR = "school_director"
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CommandRoute:
    service: str
    name: str
    schema: type
    roles: tuple[str, ...]  # besides the coordinator, who may do everything
    school_fields: tuple[str, ...] = ()  # what a school director's scope is checked against

    @property
    def path(self) -> str:
        return f"{self.service}/{self.name}"


# Who may run each command besides the coordinator.
COORDINATOR_ONLY = ()
INFRA, RES, TRN = ("infrastructure",), ("resources",), ("training",)
INFRA_TECH = ("infrastructure", "technician")
INFRA_DIR, RES_DIR = ("infrastructure", DIR), ("resources", DIR)

# Each service's commands, each the class of its name in the service's schemas (register_school: RegisterSchool).
ROLES = {
    inv: {
        "register_school": INFRA,
        "update_school": INFRA,
        "record_census": INFRA,
        "import_schools": INFRA,
        "record_connectivity": INFRA,
        "record_filtering": INFRA,
        "record_infrastructure_work": INFRA,
        "receive_delivery": INFRA,
        "import_delivery": INFRA,
        "assign_equipment": INFRA,
        "confirm_installation": INFRA_DIR,
        "decommission_equipment": INFRA,
        "record_usage_visit": INFRA,
        "propose_transfer": INFRA,
        "approve_transfer": COORDINATOR_ONLY,
        "reject_transfer": COORDINATOR_ONLY,
        "complete_transfer": INFRA,
        "complete_inventory_audit": INFRA,
        "resolve_replacement": COORDINATOR_ONLY,
    },
    mnt: {
        "declare_fault": INFRA_DIR,
        "file_warranty_claim": INFRA_TECH,
        "record_repair": INFRA_TECH,
        "replace_equipment": INFRA_TECH,
        "close_fault": INFRA_TECH,
        "cancel_fault": INFRA,
    },
    res: {
        "receive_resource": RES,
        "distribute_resource": RES,
        "hold_awareness_workshop": RES,
        "start_production_project": RES,
        "submit_resource": RES,
        "hold_validation_committee": RES,
        "record_resource_usage": RES_DIR,
        "record_good_practice": RES,
        "report_dysfunction": RES_DIR,
        "resolve_dysfunction": RES,
        "record_local_research": RES,
    },
    trn: {
        "load_school_calendar": TRN,
        "plan_training": TRN,
        "schedule_session": TRN,
        "invite_participants": TRN,
        "record_attendance": TRN,
        "complete_session": TRN,
        "cancel_session": TRN,
        "award_certificates": TRN,
        "evaluate_training": TRN,
    },
}


def _route(schemas, name: str, roles: tuple[str, ...]) -> CommandRoute:
    service = schemas.__name__.split(".")[-2]  # services.<service>.schemas
    schema = getattr(schemas, name.title().replace("_", ""))
    # A school director acts for their own school: each command they may run names it.
    return CommandRoute(service, name, schema, roles, ("school_code",) if DIR in roles else ())


COMMANDS = [_route(schemas, name, roles) for schemas, commands in ROLES.items() for name, roles in commands.items()]
COMMAND_BY_PATH = {(c.service, c.name): c for c in COMMANDS}

# Where a serial number may stand for an asset id: (field with ids, field with serials, list of parts).
SERIAL_FIELDS = {
    ("inventory", "assign_equipment"): [("asset_id", "serial", None)],
    ("inventory", "confirm_installation"): [("asset_id", "serial", None)],
    ("inventory", "decommission_equipment"): [("asset_id", "serial", None)],
    ("inventory", "propose_transfer"): [("asset_ids", "serials", None)],
    ("inventory", "record_usage_visit"): [("asset_id", "serial", "observations")],
    ("inventory", "complete_inventory_audit"): [("asset_id", "serial", "findings")],
    ("maintenance", "declare_fault"): [("asset_id", "serial", None)],
}


def route_of(service: str, command: str) -> CommandRoute:
    route = COMMAND_BY_PATH.get((service, command))
    if route is None:
        raise HttpProblem(404, "Not found", f"No command {service}/{command}.")
    return route


def _serial_places(route: CommandRoute, body: dict):
    """(holder, id field, serial field, error path) for each serial given in place of an asset id."""
    for id_field, serial_field, parts in SERIAL_FIELDS.get((route.service, route.name), ()):
        listed = body.get(parts) if parts is not None else None
        # A list of parts that is not a list is left for the schema to refuse by its field's name.
        holders = [((), body)] if parts is None else [
            ((parts, i), part) for i, part in enumerate(listed if isinstance(listed, list) else [])
            if isinstance(part, dict)]
        for path, holder in holders:
            if serial_field in holder and id_field not in holder:
                yield holder, id_field, serial_field, path


UNKNOWN = "unknown-serial"  # stands for an unknown serial while the rest of the command is checked


def resolve_serials(rpc, route: CommandRoute, body: dict) -> tuple[dict, dict]:
    """The command with every serial replaced by its asset's id, and the errors of unknown serials."""
    places = list(_serial_places(route, body))
    if not places:
        return body, {}
    body = {k: ([dict(p) if isinstance(p, dict) else p for p in v] if isinstance(v, list) else v)
            for k, v in body.items()}
    places = list(_serial_places(route, body))
    errors, wanted = {}, set()

    def fail(path, field, message):
        node = errors
        for step in path:
            node = node.setdefault(step, {})
        node[field] = [message]

    for holder, id_field, serial_field, path in places:
        value = holder[serial_field]
        values = value if id_field.endswith("s") else [value]
        if not isinstance(values, list) or not all(isinstance(v, str) and 0 < len(v.strip()) <= 100
                                                   for v in values):
            fail(path, serial_field, "Not a valid serial number.")
            continue
        wanted.update(v.strip() for v in values)
    owners = rpc("inventory", "asset_ids_of_serials", sorted(wanted)) if wanted else {}
    for holder, id_field, serial_field, path in places:
        value = holder.pop(serial_field)
        many = id_field.endswith("s")
        values = value if many else [value]
        if not isinstance(values, list) or not all(isinstance(v, str) and v.strip() in owners for v in values):
            continue
        unknown = [v for v in values if owners.get(v.strip()) is None]
        if unknown:
            fail(path, serial_field, f"No asset has serial {', '.join(unknown)}.")
        # Each unknown serial stands apart, so that two of them are not also refused as the same asset twice.
        ids = [owners.get(v.strip()) or f"{UNKNOWN}-{n}" for n, v in enumerate(values, 1)]
        holder[id_field] = ids if many else ids[0]
    return body, errors


def _merge(into: dict, more: dict) -> dict:
    for key, value in more.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            _merge(into[key], value)
        elif key not in into:
            into[key] = value
    return into


def prepare(rpc, user: dict, route: CommandRoute, body: dict) -> dict:
    """Check the role, read serials, validate with the service's schema, check the scope: the body to send."""
    check_command(user, route.roles, {}, ())  # the role first: a viewer learns nothing from validation
    body, unknown = resolve_serials(rpc, route, body)
    try:
        schema_of(route.schema).load(body)
    except ValidationError as exc:
        raise HttpProblem(400, "Invalid request", "Some fields are wrong.", errors=_merge(unknown, exc.messages))
    except (KeyError, TypeError, AttributeError):
        # A schema's own check that tripped on malformed parts: still the client's input.
        log.warning("%s: the schema failed on a malformed body", route.path, exc_info=True)
        raise HttpProblem(400, "Invalid request", "The command is malformed.",
                          errors={"_schema": ["The command is malformed; check each part's fields."]})
    if unknown:
        raise HttpProblem(400, "Invalid request", "Some serial numbers are not known.", errors=unknown)
    check_command(user, route.roles, body, route.school_fields)
    return body


def send(rpc, user: dict, route: CommandRoute, body: dict, correlation_id: str | None = None):
    meta = {"actor": {"user": user["user"], "role": user["role"]},
            "correlation_id": correlation_id or str(uuid.uuid4())}
    return rpc(route.service, route.name, body, meta, query=False)


def run(rpc, user: dict, route: CommandRoute, body: dict, correlation_id: str | None = None):
    return send(rpc, user, route, prepare(rpc, user, route, body), correlation_id)
