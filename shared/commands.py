"""What every command carries besides its own fields, and how it is validated."""
from __future__ import annotations

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates

from . import logs
from .errors import InvalidCommand
from .events import SYSTEM_ACTOR, Context, now


class Command(Schema):
    """Base of every command schema: unknown fields are refused, by name."""

    class Meta:
        unknown = RAISE

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


def context(meta: dict | None, command: dict | None = None) -> Context:
    """The context of a command: who, in which request, and when it happened."""
    meta = parse(_Meta(), meta or {})
    actor = meta["actor"] or dict(SYSTEM_ACTOR)
    if not actor.get("user") or not actor.get("role"):
        raise InvalidCommand({"actor": ["Needs a user and a role."]})
    kwargs = {"actor": actor, "occurred_at": (command or {}).get("occurred_at")}
    if meta["correlation_id"]:
        kwargs["correlation_id"] = meta["correlation_id"]
    ctx = Context(**kwargs)
    logs.correlation_id.set(ctx.correlation_id)  # this worker's logs are about this request
    return ctx
