"""What the gateway answers when something goes wrong: RFC 9457 problem details, with a stable code
for each business rule (`code`) and for each field's broken rule (`codes`), so that a page can say it in
its own language."""
from __future__ import annotations

import json
import logging
import re

from typing import NotRequired

from marshmallow import Schema, fields, validate
from werkzeug.wrappers import Response

from shared.answers import Typed, doc
from shared.errors import CommandRejected, ConcurrencyError, InvalidCommand

log = logging.getLogger("services.gateway")


class HttpProblem(Exception):
    def __init__(self, status: int, title: str, detail: str = "", code: str | None = None, errors=None,
                 headers: dict | None = None):
        self.status, self.title, self.detail, self.code, self.errors = status, title, detail, code, errors
        self.headers = headers or {}
        super().__init__(status, title)


# The messages of marshmallow and of the services' schemas, each to its rule's stable code.
_RULES = [
    (r"^Missing data for required field|^Required (for|when) ", "required"),
    (r"^Field may not be null", "required"),
    (r"^Unknown field", "unknown_field"),
    (r"^Not a valid (integer|number)", "not_a_number"),
    (r"^Not a valid (date|datetime)", "not_a_date"),
    (r"^Not a valid|^Invalid input type|^Invalid type|must be a JSON object", "wrong_type"),
    (r"^Shorter than minimum length 1\.", "required"),
    (r"^(Length must be|Shorter than|Longer than)", "length"),
    (r"^Must be one of", "one_of"),
    (r"^Must be (greater|less) than", "range"),
    (r"^Letters, digits", "code_format"),
    (r"^Must not be blank", "blank"),
    (r"before the school was registered", "before_registration"),
    (r"^Must be inside school year", "outside_school_year"),
    (r"school year|^The second year must follow the first", "school_year"),
    (r"listed more than once| is repeated: see|appears twice|^Appear more than once", "repeated"),
    (r"^Must (be on or after|not be before) ", "before_start"),
    (r"^Give either school_codes", "one_target"),
    (r"^Give school_codes", "no_target"),
    (r"^At most one decimal", "one_decimal"),
    (r"^Must not be in the future", "future"),
    (r"^Not base64|not a (CSV|XLSX)|cannot be read|unreadable|^Not a readable XLSX|not UTF-8", "file_unreadable"),
    (r"file is empty|no line|No line", "file_empty"),
    (r"larger than|unpacks to", "file_too_large"),
    (r"more than \d+ lines", "file_too_long"),
    (r"^Give at least one field", "nothing_to_change"),
    (r"^No asset has serial|^Unknown serial", "unknown_serial"),
    (r"^No open fault on", "no_open_fault"),
    (r"^Nothing of this name", "not_in_list"),
    (r"^No school (of|has) this name", "school_not_named"),
    (r"the fault is not under warranty", "cost_out_of_warranty"),
    (r"(?i)column", "file_columns"),
    (r"already", "duplicate"),
]


def rule_code(message) -> str:
    text = str(message)
    for pattern, code in _RULES:
        if re.search(pattern, text):
            return code
    return "invalid"


def rule_codes(errors):
    """The same shape as marshmallow's `errors`, each message replaced by its rule's code."""
    if isinstance(errors, dict):
        return {str(k): rule_codes(v) for k, v in errors.items()}
    if isinstance(errors, (list, tuple)):
        if all(isinstance(e, str) for e in errors):
            return [rule_code(e) for e in errors]
        return [rule_codes(e) for e in errors]
    return [rule_code(errors)]


class BrokerDown(Exception):
    """The message broker is out of reach, so no service can be asked anything."""


RETRY_AFTER = {"Retry-After": "5"}  # seconds: a broker or a service coming back takes about that


def problem(status, title, detail="", code=None, errors=None, headers=None) -> Response:
    body = {"type": "about:blank", "title": title, "status": status}
    if detail:
        body["detail"] = detail
    if code:
        body["code"] = code
    if errors is not None:
        body["errors"] = errors
        body["codes"] = rule_codes(errors)
    return Response(json.dumps(body, ensure_ascii=False), status=status, mimetype="application/problem+json",
                    headers=headers)


def problem_of(exc: Exception, query: bool) -> HttpProblem:
    """A service's refusal as the HTTP problem it is; anything else is raised again."""
    if isinstance(exc, InvalidCommand):
        return HttpProblem(400, "Invalid request", str(exc), errors=exc.errors)
    if isinstance(exc, CommandRejected):
        if query and exc.code.startswith("unknown_"):
            return HttpProblem(404, "Not found", exc.message, code=exc.code)
        return HttpProblem(409, "Refused", exc.message, code=exc.code)
    if isinstance(exc, ConcurrencyError):
        return HttpProblem(409, "Conflict", str(exc), code="concurrent_change")
    raise exc


def failure_status(exc: Exception) -> tuple[int, str, str]:
    """A service down, slow or failing: (status, title, detail), logged."""
    from amqp.exceptions import ChannelError
    from kombu.exceptions import OperationalError
    from nameko.exceptions import ContainerBeingKilled, RemoteError, UnknownService

    if isinstance(exc, ContainerBeingKilled):
        return 503, "The gateway is starting again", "it answers again in a few seconds"
    if isinstance(exc, (UnknownService, ChannelError)):
        return 503, "A service is not running", str(exc)
    if isinstance(exc, (BrokerDown, OperationalError, ConnectionError)):
        return 503, "The message broker is out of reach", str(exc)
    if type(exc).__name__ == "GatewayTimeout":
        return 504, "A service did not answer", str(exc)
    if isinstance(exc, RemoteError):
        log.error("service failed: %s", exc)
        return 502, "A service failed", exc.exc_type or ""
    log.exception("gateway failed")
    return 500, "Internal error", type(exc).__name__


def failure(exc: Exception) -> Response:
    status, title, detail = failure_status(exc)
    # A part of the system down is worth trying again soon; say when.
    return problem(status, title, detail, headers=RETRY_AFTER if status == 503 else None)


def as_json(value, status=200) -> Response:
    return Response(json.dumps(value, ensure_ascii=False, default=str), status=status, mimetype="application/json")


class Login(Schema):
    username = fields.String(required=True, validate=validate.Length(min=1, max=80))
    password = fields.String(required=True, validate=validate.Length(min=1, max=200))


class Token(Typed):
    token: str
    expires_at: str
    user: str
    role: str
    scope: str


class Problem(Typed):
    type: NotRequired[str]
    title: str
    status: int
    detail: NotRequired[str]
    code: NotRequired[str] = doc("The business rule that refused it (stable)")
    errors: NotRequired[dict] = doc("Each field's broken rules, in words")
    codes: NotRequired[dict] = doc("Each field's broken rules, as stable codes")
