"""One declaration per indicator: everything pages, reports and the API say about it, and its formula."""
import re

import pytest

from services.reporting.indicators import REGISTRY, Question
from services.reporting.registry import AXES, UNITS, declare, missing

# From CONTRACT §4 and §7.1, written out here rather than read from the code under test.
CONTRACT_IDS = ([f"INF0{i}" for i in range(1, 10)] + [f"MNT0{i}" for i in range(1, 6)]
                + [f"RES0{i}" for i in range(1, 9)] + [f"TRN0{i}" for i in range(1, 9)])
STOCKS = {"INF01", "INF02", "INF03", "INF04", "INF05", "INF07", "MNT01", "MNT04", "MNT05", "RES03", "RES08",
          "TRN01", "TRN04"}
PROVINCE_LEVEL = {"RES01", "RES04", "RES05", "TRN01", "TRN02", "TRN08"}
ARABIC = re.compile(r"[\u0600-\u06FF]")


def test_every_contract_indicator_is_declared_once_in_order():
    assert list(REGISTRY) == CONTRACT_IDS


@pytest.mark.parametrize("ident", CONTRACT_IDS)
def test_each_declaration_is_complete(ident):
    d = REGISTRY[ident]
    assert missing(d) == []
    assert d.id == ident
    assert d.axis == {"INF": "infrastructure", "MNT": "infrastructure", "RES": "resources",
                      "TRN": "training"}[ident[:3]]
    assert d.kind == ("stock" if ident in STOCKS else "flow")
    assert d.level == ("province" if ident in PROVINCE_LEVEL else "school")
    assert ARABIC.search(d.label["ar"]) and ARABIC.search(d.definition["ar"])
    assert not ARABIC.search(d.label["fr"]) and not ARABIC.search(d.definition["fr"])
    assert d.unit in UNITS and d.axis in AXES
    assert isinstance(d.higher_is_better, bool)
    assert callable(d.compute)


def test_units_follow_the_figures():
    for d in REGISTRY.values():
        if d.figure == "rate":
            assert d.unit == "percent", d.id
        else:
            assert d.unit != "percent", d.id
    assert REGISTRY["INF02"].unit == "pupils_per_computer" and REGISTRY["MNT02"].unit == "days"
    assert not REGISTRY["INF02"].higher_is_better and not REGISTRY["MNT01"].higher_is_better


def _formula(q: Question):
    raise AssertionError("never called")


@pytest.mark.parametrize("lacking, said", [
    ({"label": ("مؤشر", "")}, "label in fr is empty"),
    ({"definition": ("", "Définition")}, "definition in ar is empty"),
    ({"unit": "bananas"}, "unit must be one of"),
    ({"axis": "sport"}, "axis must be one of"),
    ({"kind": "both"}, "kind must be stock or flow"),
    ({"level": "country"}, "level must be school or province"),
    ({"higher_is_better": None}, "higher_is_better must be true or false"),
    ({"level": "province", "additive": True}, "only a school-level indicator can be summed"),
])
def test_an_incomplete_declaration_is_refused_with_what_it_lacks(lacking, said):
    fields = dict(axis="training", kind="flow", level="school", figure="count", unit="staff",
                  higher_is_better=True, label=("مؤشر", "Indicateur"), definition=("تعريف", "Définition"))
    fields.update(lacking)
    with pytest.raises(ValueError) as exc:
        declare("TST01", **fields)(_formula)
    assert said in str(exc.value)
    assert "TST01" not in REGISTRY


def test_an_id_is_declared_only_once():
    with pytest.raises(ValueError, match="declared twice"):
        declare("INF01", axis="infrastructure", kind="stock", figure="count", unit="assets",
                higher_is_better=True, label=("ع", "E"), definition=("ع", "E"))(_formula)
