"""OpenAPI 3 description of the API, generated from the services' own marshmallow schemas (commands) and
the gateway's (queries and their answers)."""
from __future__ import annotations

import json
import re
from typing import Literal, NotRequired

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from marshmallow import Schema

from shared import catalogue as events
from shared.answers import Answer, Maybe, doc

from .commands import COMMANDS
from .http import Login, Problem, Token
from .queries import QUERIES, Many, ReportQuery

ERRORS = {
    "400": "Bad input: `errors` names each field and the rule it broke, `codes` the rule's stable code",
    "401": "Not signed in, or the token expired",
    "403": "The role or scope does not allow it (`code`)",
    "404": "Not found",
    "409": "A business rule refused it, or a conflict (`code`)",
    "429": "Too many failed sign-ins: wait the seconds in `Retry-After`",
    "503": "Too many sign-ins at once: try again after `Retry-After`",
}
PROBLEM = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
OPENAPI_DOCUMENT = {"application/json": {"schema": {
    "type": "object", "description": "An OpenAPI 3.0 document (https://spec.openapis.org/oas/v3.0.3)",
    "required": ["openapi", "info", "paths"],
    "properties": {"openapi": {"type": "string"}, "info": {"type": "object", "properties": {
        "title": {"type": "string"}, "version": {"type": "string"}, "description": {"type": "string"}}},
        "paths": {"type": "object", "additionalProperties": {"type": "object", "properties": {
            "get": {"type": "object", "properties": {"operationId": {"type": "string"}}},
            "post": {"type": "object", "properties": {"operationId": {"type": "string"}}}}}},
        "components": {"type": "object", "properties": {"schemas": {"type": "object", "additionalProperties": {
            "type": "object", "properties": {"type": {"type": "string"}}}}}}}}}}
FILES = {"text/csv": {"schema": {"type": "string"}},
         "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
             "schema": {"type": "string", "format": "binary"}}}


def _errors(*codes):
    answers = {code: {"description": ERRORS[code], "content": PROBLEM} for code in codes}
    for code in ("429", "503"):
        if code in answers:
            answers[code]["headers"] = {"Retry-After": {"schema": {"type": "integer"}, "description": "Seconds"}}
    return answers


IDEMPOTENCY_KEY = {
    "in": "header", "name": "Idempotency-Key", "required": False,
    "description": "Retry safely: the same key with the same body gets the first answer again for 24 hours; "
                   "with another body, 409.",
    "schema": {"type": "string", "pattern": "^[!-~]{1,200}$"}}


class ServiceHealth(Answer):
    service: str
    status: str = doc("ok; or stalled, degraded, unreachable")
    last_position: Maybe[int] = doc("The last position of its log")
    error: NotRequired[str] = doc("Why it did not answer")


class Stalled(Answer):
    position: int
    error: str


class ProjectionHealth(Answer):
    service: str
    projection: str
    positions: dict[str, int]
    lag: dict[str, int] = doc("Events of each source not read yet")
    stalled: dict[str, Stalled]


class Attention(Answer):
    replacements_to_resolve: int


class Health(Answer):
    """Up or down for anyone; with a token, what runs and where each projection stands."""
    status: Literal["ok", "degraded"]
    gateway: NotRequired[Literal["ok"]]
    broker: NotRequired[Literal["ok", "unreachable"]]
    projections: NotRequired[list[ProjectionHealth]]
    services: NotRequired[dict[str, ServiceHealth]]
    attention: NotRequired[dict[str, Attention]] = doc("What a person must decide, by service")


def _resolver(schema):
    cls = schema if isinstance(schema, type) else type(schema)
    # An event's data is named as the event (`EventFaultDeclared`): a command's parts have the same names.
    return ("Event" if cls.__module__ == events.__name__ else "") + re.sub(r"Schema$", "", cls.__name__)


def _event_data(spec) -> dict:
    """The fields of any event of the catalogue: one of its event types' data, each a component."""
    refs = []
    for name in sorted(events.registry.names()):
        schema = events.registry.get(name).schema
        component = _resolver(schema)
        if component not in spec.components.schemas:
            spec.components.schema(component, schema=schema)
        refs.append({"$ref": f"#/components/schemas/{component}"})
    return {"anyOf": refs}


NULL_OBJECT = {"type": "object", "nullable": True}


def _typed(node, data: dict):
    """Every property marked `x-event-data` (queries.EVENT_DATA) becomes the union of the catalogue's events;
    a nested answer that may be null is that answer or null, not any object (apispec's `anyOf`)."""
    if isinstance(node, dict):
        if node.pop("x-event-data", None):
            node.pop("type", None)
            node.update(data)
        union = node.get("anyOf")
        if isinstance(union, list) and len(union) == 2 and NULL_OBJECT in union:
            node.pop("anyOf")
            node.update(allOf=[u for u in union if u != NULL_OBJECT], nullable=True)
        for value in node.values():
            _typed(value, data)
    elif isinstance(node, list):
        for value in node:
            _typed(value, data)


