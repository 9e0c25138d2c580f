"""The HTTP API: every service's commands and queries, checked against the user's role and scope.

Commands are `POST /api/<service>/<command>` with the command's JSON body, validated by the service's
own marshmallow schema; queries are `GET` resources. Errors are RFC 9457 problem details.
"""
from __future__ import annotations

import copy
import json
import logging
import os
import re
import tempfile
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timezone

from marshmallow import RAISE, Schema, ValidationError, fields, validate
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from services.inventory import schemas as inv
from services.maintenance import schemas as mnt
from services.resources import schemas as res
from services.training import schemas as trn
from services.reporting.indicators import GROUPINGS
from services.reporting.periods import parse_day, parse_period
from shared.errors import CommandRejected, ConcurrencyError, InvalidCommand

from .access import Refused, check_command, check_school_read, check_scope_read
from .accounts import issue_token, read_token
from .idempotency import KEY as IDEMPOTENCY_KEY
from .idempotency import KeyConflict, Remembered, fingerprint
from .passwords import Busy
from .throttle import LoginThrottle, Throttled

INFRA, RES, TRN, DIR, TECH = "infrastructure", "resources", "training", "school_director", "technician"
COOKIE = "genie_token"
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CommandRoute:
    service: str
    name: str
    schema: type
    roles: tuple[str, ...]  # besides the coordinator, who may do everything
    school_fields: tuple[str, ...] = ()  # what a school director's scope is checked against
    summary: str = ""


C = CommandRoute
COMMANDS = [
    C("inventory", "register_school", inv.RegisterSchool, (INFRA,)),
    C("inventory", "update_school", inv.UpdateSchool, (INFRA,)),
    C("inventory", "record_census", inv.RecordCensus, (INFRA,)),
    C("inventory", "import_schools", inv.ImportSchools, (INFRA,)),
    C("inventory", "record_connectivity", inv.RecordConnectivity, (INFRA,)),
    C("inventory", "record_filtering", inv.RecordFiltering, (INFRA,)),
    C("inventory", "record_infrastructure_work", inv.RecordInfrastructureWork, (INFRA,)),
    C("inventory", "receive_delivery", inv.ReceiveDelivery, (INFRA,)),
    C("inventory", "import_delivery", inv.ImportDelivery, (INFRA,)),
    C("inventory", "assign_equipment", inv.AssignEquipment, (INFRA,)),
    C("inventory", "confirm_installation", inv.ConfirmInstallation, (INFRA, DIR), ("school_code",)),
    C("inventory", "decommission_equipment", inv.DecommissionEquipment, (INFRA,)),
    C("inventory", "record_usage_visit", inv.RecordUsageVisit, (INFRA,)),
    C("inventory", "propose_transfer", inv.ProposeTransfer, (INFRA,)),
    C("inventory", "approve_transfer", inv.ApproveTransfer, ()),  # the coordinator approves
    C("inventory", "reject_transfer", inv.RejectTransfer, ()),
    C("inventory", "complete_transfer", inv.CompleteTransfer, (INFRA,)),
    C("inventory", "complete_inventory_audit", inv.CompleteInventoryAudit, (INFRA,)),
    C("maintenance", "declare_fault", mnt.DeclareFault, (INFRA, DIR), ("school_code",)),
    C("maintenance", "file_warranty_claim", mnt.FileWarrantyClaim, (INFRA, TECH)),
    C("maintenance", "record_repair", mnt.RecordRepair, (INFRA, TECH)),
    C("maintenance", "replace_equipment", mnt.ReplaceEquipment, (INFRA, TECH)),
    C("maintenance", "close_fault", mnt.CloseFault, (INFRA, TECH)),
    C("maintenance", "cancel_fault", mnt.CancelFault, (INFRA,)),
    C("resources", "receive_resource", res.ReceiveResource, (RES,)),
    C("resources", "distribute_resource", res.DistributeResource, (RES,)),
    C("resources", "hold_awareness_workshop", res.HoldAwarenessWorkshop, (RES,)),
    C("resources", "start_production_project", res.StartProductionProject, (RES,)),
    C("resources", "submit_resource", res.SubmitResource, (RES,)),
    C("resources", "hold_validation_committee", res.HoldValidationCommittee, (RES,)),
    C("resources", "record_resource_usage", res.RecordResourceUsage, (RES, DIR), ("school_code",)),
    C("resources", "record_good_practice", res.RecordGoodPractice, (RES,)),
    C("resources", "report_dysfunction", res.ReportDysfunction, (RES, DIR), ("school_code",)),
    C("resources", "resolve_dysfunction", res.ResolveDysfunction, (RES,)),
    C("resources", "record_local_research", res.RecordLocalResearch, (RES,)),
    C("training", "load_school_calendar", trn.LoadSchoolCalendar, (TRN,)),
    C("training", "plan_training", trn.PlanTraining, (TRN,)),
    C("training", "schedule_session", trn.ScheduleSession, (TRN,)),
    C("training", "invite_participants", trn.InviteParticipants, (TRN,)),
    C("training", "record_attendance", trn.RecordAttendance, (TRN,)),
    C("training", "complete_session", trn.CompleteSession, (TRN,)),
    C("training", "cancel_session", trn.CancelSession, (TRN,)),
    C("training", "award_certificates", trn.AwardCertificates, (TRN,)),
    C("training", "evaluate_training", trn.EvaluateTraining, (TRN,)),
]
COMMAND_BY_PATH = {(c.service, c.name): c for c in COMMANDS}

