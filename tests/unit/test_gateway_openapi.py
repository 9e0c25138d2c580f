"""/api/openapi.json describes every read's answer with named, typed fields (so that a client generated from
it gets typed answers), and the indicators from reporting's registry."""
import pytest

from services.gateway import api, openapi
from services.reporting.registry import REGISTRY, UNITS


@pytest.fixture(scope="module")
def spec():
    return openapi.build(sorted(api.EXPORTS))


def untyped(spec, schema, where, seen=None) -> list[str]:
    """Where `schema` leaves a value without a type a client could use: an object without properties (a map
    is typed by its values), an array without items, a value without a type or a reference."""
    seen = set() if seen is None else seen
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[1]
        if name in seen:
            return []
        seen.add(name)
        return untyped(spec, spec["components"]["schemas"][name], name, seen)
    for union in ("anyOf", "oneOf", "allOf"):
        if union in schema:
            return [p for i, part in enumerate(schema[union]) for p in untyped(spec, part, f"{where}|{i}", seen)]
    kind = schema.get("type")
    if kind == "array":
        return untyped(spec, schema["items"], f"{where}[]", seen) if schema.get("items") else [f"{where}: array of ?"]
    if kind == "object" or "properties" in schema:
        found = []
        for name, prop in schema.get("properties", {}).items():
            found += untyped(spec, prop, f"{where}.{name}", seen)
        values = schema.get("additionalProperties")
        if isinstance(values, dict) and values:
            found += untyped(spec, values, f"{where}{{}}", seen)
        elif not schema.get("properties"):
            found.append(f"{where}: an object without properties")
        return found
    return [] if kind in ("string", "integer", "number", "boolean") else [f"{where}: no type"]


def test_every_read_answers_a_schema_with_named_and_typed_fields(spec):
    gets = [(path, ops["get"]) for path, ops in spec["paths"].items() if "get" in ops]
    problems = []
    for path, op in gets:
        content = op["responses"]["200"]["content"]
        for mimetype, body in content.items():
            if mimetype != "application/json":
                continue  # files: CSV text and XLSX bytes
            schema = body["schema"]
            target = schema.get("items", schema) if schema.get("type") == "array" else schema
            if "$ref" not in target and not target.get("properties"):
                problems.append(f"{path}: the answer names no fields")
            problems += [f"{path}: {p}" for p in untyped(spec, schema, "answer")]
    assert problems == []
    assert len(gets) >= 40


def test_the_walk_finds_an_untyped_answer():
    spec = {"components": {"schemas": {"A": {"type": "object", "properties": {"x": {"type": "object"},
                                                                            "y": {"type": "array"}}}}}}
    assert untyped(spec, {"$ref": "#/components/schemas/A"}, "answer") == ["A.x: an object without properties",
                                                                          "A.y: array of ?"]
    assert untyped(spec, {"type": "object", "additionalProperties": {"type": "integer"}}, "m") == []
    assert untyped(spec, {}, "v") == ["v: no type"]


def test_an_event_s_fields_are_those_of_an_event_of_the_catalogue(spec):
    from shared.catalogue import registry

    data = spec["components"]["schemas"]["TimelineEntry"]["properties"]["data"]
    assert len(data["anyOf"]) == len(registry.names())
    fault = spec["components"]["schemas"]["EventFaultDeclared"]
    assert set(fault["required"]) == {"fault_id", "asset_id", "school_code", "symptom", "under_warranty"}
    assert spec["components"]["schemas"]["ActivityEntry"]["properties"]["data"]["anyOf"] == data["anyOf"]


def test_every_indicator_of_the_registry_is_described_with_its_unit_and_definition(spec):
    schemas = spec["components"]["schemas"]
    ident = schemas["IndicatorValue"]["properties"]["id"]
    assert ident["enum"] == list(REGISTRY)
    assert schemas["Definition"]["properties"]["id"]["enum"] == list(REGISTRY)
    assert set(schemas["Definition"]["properties"]["unit"]["enum"]) == set(UNITS)
    described = ident["x-indicators"]
    for key, declared in REGISTRY.items():
        assert described[key]["unit"] == declared.unit and described[key]["definition"] == declared.definition
        assert described[key]["unit_label"] == UNITS[declared.unit]
        for lang in ("ar", "fr"):
            assert declared.definition[lang] in ident["description"], (key, lang)
            assert declared.label[lang] in ident["description"], (key, lang)
    assert ident["x-enum-descriptions"] == [d.definition["fr"] for d in REGISTRY.values()]
    # The indicators answered, compared and broken down all name them so.
    ref = "#/components/schemas/IndicatorValue"
    assert schemas["Indicators"]["properties"]["indicators"]["items"]["$ref"] == ref
    assert schemas["BreakdownRow"]["properties"]["indicators"]["items"]["$ref"] == ref
    assert schemas["SchoolPage"]["properties"]["indicators"]["allOf"] == [{"$ref": "#/components/schemas/Indicators"}]
    assert schemas["ComparedIndicator"]["properties"]["id"]["enum"] == list(REGISTRY)

