"""The kinds of column: the type and size each states once, required unless said otherwise."""
from sqlalchemy import Boolean, Float, Integer, MetaData, String, Table, Text

from shared.columns import (amount, count, day, filled_later, flag, instant, key, label, log_position, ref, text,
                            timestamp, user, words)


def test_each_kind_has_its_type_and_usual_length_and_is_required_unless_optional():
    expected = {ref: (String, 40), label: (String, 20), words: (String, 300), user: (String, 200),
                instant: (String, 40), day: (String, 10), timestamp: (Float, None), text: (Text, None),
                count: (Integer, None), amount: (Float, None), flag: (Boolean, None)}
    for kind, (sql_type, length) in expected.items():
        column = kind("c")
        assert isinstance(column.type, sql_type) and getattr(column.type, "length", None) == length
        assert column.nullable is False and kind("c", optional=True).nullable is True
    assert ref("code", 64).type.length == 64 and label("status", index=True).index is True


def test_keys_positions_and_what_a_later_event_fills():
    table = Table("t", MetaData(), key("a_id"), log_position(primary=True),
                  *filled_later(instant("done_at"), text("note")), count("n"))
    assert [c.name for c in table.primary_key.columns] == ["a_id", "position"]
    assert table.c.position.autoincrement is False
    assert table.c.done_at.nullable and table.c.note.nullable and not table.c.n.nullable
    assert log_position().nullable is False
