"""An answer's fields declared by type make the marshmallow fields they say, in the order they are written."""
from typing import Literal, NotRequired

import pytest
from marshmallow import fields

from shared.answers import Answer, Maybe, Typed, doc


class Part(Answer):
    name: str


class Whole(Answer):
    title: str
    rate: float | None
    model: NotRequired[str]
    closed_at: Maybe[str]
    status: Literal["open", "closed"]
    parts: list[Part]
    counts: dict[str, int] = doc("Each kind's count")
    by_kind: dict[Literal["a", "b"], Part]
    first: Maybe[Part]
    with_: str = fields.String(data_key="with", required=True)
    data: NotRequired[dict]
    done: bool


def test_each_type_makes_its_field_in_the_order_written():
    f = Whole._declared_fields
    assert list(f) == ["title", "rate", "model", "closed_at", "status", "parts", "counts", "by_kind", "first",
                       "with_", "data", "done"]
    assert [(type(f[k]).__name__, f[k].required, f[k].allow_none) for k in ("title", "rate", "model", "closed_at")] \
        == [("String", True, False), ("Float", True, True), ("String", False, False), ("String", False, True)]
    assert f["status"].validators[0].choices == ("open", "closed")
    assert isinstance(f["parts"], fields.List) and f["parts"].inner.nested is Part
    assert f["counts"].metadata == {"description": "Each kind's count"}
    assert isinstance(f["counts"].value_field, fields.Integer)
    assert f["by_kind"].key_field.validators[0].choices == ("a", "b") and f["by_kind"].value_field.nested is Part
    assert isinstance(f["first"], fields.Nested) and f["first"].allow_none and not f["first"].required
    assert f["with_"].data_key == "with"
    assert isinstance(f["data"], fields.Dict) and isinstance(f["done"], fields.Boolean)


def test_an_answer_checks_what_it_is_given_and_lets_more_through():
    good = {"title": "T", "rate": None, "status": "open", "parts": [{"name": "p"}], "counts": {"x": 1},
            "by_kind": {"a": {"name": "p"}}, "with": "2025", "done": True, "added_later": 1}
    assert Whole().validate(good) == {}
    bad = dict(good, title=None, status="lost", by_kind={"c": {"name": "p"}})
    del bad["rate"]
    assert set(Whole().validate(bad)) == {"title", "rate", "status", "by_kind"}


def test_a_typed_schema_that_is_no_answer_refuses_more():
    class Token(Typed):
        token: str

    assert Token().validate({"token": "t", "more": 1}) == {"more": ["Unknown field."]}


def test_a_type_no_field_stands_for_is_refused():
    with pytest.raises(TypeError):
        class Odd(Answer):
            when: set
