"""The event envelope (CONTRACT §1) and the registry of event types.

`Event` is what a domain's `decide` returns: a type, its data and, for a fact
that happened earlier, when. The store wraps it in the full envelope.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable

from marshmallow import EXCLUDE, INCLUDE, RAISE, Schema, ValidationError, fields, missing, validate

from .config import SOURCES
from .errors import InvalidCommand

SYSTEM_ACTOR = {"user": "system", "role": "system"}


@dataclass(frozen=True)
class Event:
    type: str
    data: dict
    occurred_at: datetime | None = None


@dataclass(frozen=True)
class Context:
    """Who asks, within which request; shared by every event a command records."""

    actor: dict = field(default_factory=lambda: dict(SYSTEM_ACTOR))
    correlation_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    causation_id: str | None = None
    occurred_at: datetime | None = None

    @classmethod
    def caused_by(cls, envelope: dict) -> "Context":
        """The context of a reaction to `envelope`: same workflow, done by the system."""
        return cls(actor=dict(SYSTEM_ACTOR), correlation_id=envelope["correlation_id"],
                   causation_id=envelope["event_id"])


def stream(kind: str) -> Callable[..., str]:
    """How the aggregates of one kind name their streams: `stream("school")("S1")` is `school:S1`; an
    aggregate known by several ids (a resource's use at a school) gives them in order."""
    def stream_of(*ids: str) -> str:
        return ":".join((kind, *ids))
    stream_of.__name__ = f"{kind}_stream"
    return stream_of


def now() -> datetime:
    return datetime.now(timezone.utc)


def parse_instant(value: str, field_name: str = "occurred_at") -> datetime:
    """An ISO 8601 instant that must carry its UTC offset."""
    try:
        instant = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        raise InvalidCommand({field_name: ["Not an ISO 8601 date-time."]})
    if instant.tzinfo is None:
        raise InvalidCommand({field_name: ["Must include a UTC offset, e.g. +01:00."]})
    return instant


class IsoInstant(fields.String):
    """An ISO 8601 date-time with offset, kept as the string it was given."""

    def _deserialize(self, value, attr, data, **kwargs):
        value = super()._deserialize(value, attr, data, **kwargs)
        try:
            if datetime.fromisoformat(value).tzinfo is None:
                raise ValidationError("Must include a UTC offset.")
        except ValueError:
            raise ValidationError("Not an ISO 8601 date-time.")
        return value


class ActorSchema(Schema):
    class Meta:
        unknown = INCLUDE

    user = fields.String(required=True, validate=validate.Length(min=1))
    role = fields.String(required=True, validate=validate.Length(min=1))


class EnvelopeSchema(Schema):
    """The shape every event has on the bus and in the log."""

    class Meta:
        unknown = INCLUDE  # fields may be added to the envelope later

    event_id = fields.UUID(required=True)
    event_type = fields.String(required=True, validate=validate.Regexp(r"^[a-z][a-z0-9_]*$"))
    schema_version = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    source = fields.String(required=True, validate=validate.OneOf(SOURCES))
    position = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    stream_id = fields.String(required=True, validate=validate.Length(min=1))
    stream_version = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    province_code = fields.String(required=True, validate=validate.Length(min=1))
    occurred_at = IsoInstant(required=True)
    recorded_at = IsoInstant(required=True)
    actor = fields.Nested(ActorSchema, required=True)
    correlation_id = fields.String(required=True)
    causation_id = fields.String(required=True, allow_none=True)
    data = fields.Dict(required=True)


def surely_valid(schema: Schema, unknown: str | None = None) -> Callable[[Any], bool] | None:
    """A quick yes for data that `schema` accepts: each field checks its value as it does within the schema,
    without the schema's bookkeeping around them (most of the cost of validating an event of a few fields).
    False means "not sure": the schema itself then decides, and names the fields and the rules broken. None
    for a schema with steps of its own (pre_load, @validates, @validates_schema …): only the schema runs those.
    `unknown` is the schema's own unless given (as a Nested field gives it).
    """
    unknown = schema.unknown if unknown is None else unknown
    hooks = getattr(schema, "_hooks", None)
    if hooks is None or any(hooks.values()) or schema.many or schema.partial:
        return None
    if unknown not in (RAISE, INCLUDE, EXCLUDE):
        return None
    checks = []  # (key in the data, field, how it checks a value given)
    for name, f in schema.load_fields.items():
        key = f.data_key if f.data_key is not None else name
        checks.append((key, f, _value_check(f)))
    known = frozenset(key for key, _, _ in checks)
    refuse_unknown = unknown == RAISE

    def passes(data) -> bool:
        if type(data) is not dict or (refuse_unknown and not known.issuperset(data)):
            return False
        try:
            for key, f, check in checks:
                value = data.get(key, missing)
                if value is missing or value is None:
                    f.deserialize(value, key, data)  # required, allow_none, load_default: as the field says
                elif not check(value, key, data):
                    return False
        except ValidationError:
            return False
        return True

    return passes


_PLAIN_FIELD = (fields.Field.deserialize, fields.Field._validate, fields.Field._validate_missing)


def _value_check(f: fields.Field) -> Callable[[Any, str, dict], bool]:
    """How `f` checks a value that is there (neither missing nor None): True, False (not sure), or the
    ValidationError the field raises."""
    kind = type(f)
    if (kind.deserialize, kind._validate, kind._validate_missing) != _PLAIN_FIELD:
        def whole(value, key, data):  # a field that checks in its own way: all of it
            f.deserialize(value, key, data)
            return True
        return whole
    validators = f.validators
    if kind is fields.Nested and not validators and not f.many:
        try:
            nested = f.schema
        except Exception:  # named by a schema not defined yet: the field finds it when it first checks a value
            nested = None
        inner = surely_valid(nested, f.unknown) if nested is not None and not nested.many else None
        if inner is not None:
            return lambda value, key, data: inner(value)  # no validators of its own: its schema says
    plain_text = kind is fields.String

    def each(value, key, data):
        # Field.deserialize of a value that is there: the value as the field reads it, through the
        # field's validators (a validator returning False is left to the schema to word).
        output = value if plain_text and type(value) is str else f._deserialize(value, key, data)
        for validator in validators:
            if validator(output) is False:
                return False
        return True
    return each


def _validate(schema: Schema, quick: Callable[[Any], bool] | None, data) -> dict:
    """The errors of `data` against `schema` (empty when it passes), as `schema.validate` gives them."""
    if quick is not None and quick(data):
        return {}
    return schema.validate(data)


_envelope_schema = EnvelopeSchema()
_envelope_quick = surely_valid(_envelope_schema)


class InvalidEvent(ValueError):
    """An event that does not match the envelope or its type's schema."""

    def __init__(self, errors: dict):
        self.errors = errors
        super().__init__(errors)


@dataclass
class EventType:
    name: str
    source: str
    version: int
    schema: type[Schema]
    # from_version -> function turning data of that version into the next one
    upcasters: dict[int, Callable[[dict], dict]] = field(default_factory=dict)

    def __post_init__(self):
        # Schema instances are costly to make and safe to reuse.
        self.strict = self.schema(unknown=RAISE)  # what a producer may record
        self.lenient = self.schema(unknown=INCLUDE)  # what a consumer accepts
        self.strict_quick = surely_valid(self.strict)
        self.lenient_quick = surely_valid(self.lenient)


class Registry:
    """Every event type the system knows: its schema and how to read its old versions."""

    def __init__(self):
        self._types: dict[str, EventType] = {}

    def register(self, source: str, name: str, schema: type[Schema], version: int = 1) -> None:
        if name in self._types:
            raise ValueError(f"event type {name} is registered twice")
        self._types[name] = EventType(name, source, version, schema)

    def upcaster(self, name: str, from_version: int):
        """Decorate `f(data) -> data` that reads version `from_version` as the next one."""

        def decorate(f):
            self._types[name].upcasters[from_version] = f
            return f

        return decorate

    def __contains__(self, name: str) -> bool:
        return name in self._types

    def get(self, name: str) -> EventType:
        return self._types[name]

    def names(self, source: str | None = None) -> list[str]:
        return [t.name for t in self._types.values() if source is None or t.source == source]

    def check_new(self, source: str, event: Event) -> None:
        """Refuse, naming the field, an event a producer is about to record."""
        kind = self._types.get(event.type)
        if kind is None or kind.source != source:
            raise InvalidCommand({"event_type": [f"{event.type} is not an event of {source}."]})
        errors = _validate(kind.strict, kind.strict_quick, event.data)
        if errors:
            raise InvalidCommand({"data": errors})

    def read(self, envelope: dict, check: bool = True) -> dict:
        """Check a received envelope and return it at its type's current version.

        Unknown event types pass with their envelope checked only: a consumer
        ignores what it does not handle. Extra fields are tolerated. `check=False`
        is for events read from a log that checked them when they were appended.
        """
        if check:
            errors = _validate(_envelope_schema, _envelope_quick, envelope)
            if errors:
                raise InvalidEvent(errors)
        kind = self._types.get(envelope["event_type"])
        if kind is None:
            return envelope
        version = envelope["schema_version"]
        if version > kind.version:
            raise InvalidEvent({"schema_version": [f"{version} is newer than {kind.version}, the newest known."]})
        data = envelope["data"]
        while version < kind.version:
            upcast = kind.upcasters.get(version)
            if upcast is None:
                raise InvalidEvent({"schema_version": [f"no upcaster from version {version} of {kind.name}."]})
            data = upcast(dict(data))
            version += 1
        if check:
            errors = _validate(kind.lenient, kind.lenient_quick, data)
            if errors:
                raise InvalidEvent({"data": errors})
        if version != envelope["schema_version"]:
            envelope = dict(envelope, data=data, schema_version=version)
        return envelope
