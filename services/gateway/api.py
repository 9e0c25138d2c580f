"""The HTTP API: every service's commands and queries, checked against the user's role and scope.

Commands are `POST /api/<service>/<command>` with the command's JSON body, validated by the service's
own marshmallow schema; queries are `GET` resources (see `queries.QUERIES`). Errors are RFC 9457 problem
details (see `http`).
"""
from __future__ import annotations

import base64
import copy
import json
from datetime import datetime, timezone

from marshmallow import ValidationError
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from shared.config import READING_TIERS, tier
from shared.errors import CommandRejected, ConcurrencyError, InvalidCommand

from . import commands, exports, openapi
from .access import Refused
from .accounts import issue_token, read_token
from .idempotency import KEY as IDEMPOTENCY_KEY
from .idempotency import KeyConflict, Remembered, fingerprint
from .passwords import Busy
from .throttle import LoginThrottle, Throttled
from .commands import COMMAND_BY_PATH, COMMANDS  # noqa: F401  (the API's table of commands)
from .http import BrokerDown, HttpProblem, Login, Problem, Token, as_json, failure, problem, problem_of  # noqa: F401
from .queries import QUERIES, Queries, ReportQuery, current_school_year  # noqa: F401

COOKIE = "genie_token"
PUBLIC = {"health", "openapi", "login"}
EXPORTS = {"equipment", "schools", "deliveries", "faults", "overdue_faults", "warranty_expiring", "transfers",
           "audits", "activity"}


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
                 Rule("/api/reports/download", endpoint="download", methods=["GET"]),
                 Rule("/api/reports/<report_id>/file", endpoint="report_copy", methods=["GET"]),
                 Rule("/api/<service>/<command>", endpoint="command", methods=["POST"])]
        rules += [Rule(path, endpoint=endpoint, methods=["GET"]) for path, endpoint, *_ in QUERIES]
        rules += [Rule(path + "/export", endpoint="export", methods=["GET"], defaults={"listing": endpoint})
                  for path, endpoint, *_ in QUERIES if endpoint in EXPORTS]
        self.urls = Map(rules)
        self.query_schemas = {endpoint: schema for _, endpoint, schema, *_ in QUERIES}
        self.query_schemas["download"] = ReportQuery
        self.queries = Queries(self.rpc, self._plain_call)
        self._spec = None

    def _plain_call(self, *args):
        return self.call(*args)

    def bound(self, call) -> "Api":
        """The same API reaching the services through `call` (one worker's RPC proxies)."""
        other = copy.copy(self)
        other.call = call
        other.queries = Queries(other.rpc, other._plain_call, one_request=True)
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
            handler = getattr(self, "on_" + endpoint, None)
            if handler is None:
                return as_json(getattr(self.queries, endpoint)(user, self.params(request, endpoint), **args))
            return handler(request, user, **args)
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
            raise problem_of(exc, query) from None

    def params(self, request: Request, endpoint: str) -> dict:
        values = request.args.to_dict()
        if endpoint in EXPORTS:
            values.pop("format", None), values.pop("lang", None)
        return self.query_params(endpoint, values)

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

    # ---- what pages read through the API object

    def indicators(self, user, params) -> dict:
        return self.queries.indicators(user, params)

    def school_page(self, user, school_code) -> dict:
        return self.queries.school(user, {}, school_code)

    def asset(self, user, params) -> dict:
        return self.queries.asset(user, params)

    # ---- public

    def on_health(self, request, user):
        health = self.health()
        if self.identify(request) is None:
            # Up or down for anyone (a load balancer, a probe); what runs and where it stands for users only.
            health = {"status": health["status"]}
        return as_json(health)

    def health(self) -> dict:
        from shared.config import READING_SERVICES, READING_TIERS, SERVICES, tier

        services, ok, broker = {}, True, "ok"
        running = SERVICES if tier() not in READING_TIERS else [s for s in SERVICES if s in READING_SERVICES]
        for name in running:
            try:
                services[name] = self.call(name, "health")
            except Exception as exc:  # a service down is what health reports, not an error of health
                services[name] = {"service": name, "status": "unreachable", "error": type(exc).__name__}
                if isinstance(exc, BrokerDown):
                    broker = "unreachable"
            ok = ok and services[name].get("status") == "ok"
        last = {name: h.get("last_position") for name, h in services.items() if h.get("last_position") is not None}
        projections = []
        for name, answer in services.items():
            for found in _projections(answer):
                lag = {source: last[source] - position for source, position in found["positions"].items()
                       if source in last and isinstance(position, int)}
                projections.append({"service": name, "projection": found["projection"], "positions":
                                    found["positions"], "lag": lag, "stalled": found.get("stalled") or {}})
        # What a person must decide (the system itself is fine): said apart from up or down.
        attention = {name: {"replacements_to_resolve": h["replacements_to_resolve"]}
                     for name, h in services.items() if h.get("replacements_to_resolve")}
        return {"status": "ok" if ok else "degraded", "gateway": "ok", "broker": broker,
                "projections": projections, "services": services, "attention": attention}

    def on_openapi(self, request, user):
        if self._spec is None:
            self._spec = openapi.build(sorted(EXPORTS))
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
        route = commands.route_of(service, command)
        sent = self.body(request)
        body = commands.prepare(self.rpc, user, route, sent)
        key = request.headers.get("Idempotency-Key")
        if key is None:
            return self._run(route, body, user, request)
        if not IDEMPOTENCY_KEY.match(key):
            raise HttpProblem(400, "Invalid request", "The Idempotency-Key header is wrong.", errors={
                "Idempotency-Key": ["1 to 200 visible ASCII characters, no spaces."]})
        try:
            first = self.remembered.claim(user["user"], key, fingerprint(f"{service}/{command}", sent))
        except KeyConflict as exc:
            raise HttpProblem(409, "Conflict", exc.message, code=exc.code)
        if first is not None:
            status, answer = first
            resp = Response(answer["body"], status=status, mimetype=answer["mimetype"])
            resp.headers["Idempotent-Replayed"] = "true"
            return resp
        try:
            resp = self._run(route, body, user, request)
        except HttpProblem as exc:  # the service's own refusal is the answer to every retry
            resp = problem(exc.status, exc.title, exc.detail, exc.code, exc.errors)
        except BaseException:
            self.remembered.forget(user["user"], key)
            raise
        self.remembered.keep(user["user"], key, resp.status_code, resp.mimetype, resp.get_data(as_text=True))
        return resp

    def _run(self, route, body, user, request) -> Response:
        answer = commands.send(self.rpc, user, route, body, request.headers.get("X-Correlation-Id"))
        # Most commands answer with the events recorded; a few (file imports) with a summary.
        return as_json({"events": answer} if isinstance(answer, list) else {"result": answer}, status=201)

    def on_activity(self, request, user):
        return as_json(self.queries.activity(user, self.params(request, "activity"), request.args.get("lang")))

    # ---- files

    def on_export(self, request, user, listing):
        fmt = request.args.get("format", "csv")
        if fmt not in ("csv", "xlsx"):
            raise HttpProblem(400, "Invalid request", "The format is csv or xlsx.",
                              errors={"format": ["Must be one of: csv, xlsx."]})
        lang = request.args.get("lang") if request.args.get("lang") in ("ar", "fr") else "fr"
        params = self.params(request, listing)
        if listing == "equipment":
            params = dict(params, per_page=0, page=1)
        if listing == "activity":
            from .activity import EXPORT_MOST, lines

            rows = lines(self.queries.activity(user, dict(params, page=1, per_page=EXPORT_MOST), lang), lang)
        else:
            rows = getattr(self.queries, listing)(user, params)
        if listing == "equipment":
            rows = rows["items"]
        # Above the provinces the log holds every province's actions: each says whose.
        columns = "activity_by_province" if listing == "activity" and tier() in READING_TIERS else None
        content, mimetype = exports.table(listing, rows, fmt, lang, columns)
        return Response(content, mimetype=mimetype, headers={
            "Content-Disposition": f'attachment; filename="genie-{listing}.{fmt}"'})

    def on_report_copy(self, request, user, report_id):
        answer = self.queries.report_copy(user, report_id)
        return Response(base64.b64decode(answer["content_base64"]), mimetype=answer["mimetype"],
                        headers={"Content-Disposition": f'attachment; filename="{answer["filename"]}"'})

    def on_download(self, request, user):
        params = self.params(request, "download")
        self.queries.readable_scope(user, params["scope"])
        meta = {"actor": {"user": user["user"], "role": user["role"]}}
        answer = self.rpc("reporting", "report_file", params["scope"], params["period"], meta, params["format"],
                          params.get("as_of"))
        return Response(base64.b64decode(answer["content_base64"]), mimetype=answer["mimetype"],
                        headers={"Content-Disposition": f'attachment; filename="{answer["filename"]}"'})
