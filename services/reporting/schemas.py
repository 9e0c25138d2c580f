"""Reporting's public face for its clients: what each indicator is (axis, unit, labels and definitions in
Arabic and French), the groupings of a breakdown, the parsers that say whether a period or a day is one
reporting reads, and the shapes of its answers, made from the indicator registry (never copied from it)."""
from typing import Literal, NotRequired

from marshmallow import fields

from shared.answers import Answer, doc

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
_ID = doc("The indicator: one of\n\n" + "\n".join(f"- {indicator_line(i)}" for i in INDICATOR_IDS), **{
    "x-enum-descriptions": [REGISTRY[i].definition["fr"] for i in INDICATOR_IDS],
    "x-indicators": {i: {"axis": d.axis, "kind": d.kind, "level": d.level, "figure": d.figure, "unit": d.unit,
                         "unit_label": dict(UNITS[d.unit]), "higher_is_better": d.higher_is_better,
                         "label": dict(d.label), "definition": dict(d.definition)}
                     for i, d in REGISTRY.items()}})


class Texts(Answer):
    ar: str
    fr: str


class Figure(Answer):
    """An indicator's figure (CONTRACT §4): a count has value = numerator and no denominator; a rate or a
    ratio with a denominator of 0, or not applicable at this scope, has no value."""
    value: float | None
    numerator: float | None
    denominator: float | None
    reason: NotRequired[Literal[*REASONS]] = doc(
        "Why there is no value: not_applicable (a province-level indicator at a school) or "
        "no_census (INF02 without the school year's census)")


class IndicatorValue(Figure):
    id: Literal[*INDICATOR_IDS] = _ID


class Indicators(Answer):
    scope: str
    period: str
    as_of: str = doc("T: the instant the figures stand at")
    positions: dict[str, int] = doc("How far in each source's log the answer has read")
    indicators: list[IndicatorValue]


class ComparedIndicator(IndicatorValue):
    with_: Figure = fields.Nested(Figure, data_key="with", required=True,
                                  metadata={"description": "The same indicator in the period compared with"})
    difference: float | None = doc("value minus the other period's value")


class Comparison(Answer):
    scope: str
    period: str
    as_of: str
    with_: str = fields.String(data_key="with", required=True, metadata={"description": "The period compared with"})
    with_as_of: str
    positions: dict[str, int]
    indicators: list[ComparedIndicator]


class BreakdownRow(Answer):
    """One group: a school (with its names and where it is), a commune, a cycle, a setting, a province or a
    region."""
    school_code: NotRequired[str]
    name_ar: NotRequired[str]
    name_fr: NotRequired[str]
    province_code: NotRequired[str] = doc("A school's or a province's; a commune's too: names repeat from one "
                                          "province to another, and a commune is one of a province")
    region_code: NotRequired[str] = doc("A school's or a region's")
    commune: NotRequired[str]
    cycle: NotRequired[str]
    setting: NotRequired[str]
    schools: NotRequired[int] = doc("The schools of the group")
    indicators: list[IndicatorValue]


class Breakdown(Answer):
    scope: str
    period: str
    as_of: str
    by: Literal[*GROUPINGS]
    positions: dict[str, int]
    rows: list[BreakdownRow]


class Definition(Answer):
    """What an indicator is, as the registry declares it."""
    id: Literal[*INDICATOR_IDS] = _ID
    axis: Literal[*AXES]
    axis_label: Texts
    kind: Literal[*KINDS]
    level: Literal[*LEVELS]
    figure: Literal[*FIGURES]
    unit: Literal[*UNITS]
    unit_label: Texts
    higher_is_better: bool
    additive: bool
    label: Texts
    definition: Texts
