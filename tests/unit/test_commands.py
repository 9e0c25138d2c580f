"""What every command carries: its date and its context."""
from datetime import datetime, timedelta, timezone

import pytest
from marshmallow import fields

from shared.commands import Command, context, parse
from shared.errors import InvalidCommand


class Note(Command):
    text = fields.String(required=True)


def test_a_past_date_is_kept_with_its_offset():
    cmd = parse(Note(), {"text": "x", "occurred_at": "2025-10-01T09:00:00+01:00"})
    assert cmd["occurred_at"] == datetime(2025, 10, 1, 8, 0, tzinfo=timezone.utc)
    assert context({"actor": {"user": "salma", "role": "coordinator"}}, cmd).occurred_at == cmd["occurred_at"]


@pytest.mark.parametrize("value,rule", [
    ((datetime.now(timezone.utc) + timedelta(hours=2)).isoformat(), "future"),
    ("2025-10-01T09:00:00", "aware"),
    ("yesterday", "datetime"),
])
def test_a_future_naive_or_unreadable_date_is_bad_input(value, rule):
    with pytest.raises(InvalidCommand) as exc:
        parse(Note(), {"text": "x", "occurred_at": value})
    assert list(exc.value.errors) == ["occurred_at"]
    assert rule in str(exc.value.errors["occurred_at"]).lower()


def test_unknown_fields_and_a_non_object_are_refused_by_name():
    with pytest.raises(InvalidCommand) as exc:
        parse(Note(), {"text": "x", "colour": "red"})
    assert list(exc.value.errors) == ["colour"]
    with pytest.raises(InvalidCommand) as exc:
        parse(Note(), ["text"])
    assert list(exc.value.errors) == ["_schema"]


def test_an_actor_needs_a_user_and_a_role():
    with pytest.raises(InvalidCommand) as exc:
        context({"actor": {"user": "salma"}})
    assert list(exc.value.errors) == ["actor"]
    assert context(None).actor == {"user": "system", "role": "system"}
    assert context({"correlation_id": "req-7"}).correlation_id == "req-7"
