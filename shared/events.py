"""The event envelope (CONTRACT §1) and the registry of event types.

`Event` is what a domain's `decide` returns: a type, its data and, for a fact
that happened earlier, when. The store wraps it in the full envelope.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Callable

from marshmallow import INCLUDE, RAISE, Schema, ValidationError, fields, validate

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


_envelope_schema = EnvelopeSchema()


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
        errors = kind.strict.validate(event.data)
        if errors:
            raise InvalidCommand({"data": errors})

    def read(self, envelope: dict, check: bool = True) -> dict:
        """Check a received envelope and return it at its type's current version.

        Unknown event types pass with their envelope checked only: a consumer
        ignores what it does not handle. Extra fields are tolerated. `check=False`
        is for events read from a log that checked them when they were appended.
        """
        if check:
            errors = _envelope_schema.validate(envelope)
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
            errors = kind.lenient.validate(data)
            if errors:
                raise InvalidEvent({"data": errors})
        if version != envelope["schema_version"]:
            envelope = dict(envelope, data=data, schema_version=version)
        return envelope
