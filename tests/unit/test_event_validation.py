"""Every event type of the catalogue accepts and refuses exactly what its schema does, with the same words, when a
producer records it and when a consumer reads it: the quick check of valid data never lets through what the schema
refuses, and never refuses what it accepts."""
import math
import uuid

import pytest
from marshmallow import ValidationError, fields, missing

from shared.catalogue import registry
from shared.errors import InvalidCommand
from shared.events import Event, InvalidEvent

VALUES = [None, "", "x", "A-1", "2025-2026", "2025-09-01", "2026-01-01T10:00:00+01:00", b"x", 0, 1, -1, 3, 4.2, 4.25,
          1.5, 7.0, 10 ** 400, math.inf, math.nan, True, False, [], ["x"], [""], [1], {}, {"x": 1}, [{}], ("x",),
          [{"asset_id": "A1", "status": "in_use"}], [{"asset_id": "A1", "status": "present"}],
          [{"resource_id": "R1", "decision": "approved", "remarks": ""}], [{"asset_id": "A1", "status": "lost"}]]
VALUES += [choice for name in registry.names() for f in registry.get(name).strict.fields.values()
           for v in f.validators if hasattr(v, "choices") for choice in v.choices]


def _accepts(field, value):
    try:
        field.deserialize(value)
        return True
    except (ValidationError, TypeError, ValueError, OverflowError):
        return False


def samples(name):
    """Data of the type's fields, each first valid then given every value in turn; an unknown field; no dict."""
    schema = registry.get(name).strict
    valid = {}
    for key, f in schema.load_fields.items():
        valid[key] = next((v for v in VALUES if v is not None and _accepts(f, v)), "x")
    yield valid
    for key in valid:
        yield {k: v for k, v in valid.items() if k != key}
        for value in VALUES:
            yield dict(valid, **{key: value})
    yield dict(valid, unexpected="x")
    yield [valid]
    yield "x"


def _refusal(call):
    try:
        call()
    except (InvalidCommand, InvalidEvent) as exc:
        return exc.errors
    return None


@pytest.mark.parametrize("name", registry.names())
def test_a_new_event_is_refused_as_its_schema_refuses_it(name):
    kind = registry.get(name)
    accepted = 0
    for data in samples(name):
        expected = kind.strict.validate(data)
        got = _refusal(lambda: registry.check_new(kind.source, Event(name, data)))
        assert got == ({"data": expected} if expected else None), data
        accepted += not expected
    assert accepted > 1  # the samples reach valid data, not only refusals


@pytest.mark.parametrize("name", registry.names())
def test_a_received_event_is_refused_as_its_schemas_refuse_it(name):
    kind = registry.get(name)
    envelope = {"event_id": str(uuid.uuid4()), "event_type": name, "schema_version": kind.version,
                "source": kind.source, "position": 1, "stream_id": "s:1", "stream_version": 1,
                "province_code": "OED", "occurred_at": "2026-01-01T10:00:00+01:00",
                "recorded_at": "2026-01-01T10:00:00+01:00", "actor": {"user": "u", "role": "r"},
                "correlation_id": "c", "causation_id": None}
    for data in samples(name):
        if not isinstance(data, dict):
            continue
        expected = kind.lenient.validate(data)
        got = _refusal(lambda: registry.read(dict(envelope, data=data)))
        assert got == ({"data": expected} if expected else None), data


def test_a_received_envelope_is_refused_as_the_envelope_schema_refuses_it():
    from shared.events import _envelope_schema
    valid = {"event_id": str(uuid.uuid4()), "event_type": "unknown_here", "schema_version": 1,
             "source": "inventory", "position": 1, "stream_id": "s:1", "stream_version": 1, "province_code": "OED",
             "occurred_at": "2026-01-01T10:00:00+01:00", "recorded_at": "2026-01-01T10:00:00+01:00",
             "actor": {"user": "u", "role": "r"}, "correlation_id": "c", "causation_id": None, "data": {}}
    odd = [{"user": "u"}, {"user": "u", "role": "r", "team": "t"}, {"user": "", "role": "r"}, {"user": 1, "role": "r"},
           "2026-01-01T10:00:00", "not a date", "not-a-uuid", str(uuid.uuid4()).upper(), "Bad_Type", "nowhere"]
    for key in valid:
        for value in VALUES + odd + [missing]:
            envelope = dict(valid, **{key: value})
            if value is missing:
                del envelope[key]
            expected = _envelope_schema.validate(envelope)
            got = _refusal(lambda: registry.read(envelope))
            assert got == (expected or None), envelope
    assert isinstance(_envelope_schema.fields["actor"], fields.Nested)


def test_a_schema_s_own_checks_still_refuse_an_event():
    from marshmallow import Schema, validates_schema

    from shared.events import Registry

    class Span(Schema):
        start = fields.Integer(required=True)
        end = fields.Integer(required=True)

        @validates_schema
        def ends_after_start(self, data, **kwargs):
            if data["end"] < data["start"]:
                raise ValidationError("Ends before it starts.", "end")

    class Planned(Schema):
        span = fields.Nested(Span, required=True)

    types = Registry()
    types.register("inventory", "span_set", Span)
    types.register("inventory", "planned", Planned)
    types.check_new("inventory", Event("span_set", {"start": 1, "end": 2}))
    with pytest.raises(InvalidCommand) as exc:
        types.check_new("inventory", Event("span_set", {"start": 2, "end": 1}))
    assert exc.value.errors == {"data": {"end": ["Ends before it starts."]}}
    types.check_new("inventory", Event("planned", {"span": {"start": 1, "end": 2}}))
    with pytest.raises(InvalidCommand) as exc:
        types.check_new("inventory", Event("planned", {"span": {"start": 2, "end": 1}}))
    assert exc.value.errors == {"data": {"span": {"end": ["Ends before it starts."]}}}