def _answer(spec, answer) -> dict:
    many = isinstance(answer, tuple) and answer[1] == Many
    schema = answer[0] if many else answer
    if not (isinstance(schema, type) and issubclass(schema, Schema)):
        raise TypeError(f"A read answers a marshmallow schema, not {schema!r}")  # a client needs its fields
    name = _resolver(schema)
    if name not in spec.components.schemas:
        spec.components.schema(name, schema=schema)
    ref = {"$ref": f"#/components/schemas/{name}"}
    return {"type": "array", "items": ref} if many else ref


def build(exports=()) -> dict:
    spec = APISpec(title="GENIE Coordination", version="1.0.0", openapi_version="3.0.3",
                   plugins=[MarshmallowPlugin(schema_name_resolver=_resolver)],
                   info={"description": "Equipment, maintenance, digital resources, training and indicators "
                                        "of a provincial GENIE coordination unit."})
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    spec.components.schema("Problem", schema=Problem)
    spec.components.schema("Token", schema=Token)
    spec.components.schema("Login", schema=Login)
    secured = [{"bearer": []}]

    spec.path("/api/health", operations={"get": {
        "operationId": "health",
        "summary": "Up or down; with a token, every service's health and each projection's lag",
        "responses": {"200": {"description": "Health", "content": {"application/json": {
            "schema": _answer(spec, Health)}}}}}})
    spec.path("/api/openapi.json", operations={"get": {
        "operationId": "openapi", "summary": "This description",
        "responses": {"200": {"description": "OpenAPI 3", "content": OPENAPI_DOCUMENT}}}})
    spec.path("/api/login", operations={"post": {
        "operationId": "login", "summary": "Sign in: a signed token that expires",
        "requestBody": {"required": True, "content": {"application/json": {"schema": "Login"}}},
        "responses": {"200": {"description": "Signed in", "content": {"application/json": {"schema": "Token"}}},
                      **_errors("400", "401", "429", "503")}}})

    for route in COMMANDS:
        name = route.schema.__name__
        if name not in spec.components.schemas:
            spec.components.schema(name, schema=route.schema)
        spec.path(f"/api/{route.service}/{route.name}", operations={"post": {
            "operationId": route.name, "tags": [route.service],
            "summary": route.name.replace("_", " ").capitalize(),
            "description": "Roles: coordinator" + "".join(", " + r for r in route.roles)
                           + (" (school director: own school only)" if route.school_fields else "")
                           + ". Wherever an asset id is asked, its serial may be given instead "
                             "(`serial`, `serials`).",
            "security": secured, "parameters": [IDEMPOTENCY_KEY],
            "requestBody": {"required": True, "content": {"application/json": {"schema": name}}},
            "responses": {"201": {"description": "The events recorded",
                                  "content": {"application/json": {"schema": {
                                      "type": "object", "properties": {
                                          "events": {"type": "array", "items": {"type": "object"}},
                                          "result": {"type": "object"}}}}}},
                          **_errors("400", "401", "403", "409")}}})

    schemas = {endpoint: schema for _, endpoint, schema, *_ in QUERIES}
    for path, endpoint, schema, answer, summary in QUERIES:
        params = re.findall(r"<(\w+)>", path)
        op = {"operationId": endpoint, "summary": summary, "security": secured,
              "parameters": [{"in": "path", "name": p, "required": True,
                              "schema": {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,40}$"}} for p in params],
              "responses": {"200": {"description": summary,
                                    "content": {"application/json": {"schema": _answer(spec, answer)}}},
                            **_errors("400", "401", "403", "404")}}
        if schema is not None:
            op["parameters"].append({"in": "query", "schema": schema})
        spec.path(re.sub(r"<(\w+)>", r"{\1}", path), operations={"get": op})

    for listing in exports:
        path = next(p for p, e, *_ in QUERIES if e == listing)
        op = {"operationId": f"export_{listing}", "summary": f"The same list as {path}, as a file",
              "security": secured,
              "parameters": [{"in": "query", "name": "format", "schema": {"type": "string", "enum": ["csv", "xlsx"]}},
                             {"in": "query", "name": "lang", "schema": {"type": "string", "enum": ["ar", "fr"]}}],
              "responses": {"200": {"description": "The list as a file", "content": FILES},
                            **_errors("400", "401", "403")}}
        if schemas.get(listing) is not None:
            op["parameters"].append({"in": "query", "schema": schemas[listing]})
        spec.path(f"{path}/export", operations={"get": op})

    spec.path("/api/reports/download", operations={"get": {
        "operationId": "download", "summary": "Issue a report and download it (XLSX or CSV)", "security": secured,
        "parameters": [{"in": "query", "schema": ReportQuery}],
        "responses": {"200": {"description": "The report file", "content": FILES},
                      **_errors("400", "401", "403", "404")}}})
    spec.path("/api/reports/{report_id}/file", operations={"get": {
        "operationId": "report_copy", "summary": "An issued report's file as it was issued, made again from the logs",
        "security": secured,
        "parameters": [{"in": "path", "name": "report_id", "required": True, "schema": {"type": "string"}}],
        "responses": {"200": {"description": "The report file, in the format it was issued in", "content": FILES},
                      **_errors("401", "403", "404")}}})
    data = _event_data(spec)
    built = json.loads(json.dumps(spec.to_dict()))  # a copy: apispec keeps its own
    _typed(built, data)
    return built