CODE = validate.Regexp(r"^[A-Za-z0-9_-]{1,40}$", error="Letters, digits, '-' and '_' only, 1 to 40.")
SCOPE = validate.Regexp(r"^(all|(region|province|school):[A-Za-z0-9_-]{1,40})$",
                        error="all, region:<code>, province:<code> or school:<code>.")


def _school_year(pattern: str, text: str):
    """A period whose school year is two following years the programme can have lived: 0000-0001 matches
    the pattern but is no date any calendar holds."""
    shape = re.compile(pattern)

    def check(value: str) -> bool:
        if not isinstance(value, str) or not shape.match(value):
            raise ValidationError(text)
        first, second = int(value[:4]), int(value[5:9])
        if not 1900 <= first <= 9000 or second != first + 1:
            raise ValidationError(text + " The second year follows the first.")
        return True

    return check


SCHOOL_YEAR = _school_year(r"^\d{4}-\d{4}$", "A school year such as 2025-2026.")


def _reporting_rule(parse, field):
    """A query field checked by reporting's own parser, so both say the same."""
    def check(value):
        try:
            parse(value)
        except InvalidCommand as exc:
            raise ValidationError(exc.errors[field]) from None
    return check


PERIOD = _reporting_rule(parse_period, "period")
DAY = _reporting_rule(parse_day, "as_of")


class _Query(Schema):
    class Meta:
        unknown = RAISE


class Login(_Query):
    username = fields.String(required=True, validate=validate.Length(min=1, max=80))
    password = fields.String(required=True, validate=validate.Length(min=1, max=200))


class SchoolFilter(_Query):
    school_code = fields.String(validate=CODE, load_default=None)


class AssetQuery(_Query):
    serial = fields.String(validate=validate.Length(min=1, max=100), load_default=None)
    asset_id = fields.String(validate=CODE, load_default=None)


class IndicatorsQuery(_Query):
    scope = fields.String(required=True, validate=SCOPE)
    period = fields.String(required=True, validate=PERIOD)
    as_of = fields.String(load_default=None, validate=DAY,
                          metadata={"description": "YYYY-MM-DD: as things stood at the end of that day"})


class BreakdownQuery(IndicatorsQuery):
    by = fields.String(load_default="school", validate=validate.OneOf(GROUPINGS))


