"""Reporting's public face for its clients: what each indicator is (axis, unit, labels and definitions in
Arabic and French), the groupings of a breakdown, the parsers that say whether a period or a day is one
reporting reads, and the shapes of its answers, made from the indicator registry (never copied from it)."""
from marshmallow import fields, validate

from shared.answers import Answer

from .indicators import GROUPINGS, REGISTRY  # noqa: F401
from .periods import parse_day, parse_period  # noqa: F401
from .registry import AXES, FIGURES, KINDS, LEVELS, UNITS  # noqa: F401

INDICATOR_IDS = tuple(REGISTRY)
REASONS = ("not_applicable", "no_census")


def indicator_line(ident: str) -> str:
    """One indicator in words, for the API's description: id, label, unit and its definition."""
    d = REGISTRY[ident]
    return (f"{ident} ({d.axis}, {d.kind}, {d.figure}, unit {d.unit}: {UNITS[d.unit]['fr']}, "
            f"{'higher' if d.higher_is_better else 'lower'} is better): {d.label['fr']}: {d.definition['fr']} "
            f"| {d.label['ar']}: {d.definition['ar']}")


# The id of an answer's indicator names one of the registry's, each described with its unit and definition.
_ID = {"description": "The indicator: one of\n\n" + "\n".join(f"- {indicator_line(i)}" for i in INDICATOR_IDS),
       "x-enum-descriptions": [REGISTRY[i].definition["fr"] for i in INDICATOR_IDS],
       "x-indicators": {i: {"axis": d.axis, "kind": d.kind, "level": d.level, "figure": d.figure, "unit": d.unit,
                            "unit_label": dict(UNITS[d.unit]), "higher_is_better": d.higher_is_better,
                            "label": dict(d.label), "definition": dict(d.definition)}
                        for i, d in REGISTRY.items()}}


def _id(**kw):
    return fields.String(validate=validate.OneOf(INDICATOR_IDS), metadata=dict(_ID), **kw)


class Texts(Answer):
    ar = fields.String(required=True)
    fr = fields.String(required=True)


class Figure(Answer):
    """An indicator's figure (CONTRACT §4): a count has value = numerator and no denominator; a rate or a
    ratio with a denominator of 0, or not applicable at this scope, has no value."""
    value = fields.Float(required=True, allow_none=True)
    numerator = fields.Float(required=True, allow_none=True)
    denominator = fields.Float(required=True, allow_none=True)
    reason = fields.String(validate=validate.OneOf(REASONS), metadata={
        "description": "Why there is no value: not_applicable (a province-level indicator at a school) or "
                       "no_census (INF02 without the school year's census)"})


class IndicatorValue(Figure):
    id = _id(required=True)


class Indicators(Answer):
    scope = fields.String(required=True)
    period = fields.String(required=True)
    as_of = fields.String(required=True, metadata={"description": "T: the instant the figures stand at"})
    positions = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True,
                            metadata={"description": "How far in each source's log the answer has read"})
    indicators = fields.List(fields.Nested(IndicatorValue), required=True)


class ComparedIndicator(IndicatorValue):
    with_ = fields.Nested(Figure, data_key="with", required=True,
                          metadata={"description": "The same indicator in the period compared with"})
    difference = fields.Float(required=True, allow_none=True,
                              metadata={"description": "value minus the other period's value"})


class Comparison(Answer):
    scope = fields.String(required=True)
    period = fields.String(required=True)
    as_of = fields.String(required=True)
    with_ = fields.String(data_key="with", required=True, metadata={"description": "The period compared with"})
    with_as_of = fields.String(required=True)
    positions = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    indicators = fields.List(fields.Nested(ComparedIndicator), required=True)


class BreakdownRow(Answer):
    """One group: a school (with its names and where it is), a commune, a cycle, a setting or a province."""
    school_code = fields.String()
    name_ar = fields.String()
    name_fr = fields.String()
    province_code = fields.String()
    region_code = fields.String()
    commune = fields.String()
    cycle = fields.String()
    setting = fields.String()
    schools = fields.Integer(metadata={"description": "The schools of the group"})
    indicators = fields.List(fields.Nested(IndicatorValue), required=True)


class Breakdown(Answer):
    scope = fields.String(required=True)
    period = fields.String(required=True)
    as_of = fields.String(required=True)
    by = fields.String(required=True, validate=validate.OneOf(GROUPINGS))
    positions = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    rows = fields.List(fields.Nested(BreakdownRow), required=True)


class Definition(Answer):
    """What an indicator is, as the registry declares it."""
    id = _id(required=True)
    axis = fields.String(required=True, validate=validate.OneOf(tuple(AXES)))
    axis_label = fields.Nested(Texts, required=True)
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    level = fields.String(required=True, validate=validate.OneOf(LEVELS))
    figure = fields.String(required=True, validate=validate.OneOf(FIGURES))
    unit = fields.String(required=True, validate=validate.OneOf(tuple(UNITS)))
    unit_label = fields.Nested(Texts, required=True)
    higher_is_better = fields.Boolean(required=True)
    additive = fields.Boolean(required=True)
    label = fields.Nested(Texts, required=True)
    definition = fields.Nested(Texts, required=True)
