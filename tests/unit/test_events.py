"""The envelope and the event-type registry, without broker or database."""
import uuid

import pytest
from marshmallow import Schema, fields

from shared.catalogue import registry
from shared.errors import InvalidCommand
from shared.events import Event, InvalidEvent, Registry


def envelope(**over):
    env = {
        "event_id": str(uuid.uuid4()), "event_type": "equipment_assigned", "schema_version": 1,
        "source": "inventory", "position": 1, "stream_id": "asset:A1", "stream_version": 1,
        "province_code": "OED", "occurred_at": "2025-10-01T09:00:00+01:00",
        "recorded_at": "2025-10-01T09:00:01+01:00", "actor": {"user": "u", "role": "coordinator"},
        "correlation_id": "c", "causation_id": None, "data": {"asset_id": "A1", "school_code": "S1"},
    }
    env.update(over)
    return env


def test_catalogue_has_every_contract_event_type():
    # CONTRACT §2 lists 15 + 5 + 11 + 7 event types, and §7.1 adds training_evaluated.
    counts = {s: len(registry.names(s)) for s in ("inventory", "maintenance", "resources", "training")}
    assert counts == {"inventory": 15, "maintenance": 5, "resources": 11, "training": 8}


def test_a_new_event_with_bad_data_is_refused_naming_the_field():
    with pytest.raises(InvalidCommand) as exc:
        registry.check_new("inventory", Event("equipment_received", {
            "asset_id": "A1", "kind": "toaster", "serial": "S", "model": "", "supplier": "X",
            "delivery_ref": "D", "warranty_months": 12, "bundle": "none"}))
    assert "kind" in exc.value.errors["data"]


def test_a_producer_cannot_record_another_source_s_event():
    with pytest.raises(InvalidCommand) as exc:
        registry.check_new("maintenance", Event("equipment_assigned", {"asset_id": "A", "school_code": "S"}))
    assert "event_type" in exc.value.errors


def test_unknown_data_fields_are_refused_when_recording_but_tolerated_when_reading():
    with pytest.raises(InvalidCommand) as exc:
        registry.check_new("inventory", Event("equipment_assigned",
                                              {"asset_id": "A", "school_code": "S", "room": "3"}))
    assert "room" in exc.value.errors["data"]
    env = envelope(data={"asset_id": "A", "school_code": "S", "room": "3"})
    assert registry.read(env)["data"]["room"] == "3"


@pytest.mark.parametrize("field,value", [
    ("event_id", "not-a-uuid"), ("position", 0), ("position", "1"), ("source", "gateway"),
    ("occurred_at", "2025-10-01T09:00:00"), ("actor", {"user": "u"}), ("data", None),
])
def test_a_broken_envelope_is_refused_naming_the_field(field, value):
    with pytest.raises(InvalidEvent) as exc:
        registry.read(envelope(**{field: value}))
    assert field in exc.value.errors


def test_a_missing_envelope_field_is_refused():
    env = envelope()
    del env["correlation_id"]
    with pytest.raises(InvalidEvent) as exc:
        registry.read(env)
    assert "correlation_id" in exc.value.errors


def test_an_unknown_event_type_passes_with_its_envelope_checked():
    env = envelope(event_type="something_new", data={"x": 1})
    assert registry.read(env) == env


def test_a_v1_event_reads_as_v2_through_its_upcaster():
    reg = Registry()

    class V2(Schema):
        asset_id = fields.String(required=True)
        school_code = fields.String(required=True)
        room = fields.String(required=True)

    reg.register("inventory", "equipment_installed", V2, version=2)

    @reg.upcaster("equipment_installed", 1)
    def v1_to_v2(data):
        return dict(data, room="unknown")

    old = envelope(event_type="equipment_installed", data={"asset_id": "A1", "school_code": "S1"})
    new = reg.read(old)
    assert new["schema_version"] == 2
    assert new["data"] == {"asset_id": "A1", "school_code": "S1", "room": "unknown"}
    assert old["schema_version"] == 1  # the stored envelope is not changed


def test_a_version_newer_than_known_or_without_upcaster_is_refused():
    reg = Registry()

    class V3(Schema):
        asset_id = fields.String(required=True)

    reg.register("inventory", "equipment_installed", V3, version=3)
    with pytest.raises(InvalidEvent):
        reg.read(envelope(event_type="equipment_installed", schema_version=4, data={"asset_id": "A"}))
    with pytest.raises(InvalidEvent) as exc:
        reg.read(envelope(event_type="equipment_installed", schema_version=1, data={"asset_id": "A"}))
    assert "upcaster" in str(exc.value.errors)
