"""Structured logs: one JSON object a line, with the service, the correlation id and the event id.

The ids come from the log call's `extra`, or else from the context of the
current worker: a command's correlation id once `shared.commands.context` has
read it, an event's ids while a projector handles it (`bind_event`). Context
variables are per greenthread under eventlet, so workers never see each
other's ids.
"""
from __future__ import annotations

import json
import logging
import os
import sys
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timezone
from typing import TextIO

correlation_id: ContextVar[str | None] = ContextVar("correlation_id", default=None)
event_id: ContextVar[str | None] = ContextVar("event_id", default=None)

# Attributes every LogRecord has; anything else a call passes in `extra` is logged as a field.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime", "taskName"}


def bind_event(envelope: dict) -> None:
    """The rest of this worker's logs are about `envelope`."""
    event_id.set(envelope.get("event_id"))
    correlation_id.set(envelope.get("correlation_id"))


@contextmanager
def bound(correlation: str | None = None, event: str | None = None):
    """Logs inside the block carry these ids."""
    tokens = [correlation_id.set(correlation), event_id.set(event)]
    try:
        yield
    finally:
        event_id.reset(tokens[1])
        correlation_id.reset(tokens[0])


class JsonFormatter(logging.Formatter):
    def __init__(self, service: str | None = None):
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "service": getattr(record, "service", None) or self.service,
            "logger": record.name,
            "message": record.getMessage(),
            "correlation_id": getattr(record, "correlation_id", None) or correlation_id.get(),
            "event_id": getattr(record, "event_id", None) or event_id.get(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and key not in entry:
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class RefusalsAreInfo(logging.Filter):
    """A command refused for a business rule, bad input or a concurrent change is the system working: nameko
    logs it as an error with a traceback ("error handling worker"); here it becomes one INFO line, so that
    ERROR is left for what an operator must look at."""

    def filter(self, record: logging.LogRecord) -> bool:
        from .errors import CommandRejected, ConcurrencyError, InvalidCommand

        exc = record.exc_info[1] if record.exc_info else None
        if not isinstance(exc, (CommandRejected, InvalidCommand, ConcurrencyError)):
            return True
        worker = record.args[0] if isinstance(record.args, tuple) and record.args else None
        method = getattr(getattr(worker, "entrypoint", None), "method_name", None) or "command"
        record.levelno, record.levelname = logging.INFO, "INFO"
        record.msg, record.args = "refused %s: %s: %s", (method, type(exc).__name__, exc)
        record.exc_info = record.exc_text = None
        return logging.getLogger(record.name).isEnabledFor(logging.INFO)


_refusals = RefusalsAreInfo()
logging.getLogger("nameko.containers").addFilter(_refusals)  # adding the same filter twice keeps one


def configure(service: str | None, level: str | None = None, stream: TextIO | None = None) -> logging.Handler:
    """Send every log of this process to `stream` (stderr) as JSON lines, or as text if LOG_FORMAT=text."""
    handler = logging.StreamHandler(stream or sys.stderr)
    if os.environ.get("LOG_FORMAT", "json") == "text":
        handler.setFormatter(logging.Formatter(f"%(asctime)s {service or '-'} %(name)s %(levelname)s %(message)s"))
    else:
        handler.setFormatter(JsonFormatter(service))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level or os.environ.get("LOG_LEVEL", "INFO"))
    return handler