class CompareQuery(IndicatorsQuery):
    with_ = fields.String(required=True, validate=PERIOD, data_key="with",
                          metadata={"description": "The period to compare with"})


class ReportQuery(IndicatorsQuery):
    format = fields.String(load_default="xlsx", validate=validate.OneOf(["xlsx", "csv"]))


class TrainingsQuery(_Query):
    school_year = fields.String(load_default=None, validate=SCHOOL_YEAR)


class ResourcesQuery(_Query):
    status = fields.String(load_default=None, validate=validate.Length(min=1, max=40))


class Problem(Schema):
    type = fields.String()
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String()
    code = fields.String()
    errors = fields.Dict()


class Token(Schema):
    token = fields.String(required=True)
    expires_at = fields.String(required=True)
    user = fields.String(required=True)
    role = fields.String(required=True)
    scope = fields.String(required=True)


# (path, endpoint, query schema, summary)
QUERIES = [
    ("/api/me", "me", None, "Who the token belongs to"),
    ("/api/schools", "schools", None, "Registered schools"),
    ("/api/schools/<school_code>", "school", None, "A school: equipment, faults, resources, visits"),
    ("/api/assets", "asset", AssetQuery, "An asset by serial or id, with its timeline and faults"),
    ("/api/faults", "faults", SchoolFilter, "Open faults (of a school, if given)"),
    ("/api/faults/<fault_id>", "fault", None, "A fault"),
    ("/api/transfers", "transfers", SchoolFilter, "Open transfers"),
    ("/api/transfers/<transfer_id>", "transfer", None, "A transfer"),
    ("/api/audits", "audits", SchoolFilter, "Inventory audit reports"),
    ("/api/resources", "resources", ResourcesQuery, "The resource catalogue"),
    ("/api/dysfunctions", "dysfunctions", SchoolFilter, "Open dysfunctions"),
    ("/api/trainings", "trainings", TrainingsQuery, "Trainings (of a school year, if given)"),
    ("/api/trainings/<training_id>", "training", None, "A training"),
    ("/api/sessions/<session_id>", "session", None, "A training session"),
    ("/api/indicators", "indicators", IndicatorsQuery, "The contract's indicators for a scope and period"),
    ("/api/indicators/compare", "compare", CompareQuery, "The indicators of two periods and their difference"),
    ("/api/indicators/definitions", "definitions", None,
     "What each indicator is: axis, kind, level, unit, labels and definitions in Arabic and French"),
    ("/api/breakdown", "breakdown", BreakdownQuery,
     "Every indicator by school, commune, cycle, setting or province, numerators and denominators included"),
    ("/api/reports", "reports", None, "Reports issued"),
    ("/api/reports/download", "download", ReportQuery, "Issue a report and download it (XLSX or CSV)"),
]
PUBLIC = {"health", "openapi", "login"}


class HttpProblem(Exception):
    def __init__(self, status: int, title: str, detail: str = "", code: str | None = None, errors=None,
                 headers: dict | None = None):
        self.status, self.title, self.detail, self.code, self.errors = status, title, detail, code, errors
        self.headers = headers or {}
        super().__init__(status, title)


def problem(status, title, detail="", code=None, errors=None) -> Response:
    body = {"type": "about:blank", "title": title, "status": status}
    if detail:
        body["detail"] = detail
    if code:
        body["code"] = code
    if errors is not None:
        body["errors"] = errors
    return Response(json.dumps(body, ensure_ascii=False), status=status, mimetype="application/problem+json")


def failure(exc: Exception) -> Response:
    """A service down, slow or failing: said as a problem, and logged."""
    from amqp.exceptions import ChannelError
    from kombu.exceptions import OperationalError
    from nameko.exceptions import RemoteError, UnknownService

    if isinstance(exc, (UnknownService, ChannelError)):
        return problem(503, "A service is not running", str(exc))
    if isinstance(exc, (OperationalError, ConnectionError)):
        return problem(503, "The message broker is out of reach", str(exc))
    if type(exc).__name__ == "GatewayTimeout":
        return problem(504, "A service did not answer", str(exc))
    if isinstance(exc, RemoteError):
        log.error("service failed: %s", exc)
        return problem(502, "A service failed", exc.exc_type or "")
    log.exception("gateway failed")
    return problem(500, "Internal error", type(exc).__name__)


