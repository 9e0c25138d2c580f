"""What every command carries besides its own fields, how it is validated, and how it runs."""
from __future__ import annotations

import functools
import time
import uuid
from dataclasses import dataclass
from datetime import datetime

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates

from . import logs, text
from .errors import ConcurrencyError, InvalidCommand
from .events import SYSTEM_ACTOR, Context, now


def _free_text(multiline: bool):
    def check(value):
        why = text.problem(value, multiline) if isinstance(value, str) else None
        if why:
            raise ValidationError(why)

    return check


class _TextRule(Schema):
    """Every text field of a command, however deep, follows shared.text's one rule."""

    class Meta:
        unknown = RAISE

    def on_bind_field(self, field_name, field_obj):
        for field in (field_obj, getattr(field_obj, "inner", None)):
            if isinstance(field, fields.String):
                field.validators = [*field.validators, _free_text(bool(field.metadata.get("multiline")))]


class Part(_TextRule):
    """A part of a command (an item, an observation, a participant): unknown fields refused too."""


class Command(_TextRule):
    """Base of every command schema: unknown fields are refused, by name."""

    # A fact that happened earlier may carry its date; never a future one.
    occurred_at = fields.AwareDateTime(load_default=None, allow_none=True)

    @validates("occurred_at")
    def _not_in_the_future(self, value, **kw):
        if value is not None and value > now():
            raise ValidationError("Must not be in the future.")


class _Meta(Schema):
    class Meta:
        unknown = RAISE

    actor = fields.Dict(keys=fields.String(), values=fields.String(), load_default=None)
    correlation_id = fields.String(load_default=None, validate=validate.Length(min=1, max=200))


def parse(schema: Schema, command) -> dict:
    """The command's fields, or InvalidCommand naming each bad field and its rule."""
    if not isinstance(command, dict):
        raise InvalidCommand({"_schema": ["The command must be a JSON object."]})
    try:
        return schema.load(command)
    except ValidationError as exc:
        raise InvalidCommand(exc.messages) from None


_META = _Meta()


@functools.lru_cache(maxsize=None)
def schema_of(schema: type[Schema]) -> Schema:
    """One instance of a command's schema, made once: making it costs more than a load."""
    return schema()


def context(meta: dict | None, command: dict | None = None) -> Context:
    """The context of a command: who, in which request, and when it happened."""
    meta = parse(_META, meta or {})
    actor = meta["actor"] or dict(SYSTEM_ACTOR)
    if not actor.get("user") or not actor.get("role"):
        raise InvalidCommand({"actor": ["Needs a user and a role."]})
    kwargs = {"actor": actor, "occurred_at": (command or {}).get("occurred_at")}
    if meta["correlation_id"]:
        kwargs["correlation_id"] = meta["correlation_id"]
    ctx = Context(**kwargs)
    logs.correlation_id.set(ctx.correlation_id)  # this worker's logs are about this request
    return ctx


# ---------------------------------------------------------------- running a command
# Every command goes the same way: parse, context, transaction, load, decide, append. A service's
# `handlers.py` holds one short function per command, `handler(cmd, uow)`: it loads through the unit
# of work, asks the domain, and records what the domain decided. The transaction is the runner's.


def new_id() -> str:
    """The id of a new thing a command names none for."""
    return str(uuid.uuid4())


@dataclass
class Loaded:
    """A stream folded into a state, and the version a later append must find."""
    stream: str
    state: object
    version: int


class UnitOfWork:
    """One command's transaction on the service's log, its context, and the service's parts it needs
    (its views, the schools it knows…), given by name."""

    def __init__(self, tx, ctx: Context | None, **parts):
        self.tx = tx
        self.store = tx.store
        self.views = tx.store.views
        self.ctx = ctx
        vars(self).update(parts)

    @property
    def conn(self):
        """The transaction's connection. A decision that reads through it (the read models, not only its
        streams) relies on the whole log staying where it was until the command appends."""
        self.tx.reads_widely()
        return self.tx.conn

    @property
    def at(self) -> datetime:
        """When the command's fact happened: as the user dated it, or now."""
        return (self.ctx.occurred_at if self.ctx else None) or now()

    def load(self, stream: str, evolve, initial) -> Loaded:
        state, version = self.tx.load(stream, evolve, initial)
        return Loaded(stream, state, version)

    def is_new(self, stream: str) -> bool:
        return self.tx.stream_version(stream) == 0

    def record(self, loaded: Loaded, events, ctx: Context | None = None) -> list[dict]:
        """Append what the domain decided after the version `loaded` was read at."""
        events = list(events)
        if not events:
            return []
        recorded = self.tx.append(loaded.stream, loaded.version, events, ctx or self.ctx)
        loaded.version += len(recorded)
        return recorded

    def record_new(self, stream: str, events, ctx: Context | None = None) -> list[dict]:
        """Append to a stream that must not exist yet."""
        return self.record(Loaded(stream, None, 0), events, ctx)


def typed_parts(cmd, name: str, part: type) -> None:
    """For a typed command's `__post_init__`: the runner hands its parts (`name`) over as the schema checked
    them, each one is made a `part` (the domain's dataclass of an item, a participant…)."""
    object.__setattr__(cmd, name, tuple(p if isinstance(p, part) else part(**p) for p in getattr(cmd, name)))


def command(schema: type[Schema], typed: type | None = None):
    """Mark `handler(cmd, uow)` as the handler of the command `schema` validates; with `typed` (a
    dataclass of the domain, a field for each of the schema's but `occurred_at`) the handler gets
    one of those."""
    def mark(handler):
        handler.schema, handler.typed = schema, typed
        return handler
    return mark


def parse_command(handler, command, meta) -> tuple[object, Context]:
    cmd = parse(schema_of(handler.schema), command)
    ctx = context(meta, cmd)
    if handler.typed is None:
        return cmd, ctx
    # When the fact happened is the context's (`uow.at`), not the command's own.
    return handler.typed(**{k: v for k, v in cmd.items() if k != "occurred_at"}), ctx


CONTENDED_SECONDS = (1.0, 30.0)  # how long a command that met a conflict decides under the lock: first, at most


def execute(store, handler, cmd: dict, ctx: Context, unit: type[UnitOfWork] = UnitOfWork, **parts):
    """Run a parsed command's handler in one transaction of `store`: it reads and decides without the
    writer lock; if what it read moved before it appended, it decides once more, under the lock. A command
    that met such a conflict a moment ago decides under the lock from the start: where commands keep crossing
    (one school's stream, a delivery reading the read models) deciding twice costs more than waiting."""
    contended = store.contended
    until, moment = contended.get(handler, (0.0, 0.0))
    if until <= time.monotonic():
        if moment:  # the moment is over: this command tries without the lock, the others still wait for it
            contended[handler] = (time.monotonic() + moment, moment)
        try:
            with store.transaction(deciding=True) as tx:
                answer = handler(cmd, unit(tx, ctx, **parts))
            contended.pop(handler, None)
            return answer
        except ConcurrencyError:
            # Longer each time the conflicts go on, up to half a minute.
            moment = min(2 * moment, CONTENDED_SECONDS[1]) if moment else CONTENDED_SECONDS[0]
            contended[handler] = (time.monotonic() + moment, moment)
    with store.transaction() as tx:
        return handler(cmd, unit(tx, ctx, **parts))


def run(store, handler, command, meta, unit: type[UnitOfWork] = UnitOfWork, **parts):
    """Parse a command and its meta (InvalidCommand naming the field), then run its handler."""
    cmd, ctx = parse_command(handler, command, meta)
    return execute(store, handler, cmd, ctx, unit, **parts)
