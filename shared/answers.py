"""The base of every schema that describes what a service or the gateway answers (for /api/openapi.json):
the fields it names, and perhaps more that a later version adds, so a client must not refuse those.

An answer names its fields by type, as a dataclass does, and each type makes its marshmallow field here:

    title: str                          always there
    rate: float | None                  always there, perhaps null
    model: NotRequired[str]             may be left out
    closed_at: Maybe[str]               may be left out, or null
    status: Literal[*STATUSES]          one of these
    sessions: list[SessionLine]         another answer (nested), a list, or `dict[str, int]`
    uses: int = doc("Uses recorded")    said in /api/openapi.json

A field the types cannot say (another key in the JSON, say) is given as a marshmallow field, after its type so
that it keeps its place among the others: `with_: str = fields.String(data_key="with", required=True)`.
"""
from __future__ import annotations

import sys
import types
import typing
from typing import Literal, NotRequired, TypeVar, get_args, get_origin

from marshmallow import INCLUDE, Schema, fields, validate
from marshmallow.schema import SchemaMeta

T = TypeVar("T")
Maybe = NotRequired[T | None]  # may be left out, or null

_SCALARS = {str: fields.String, int: fields.Integer, float: fields.Float, bool: fields.Boolean}


class Doc(dict):
    """What /api/openapi.json says of a field (its `description`, and any `x-` keys)."""


def doc(description: str | None = None, **more) -> Doc:
    return Doc(({"description": description} if description else {}), **more)


def _nullable(hint):
    if get_origin(hint) in (typing.Union, types.UnionType) and type(None) in get_args(hint):
        rest = [a for a in get_args(hint) if a is not type(None)]
        return (rest[0] if len(rest) == 1 else typing.Union[tuple(rest)]), True
    return hint, False


def field_of(hint, **kw) -> fields.Field:
    """The marshmallow field a type stands for (`kw`: required, allow_none, metadata)."""
    origin, args = get_origin(hint), get_args(hint)
    if hint in _SCALARS:
        return _SCALARS[hint](**kw)
    if origin is Literal:
        return _SCALARS[type(args[0])](validate=validate.OneOf(args), **kw)
    if origin is list:
        return fields.List(field_of(args[0]), **kw)
    if hint is dict:
        return fields.Dict(**kw)
    if origin is dict:
        return fields.Dict(keys=field_of(args[0]), values=field_of(args[1]), **kw)
    if isinstance(hint, type) and issubclass(hint, Schema):
        return fields.Nested(hint, **kw)
    raise TypeError(f"No answer field for the type {hint!r}")


def _declared(hint, said) -> fields.Field:
    if isinstance(said, fields.Field):
        return said
    required = get_origin(hint) is not NotRequired
    hint, nullable = _nullable(hint if required else get_args(hint)[0])
    kw = {"required": True} if required else {}
    if nullable:
        kw["allow_none"] = True
    if said:
        kw["metadata"] = dict(said)
    return field_of(hint, **kw)


class TypedMeta(SchemaMeta):
    """Makes each annotated name of the class body its field, in the order they are written."""

    def __new__(mcs, name, bases, attrs):
        hints = attrs.get("__annotations__") or {}
        if hints:
            scope = vars(sys.modules[attrs["__module__"]])
            attrs = dict(attrs)
            made = {}
            for key, hint in hints.items():
                if isinstance(hint, str):  # a module with `from __future__ import annotations`
                    hint = eval(hint, scope, dict(attrs))  # noqa: S307 (our own source)
                made[key] = _declared(hint, attrs.pop(key, None))
            attrs.update(made)
        return super().__new__(mcs, name, bases, attrs)


class Typed(Schema, metaclass=TypedMeta):
    """A schema whose fields may be declared by type."""


class Answer(Typed):
    class Meta:
        unknown = INCLUDE
