"""What each indicator is, declared once beside its formula (`declare`), read by pages, reports and the API."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

# The programme's three axes, in the order every page and report shows them.
AXES = {
    "infrastructure": {"ar": "البنية التحتية والتجهيزات", "fr": "Infrastructure et équipements"},
    "resources": {"ar": "الموارد الرقمية", "fr": "Ressources numériques"},
    "training": {"ar": "التكوين", "fr": "Formation"},
}
# What a value is counted in: said after the number.
UNITS = {
    "assets": {"ar": "تجهيزات", "fr": "équipements"},
    "pupils_per_computer": {"ar": "متعلمين لكل حاسوب", "fr": "élèves par ordinateur"},
    "percent": {"ar": "%", "fr": "%"},
    "transfers": {"ar": "تحويلات", "fr": "transferts"},
    "faults": {"ar": "أعطال", "fr": "pannes"},
    "days": {"ar": "أيام", "fr": "jours"},
    "resources": {"ar": "موارد", "fr": "ressources"},
    "distributions": {"ar": "توزيعات", "fr": "distributions"},
    "uses": {"ar": "استعمالات", "fr": "utilisations"},
    "workshops": {"ar": "ورشات", "fr": "ateliers"},
    "dysfunctions": {"ar": "اختلالات", "fr": "dysfonctionnements"},
    "trainings": {"ar": "تكوينات", "fr": "formations"},
    "staff": {"ar": "أشخاص", "fr": "personnes"},
    "person_hours": {"ar": "ساعات × مستفيدين", "fr": "heures × personnes"},
    "score": {"ar": "من 5", "fr": "sur 5"},
}
KINDS = ("stock", "flow")  # a state at T, or what happened inside the period
LEVELS = ("school", "province")  # province: not tied to a school, so not applicable at school scope
# How numerator and denominator make the value (CONTRACT §4).
FIGURES = ("count", "rate", "ratio", "mean_days")


@dataclass(frozen=True)
class Indicator:
    id: str
    axis: str
    kind: str
    level: str
    figure: str
    unit: str
    higher_is_better: bool
    label: dict  # {"ar": ..., "fr": ...}
    definition: dict  # {"ar": ..., "fr": ...}
    compute: Callable
    # A scope's figure is the sum of its schools' numerators and denominators.
    additive: bool = False
    # Read afresh while a period is going on: it moves with T itself while no event arrives.
    moves_with_now: bool = False

    def describe(self, lang: str | None = None) -> dict:
        """The declaration as data (for the API): every text in both languages, or in one."""
        pick = (lambda d: d[lang]) if lang else (lambda d: dict(d))
        return {"id": self.id, "axis": self.axis, "axis_label": pick(AXES[self.axis]), "kind": self.kind,
                "level": self.level, "figure": self.figure, "unit": self.unit, "unit_label": pick(UNITS[self.unit]),
                "higher_is_better": self.higher_is_better, "additive": self.additive,
                "label": pick(self.label), "definition": pick(self.definition)}


REGISTRY: dict[str, Indicator] = {}


def declare(ident: str, *, axis: str, kind: str, level: str = "school", figure: str, unit: str,
            higher_is_better: bool, label: tuple[str, str], definition: tuple[str, str], additive: bool = False,
            moves_with_now: bool = False):
    """Register the decorated formula as indicator `ident`; label and definition are (Arabic, French)."""
    def register(compute):
        if ident in REGISTRY:
            raise ValueError(f"{ident} is declared twice")
        indicator = Indicator(ident, axis, kind, level, figure, unit, higher_is_better,
                              {"ar": label[0], "fr": label[1]}, {"ar": definition[0], "fr": definition[1]},
                              compute, additive, moves_with_now)
        problems = missing(indicator)
        if problems:
            raise ValueError(f"{ident}: {', '.join(problems)}")
        REGISTRY[ident] = indicator
        return compute
    return register


def missing(indicator: Indicator) -> list[str]:
    """What a declaration lacks or gets wrong, in words."""
    out = []
    if indicator.axis not in AXES:
        out.append(f"axis must be one of {', '.join(AXES)}")
    if indicator.kind not in KINDS:
        out.append("kind must be stock or flow")
    if indicator.level not in LEVELS:
        out.append("level must be school or province")
    if indicator.figure not in FIGURES:
        out.append(f"figure must be one of {', '.join(FIGURES)}")
    if indicator.unit not in UNITS:
        out.append(f"unit must be one of {', '.join(UNITS)}")
    if not isinstance(indicator.higher_is_better, bool):
        out.append("higher_is_better must be true or false")
    for what in ("label", "definition"):
        texts = getattr(indicator, what)
        for lang in ("ar", "fr"):
            if not isinstance(texts.get(lang), str) or not texts[lang].strip():
                out.append(f"{what} in {lang} is empty")
    if not callable(indicator.compute):
        out.append("no function")
    if indicator.additive and indicator.level != "school":
        out.append("only a school-level indicator can be summed over schools")
    return out


def of_axis(axis: str) -> list[Indicator]:
    return [i for i in REGISTRY.values() if i.axis == axis]
