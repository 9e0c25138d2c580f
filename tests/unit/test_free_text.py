"""One rule for the free text of every command: no control or direction characters, no text of white space only,
line breaks only where a text may have lines; each refusal names its field."""
import pytest
from marshmallow import fields, validate

from services.gateway.api import COMMANDS
from services.inventory import imports
from shared import text
from shared.commands import Part
from tests.unit.test_inventory_imports import csv_bytes

BAD = {"vertical tab": "École\x0bAl Amal", "NUL": "a\x00b", "C1 next line": "a\x85b", "DEL": "a\x7fb",
       "escape": "\x1b[31m", "right-to-left override": "abc\u202edef", "left-to-right embedding": "\u202aabc",
       "first strong isolate": "a\u2068b", "pop isolate": "a\u2069", "only spaces": "   ", "only a tab": "\t"}


def free_text_fields(schema, path=()):
    """(path, field) of every String field that takes any text (no pattern, no list of choices), however deep."""
    for name, field in schema.fields.items():
        inner = field.inner if isinstance(field, fields.List) else field
        if isinstance(inner, fields.Nested):
            yield from free_text_fields(inner.schema, path + ((name, isinstance(field, fields.List)),))
        elif isinstance(inner, fields.String) and not any(
                isinstance(v, (validate.Regexp, validate.OneOf)) for v in inner.validators):
            if name != "content_base64":
                yield path + ((name, isinstance(field, fields.List)),), inner


def body_with(path, value):
    (name, many), rest = path[0], path[1:]
    inner = body_with(rest, value) if rest else value
    return {name: [inner] if many else inner}


def error_at(errors, path):
    for name, many in path:
        errors = errors[name]
        if many:
            errors = errors[0]
    return errors


FIELDS = [(f"{route.service}/{route.name}:{'.'.join(n for n, _ in path)}", route.schema, path, field)
          for route in COMMANDS for path, field in free_text_fields(route.schema())]


def test_the_rule_finds_the_free_text_of_every_command():
    names = {case[0] for case in FIELDS}
    for expected in ("inventory/register_school:name_fr", "maintenance/declare_fault:symptom",
                     "inventory/record_usage_visit:notes", "inventory/receive_delivery:items.model",
                     "resources/hold_validation_committee:decisions.remarks", "training/invite_participants:"
                     "participants.name", "resources/receive_resource:levels", "training/cancel_session:reason"):
        assert expected in names, sorted(names)
    assert len(FIELDS) >= 40


@pytest.mark.parametrize("what", sorted(BAD))
@pytest.mark.parametrize("name,schema,path,field", FIELDS, ids=[case[0] for case in FIELDS])
def test_every_free_text_field_refuses_what_the_rule_refuses(name, schema, path, field, what):
    errors = schema().validate(body_with(path, BAD[what]))
    messages = error_at(errors, path)
    assert any("control or direction" in m or "white space" in m for m in messages), (name, messages)


@pytest.mark.parametrize("name,schema,path,field", FIELDS, ids=[case[0] for case in FIELDS])
def test_line_breaks_only_where_a_text_may_have_lines(name, schema, path, field):
    errors = schema().validate(body_with(path, "première ligne\nseconde ligne\tavec tabulation"))
    try:
        messages = error_at(errors, path)
    except (KeyError, IndexError, TypeError):
        messages = []
    if field.metadata.get("multiline"):
        assert not [m for m in messages if "line" in m or "control" in m], (name, messages)
    else:
        assert any("one line" in m for m in messages), (name, messages)


def test_text_in_any_script_with_tabs_is_accepted():
    for value in ("مدرسة الأمل", "École Al Amal", "ⵜⴰⵎⴰⵣⵉⵖⵜ", "HP 250\tG8", "«Lycée» – 2ᵉ", "😀"):
        assert text.problem(value) is None, value
    assert text.problem("ligne 1\r\nligne 2", multiline=True) is None
    assert "carriage return" in text.problem("a\rb", multiline=True)


def test_every_part_of_a_command_follows_the_rule():
    from services.inventory.schemas import DeliveryItem, Finding, Observation
    from services.resources.schemas import CommitteeDecision

    for part in (DeliveryItem, Finding, Observation, CommitteeDecision):
        assert issubclass(part, Part)


def test_a_school_list_with_a_soft_line_break_is_refused_naming_the_line_and_field():
    raw = csv_bytes("school_code,name_ar,name_fr,cycle,setting,commune,region_code\n"
                    "OED001,مدرسة,École Al Wahda,primary,urban,Dakhla,DOE\n"
                    "OED002,مدرسة,École\x0bAl Amal,primary,rural,Dakhla,DOE\n")
    header, rows = imports.read_table(raw, "csv")
    schools, errors = imports.school_rows(header, rows)
    assert [line for line, _, _ in schools] == [2]
    assert list(errors) == [3] and "U+000B" in errors[3]["name_fr"][0]


def test_exports_clean_older_text_and_disarm_formulas():
    assert text.clean("École\x0bAl\u202e Amal\x00") == "ÉcoleAl Amal"
    assert text.clean_all({"a": ["x\x0b", {"b": "\u2066y"}], "n": 3}) == {"a": ["x", {"b": "y"}], "n": 3}
    for value in ("=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1"):
        assert text.csv_cell(value) == "'" + value
    assert text.csv_cell(-1) == -1 and text.csv_cell("École") == "École" and text.csv_cell(None) is None


def test_a_convocation_list_written_from_an_older_log_has_no_formula_and_no_control_character():
    import csv
    import io

    from services.training import documents
    from tests.unit.test_training_documents import PARTICIPANTS, SCHOOLS, SESSION

    odd = [dict(PARTICIPANTS[0], name="=HYPERLINK(\"http://evil.example\",\"x\")"),
           dict(PARTICIPANTS[1], name="Yassine\x0bAlaoui\u202e")]
    cells = [c for row in csv.reader(io.StringIO(documents.convocation_csv(SESSION, odd, SCHOOLS, "fr")[1:]))
             for c in row]
    assert "'=HYPERLINK(\"http://evil.example\",\"x\")" in cells and "YassineAlaoui" in cells
    assert not [c for c in cells if c.startswith(text.FORMULA_PREFIXES)]