def as_json(value, status=200) -> Response:
    return Response(json.dumps(value, ensure_ascii=False, default=str), status=status, mimetype="application/json")


def current_school_year(today: date | None = None) -> str:
    today = today or date.today()
    start = today.year if today.month >= 9 else today.year - 1
    return f"{start}-{start + 1}"


def _problem_of(exc: Exception, query: bool) -> HttpProblem:
    if isinstance(exc, InvalidCommand):
        return HttpProblem(400, "Invalid request", str(exc), errors=exc.errors)
    if isinstance(exc, CommandRejected):
        if query and exc.code.startswith("unknown_"):
            return HttpProblem(404, "Not found", exc.message, code=exc.code)
        return HttpProblem(409, "Refused", exc.message, code=exc.code)
    if isinstance(exc, ConcurrencyError):
        return HttpProblem(409, "Conflict", str(exc), code="concurrent_change")
    raise exc


def _projections(answer):
    """Every projection status inside a service's health answer (they carry `projection` and `positions`)."""
    if isinstance(answer, dict):
        if "projection" in answer and isinstance(answer.get("positions"), dict):
            yield answer
        for value in answer.values():
            if isinstance(value, dict) and value is not answer:
                yield from (p for p in _projections(value) if p is not answer)


class Api:
    """The API over a `call(service, method, *args)` function that reaches the services."""

    def __init__(self, call, accounts, key: bytes, throttle: LoginThrottle | None = None):
        self.call, self.accounts, self.key = call, accounts, key
        self.throttle = throttle or LoginThrottle()
        self.remembered = Remembered(accounts.engine)
        rules = [Rule("/api/health", endpoint="health", methods=["GET"]),
                 Rule("/api/openapi.json", endpoint="openapi", methods=["GET"]),
                 Rule("/api/login", endpoint="login", methods=["POST"]),
                 Rule("/api/<service>/<command>", endpoint="command", methods=["POST"])]
        rules += [Rule(path, endpoint=endpoint, methods=["GET"]) for path, endpoint, _, _ in QUERIES]
        self.urls = Map(rules)
        self.query_schemas = {endpoint: schema for _, endpoint, schema, _ in QUERIES}
        self._spec = None

    def bound(self, call) -> "Api":
        """The same API reaching the services through `call` (one worker's RPC proxies)."""
        other = copy.copy(self)
        other.call = call
        return other

    # ---- plumbing

    def handle(self, request: Request) -> Response:
        try:
            adapter = self.urls.bind_to_environ(request.environ)
            endpoint, args = adapter.match()
        except NotFound:
            return problem(404, "Not found", f"No resource at {request.path}.")
        except MethodNotAllowed as exc:
            resp = problem(405, "Method not allowed", f"{request.method} is not allowed here.")
            resp.headers["Allow"] = ", ".join(exc.valid_methods or [])
            return resp
        except HTTPException as exc:
            return problem(exc.code or 400, exc.name)
        try:
            user = None
            if endpoint not in PUBLIC:
                user = self.identify(request)
                if user is None:
                    raise HttpProblem(401, "Not signed in", "Send a token from POST /api/login as a Bearer token.")
            return getattr(self, "on_" + endpoint)(request, user, **args)
        except HttpProblem as exc:
            resp = problem(exc.status, exc.title, exc.detail, exc.code, exc.errors)
            resp.headers.update(exc.headers)
            if exc.status == 401:
                resp.headers["WWW-Authenticate"] = 'Bearer realm="genie"'
            return resp
        except Refused as exc:
            return problem(403, "Forbidden", exc.message, code=exc.code)
        except Exception as exc:
            return failure(exc)

    def identify(self, request: Request) -> dict | None:
        header = request.headers.get("Authorization", "")
        if header.lower().startswith("bearer "):
            token = header[7:].strip()
        else:
            token = request.cookies.get(COOKIE)
            # The browser's cookie writes only from our own pages' scripts (a custom header needs CORS).
            if request.method not in ("GET", "HEAD") and request.headers.get("X-Genie-Form") != "1":
                token = None
        claims = read_token(token, self.key) if token else None
        # Role and scope are the account's as it is now; a disabled account's tokens stop working at once.
        return self.accounts.current(claims) if claims else None

    def sign_in(self, username: str, password: str, address: str | None) -> dict | None:
        """The identity for a right password, None for a wrong one; a 429 problem while throttled."""
        try:
            self.throttle.check(username, address)
        except Throttled as exc:
            raise HttpProblem(429, "Too many failed sign-ins", f"Try again in {exc.retry_after} seconds.",
                              code="too_many_failures", headers={"Retry-After": str(exc.retry_after)})
        try:
            identity = self.accounts.authenticate(username, password)
        except Busy:
            raise HttpProblem(503, "Sign-in is busy", "Too many sign-ins at once; try again in a moment.",
                              code="sign_in_busy", headers={"Retry-After": "1"})
        if identity is None:
            self.throttle.failed(username, address)
        else:
            self.throttle.succeeded(username)
        return identity

    def rpc(self, service, method, *args, query=True):
        try:
            return self.call(service, method, *args)
        except (InvalidCommand, CommandRejected, ConcurrencyError) as exc:
            raise _problem_of(exc, query) from None

    def params(self, request: Request, endpoint: str) -> dict:
        return self.query_params(endpoint, request.args.to_dict())

    def query_params(self, endpoint: str, values: dict) -> dict:
        schema = self.query_schemas.get(endpoint)
        if schema is None:
            return {}
        try:
            return schema().load(values)
        except ValidationError as exc:
            raise HttpProblem(400, "Invalid request", "Some query parameters are wrong.", errors=exc.messages)

    @staticmethod
    def body(request: Request):
        raw = request.get_data(cache=True)
        if not raw:
            return {}
        try:
            value = json.loads(raw)
        except (ValueError, UnicodeDecodeError, RecursionError):
            raise HttpProblem(400, "Invalid request", "The body is not JSON.",
                              errors={"_schema": ["The body must be a JSON object."]})
        if not isinstance(value, dict):
            raise HttpProblem(400, "Invalid request", "The body must be a JSON object.",
                              errors={"_schema": ["The body must be a JSON object."]})
        return value

    # ---- public

    def on_health(self, request, user):
        health = self.health()
        if self.identify(request) is None:
            # Up or down for anyone (a load balancer, a probe); what runs and where it stands for users only.
            health = {"status": health["status"]}
        return as_json(health)

    def health(self) -> dict:
        from shared.config import SERVICES

        services, ok = {}, True
        for name in SERVICES:
            try:
                services[name] = self.call(name, "health")
            except Exception as exc:  # a service down is what health reports, not an error of health
                services[name] = {"service": name, "status": "unreachable", "error": type(exc).__name__}
            ok = ok and services[name].get("status") == "ok"
        last = {name: h.get("last_position") for name, h in services.items() if h.get("last_position") is not None}
        projections = []
        for name, answer in services.items():
            for found in _projections(answer):
                lag = {source: last[source] - position for source, position in found["positions"].items()
                       if source in last and isinstance(position, int)}
                projections.append({"service": name, "projection": found["projection"], "positions":
                                    found["positions"], "lag": lag, "stalled": found.get("stalled") or {}})
        return {"status": "ok" if ok else "degraded", "gateway": "ok", "projections": projections,
                "services": services}

    def on_openapi(self, request, user):
        if self._spec is None:
            from .openapi import build

            self._spec = build()
        return as_json(self._spec)

    def on_login(self, request, user):
        try:
            creds = Login().load(self.body(request))
        except ValidationError as exc:
            raise HttpProblem(400, "Invalid request", "Give a username and a password.", errors=exc.messages)
        identity = self.sign_in(creds["username"], creds["password"], request.remote_addr)
        if identity is None:
            raise HttpProblem(401, "Not signed in", "Wrong user name or password, or the account is disabled.")
        token, expires = issue_token(identity, self.key)
        return as_json({"token": token, "expires_at": datetime.fromtimestamp(expires, timezone.utc).isoformat(),
                        "user": identity["user"], "role": identity["role"], "scope": identity["scope"]})

    # ---- commands

    def on_command(self, request, user, service, command):
        route = COMMAND_BY_PATH.get((service, command))
        if route is None:
            raise HttpProblem(404, "Not found", f"No command {service}/{command}.")
        body = self.body(request)
        check_command(user, route.roles, {}, ())  # the role first: a viewer learns nothing from validation
        try:
            route.schema().load(body)
        except ValidationError as exc:
            raise HttpProblem(400, "Invalid request", "Some fields are wrong.", errors=exc.messages)
        except (KeyError, TypeError, AttributeError):
            # A schema's own check that tripped on malformed parts: still the client's input.
            log.warning("%s/%s: the schema failed on a malformed body", service, command, exc_info=True)
            raise HttpProblem(400, "Invalid request", "The command is malformed.",
                              errors={"_schema": ["The command is malformed; check each part's fields."]})
        check_command(user, route.roles, body, route.school_fields)
        key = request.headers.get("Idempotency-Key")
        if key is None:
            return self._run(service, command, body, user, request)
        if not IDEMPOTENCY_KEY.match(key):
            raise HttpProblem(400, "Invalid request", "The Idempotency-Key header is wrong.", errors={
                "Idempotency-Key": ["1 to 200 visible ASCII characters, no spaces."]})
        try:
            first = self.remembered.claim(user["user"], key, fingerprint(f"{service}/{command}", body))
        except KeyConflict as exc:
            raise HttpProblem(409, "Conflict", exc.message, code=exc.code)
        if first is not None:
            status, answer = first
            resp = Response(answer["body"], status=status, mimetype=answer["mimetype"])
            resp.headers["Idempotent-Replayed"] = "true"
            return resp
        try:
            resp = self._run(service, command, body, user, request)
        except HttpProblem as exc:  # the service's own refusal is the answer to every retry
            resp = problem(exc.status, exc.title, exc.detail, exc.code, exc.errors)
        except BaseException:
            self.remembered.forget(user["user"], key)
            raise
        self.remembered.keep(user["user"], key, resp.status_code, resp.mimetype, resp.get_data(as_text=True))
        return resp

    def _run(self, service, command, body, user, request) -> Response:
        meta = {"actor": {"user": user["user"], "role": user["role"]},
                "correlation_id": request.headers.get("X-Correlation-Id") or str(uuid.uuid4())}
        answer = self.rpc(service, command, body, meta, query=False)
        # Most commands answer with the events recorded; a few (file imports) with a summary.
        return as_json({"events": answer} if isinstance(answer, list) else {"result": answer}, status=201)

    # ---- queries

    def _own_school(self, user, params):
        """A school director's lists are their school's."""
        kind, _, code = user["scope"].partition(":")
        if kind == "school":
            if params.get("school_code") not in (None, code):
                raise Refused("outside_scope", f"You read only school {code}.")
            return code
        if kind == "region" and params.get("school_code"):
            self._school_readable(user, params["school_code"])
        return params.get("school_code")

    def _within(self, user, rows, keys=("school_code",)):
        """A regional viewer's lists hold only the schools of their region."""
        kind, _, code = user["scope"].partition(":")
        if kind != "region" or not isinstance(rows, list):
            return rows
        allowed = {s.get("school_code") for s in self.rpc("inventory", "schools") if s.get("region_code") == code}
        return [r for r in rows if isinstance(r, dict) and any(r.get(k) in allowed for k in keys)]

    def _school_readable(self, user, code):
        if not user["scope"].startswith("region:"):
            check_school_read(user, None, code)
            return None
        # A regional viewer learns nothing of other regions: their schools are as unknown as a made-up code.
        hidden = HttpProblem(404, "Not found", f"No school {code} in region {user['scope'][7:]}.",
                             code="unknown_school")
        try:
            school = self.rpc("inventory", "school", code)
            check_school_read(user, school, code)
        except (HttpProblem, Refused):
            raise hidden from None
        return school

    def on_me(self, request, user):
        return as_json(user)

    def on_schools(self, request, user):
        rows = self.rpc("inventory", "schools")
        kind, _, code = user["scope"].partition(":")
        if kind == "school":
            rows = [r for r in rows if r.get("school_code") == code]
        elif kind == "region":
            rows = [r for r in rows if r.get("region_code") == code]
        return as_json(rows)

    def on_school(self, request, user, school_code):
        return as_json(self.school_page(user, school_code))

    def school_page(self, user, school_code) -> dict:
        # A director is refused before asking, a regional viewer told "not found": no hint of other schools.
        school = self._school_readable(user, school_code) or self.rpc("inventory", "school", school_code)
        period = current_school_year()
        return {"school": school,
                "equipment": self.rpc("inventory", "school_equipment", school_code),
                "faults": self.rpc("maintenance", "open_faults", school_code),
                "resources": self.rpc("resources", "school_resources", school_code),
                "visits": self.rpc("inventory", "usage_visits", school_code),
                "indicators": self.rpc("reporting", "indicators", f"school:{school_code}", period)}

    def on_asset(self, request, user):
        return as_json(self.asset(user, self.params(request, "asset")))

    def asset(self, user, params) -> dict:
        if not params.get("serial") and not params.get("asset_id"):
            raise HttpProblem(400, "Invalid request", "Give a serial or an asset id.",
                              errors={"serial": ["Give a serial or an asset_id."]})
        found = self.rpc("inventory", "asset", params.get("asset_id"), params.get("serial"))
        described = found.get("asset") or {}
        school = described.get("school_code")
        kind = user["scope"].partition(":")[0]
        if kind in ("school", "region"):
            if school is None:
                raise Refused("outside_scope", "This asset is at no school of your scope.")
            self._school_readable(user, school)
        found["faults"] = self.rpc("maintenance", "fault_history", described.get("asset_id"))
        return found

    def on_faults(self, request, user):
        school = self._own_school(user, self.params(request, "faults"))
        return as_json(self._within(user, self.rpc("maintenance", "open_faults", school)))

    def _one(self, user, value, what):
        if value is None:
            raise HttpProblem(404, "Not found", f"No such {what}.")
        school = value.get("school_code") if isinstance(value, dict) else None
        if user["scope"].partition(":")[0] in ("school", "region"):
            if school is None:
                raise Refused("outside_scope", f"This {what} is not in your scope.")
            self._school_readable(user, school)
        return as_json(value)

    def on_fault(self, request, user, fault_id):
        return self._one(user, self.rpc("maintenance", "fault", fault_id), "fault")

    def on_transfers(self, request, user):
        school = self._own_school(user, self.params(request, "transfers"))
        return as_json(self._within(user, self.rpc("inventory", "open_transfers", school),
                                    ("from_school", "to_school")))

    def on_transfer(self, request, user, transfer_id):
        found = self.rpc("inventory", "transfer", transfer_id)
        kind, _, code = user["scope"].partition(":")
        if kind == "school" and code not in (found.get("from_school"), found.get("to_school")):
            raise Refused("outside_scope", f"You read only school {code}.")
        if kind == "region" and not self._within(user, [found], ("from_school", "to_school")):
            raise Refused("outside_scope", f"You read only the schools of region {code}.")
        return as_json(found)

    def on_audits(self, request, user):
        school = self._own_school(user, self.params(request, "audits"))
        return as_json(self._within(user, self.rpc("inventory", "audit_reports", school)))

    def on_resources(self, request, user):
        return as_json(self.rpc("resources", "catalogue", self.params(request, "resources")["status"]))

    def on_dysfunctions(self, request, user):
        school = self._own_school(user, self.params(request, "dysfunctions"))
        return as_json(self._within(user, self.rpc("resources", "open_dysfunctions", school)))

    def on_trainings(self, request, user):
        return as_json(self.rpc("training", "trainings", self.params(request, "trainings")["school_year"]))

    def on_training(self, request, user, training_id):
        return self._found(self.rpc("training", "training", training_id), "training")

    def on_session(self, request, user, session_id):
        session = self.rpc("training", "session", session_id)
        if isinstance(session, dict) and isinstance(session.get("participants"), list):
            # A director sees their school's staff, a regional viewer their region's: not other schools' people.
            session["participants"] = self._readable_rows(user, session["participants"])
        return self._found(session, "session")

    def _readable_rows(self, user, rows):
        kind, _, code = user["scope"].partition(":")
        if kind == "school":
            return [r for r in rows if isinstance(r, dict) and r.get("school_code") == code]
        return self._within(user, rows)

    @staticmethod
    def _found(value, what):
        if value is None:
            raise HttpProblem(404, "Not found", f"No such {what}.")
        return as_json(value)

    def _readable_scope(self, user, scope):
        def region_of(code):
            try:
                return self.call("inventory", "school", code).get("region_code")
            except CommandRejected:
                return None

        check_scope_read(user, scope, region_of)

    def indicators(self, user, params) -> dict:
        self._readable_scope(user, params["scope"])
        cut = (params["as_of"],) if params.get("as_of") else ()
        return self.rpc("reporting", "indicators", params["scope"], params["period"], *cut)

    def on_indicators(self, request, user):
        return as_json(self.indicators(user, self.params(request, "indicators")))

    def breakdown(self, user, params) -> dict:
        self._readable_scope(user, params["scope"])
        return self.rpc("reporting", "breakdown", params["scope"], params["period"], params["by"],
                        params.get("as_of"))

    def on_breakdown(self, request, user):
        return as_json(self.breakdown(user, self.params(request, "breakdown")))

    def compare(self, user, params) -> dict:
        self._readable_scope(user, params["scope"])
        return self.rpc("reporting", "compare", params["scope"], params["period"], params["with_"],
                        params.get("as_of"))

    def on_compare(self, request, user):
        return as_json(self.compare(user, self.params(request, "compare")))

    def on_definitions(self, request, user):
        return as_json(self.rpc("reporting", "definitions"))

    def on_reports(self, request, user):
        rows = self.rpc("reporting", "reports")
        if user["scope"] != "all" and not user["scope"].startswith("province:"):
            rows = [r for r in rows if r.get("scope") == user["scope"]]
        return as_json(rows)

    def on_download(self, request, user):
        from services.reporting.exports import WRITERS

        params = self.params(request, "download")
        self._readable_scope(user, params["scope"])
        meta = {"actor": {"user": user["user"], "role": user["role"]}}
        report = self.rpc("reporting", "issue_report", params["scope"], params["period"], meta, params["format"],
                          params.get("as_of"))
        fmt = params["format"]
        fd, path = tempfile.mkstemp(suffix="." + fmt)
        os.close(fd)
        try:
            WRITERS[fmt](report, path)
            with open(path, "rb") as fh:
                content = fh.read()
        finally:
            os.unlink(path)
        mimetype = ("text/csv" if fmt == "csv" else
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        cut = f"-{params['as_of']}" if params.get("as_of") else ""
        name = f"genie-{params['scope'].replace(':', '-')}-{params['period']}{cut}.{fmt}"
        return Response(content, mimetype=mimetype,
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})
