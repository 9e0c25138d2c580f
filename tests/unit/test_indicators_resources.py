"""RES01–RES08 on one hand-checked school year (2024-2025), on SQLite then PostgreSQL.

T(S1) = 2025-02-01 00:00+01:00, T(S2) = T(year) = 2025-09-01 00:00+01:00.
Schools A, B (province OED) and C (province AUS), all region DOE, registered 2024-08-20;
D (OED) registered 2025-05-01. Province-level events carry their province_code (OED unless said).
"""
import pytest

from tests.unit.test_indicators_world import (S1, S2, YEAR, ask, assert_rates, assert_values, caught_up,  # noqa: F401
                                              three_schools)


def resources_world(w=None):
    w = three_schools(w)
    w.school("D", "2025-05-01 09:00")

    w.resource("R0", "2024-06-01 10:00")
    w.distribute("R0", ["B"], "2024-07-01 10:00")
    w.usage("A", "R0", "2024-06-01", "2024-08-31", 99, "2024-09-02 10:00")
    w.resource("R1", "2024-09-10 10:00")
    w.distribute("R1", ["A", "B"], "2024-09-20 10:00")
    w.dysfunction("Y1", "A", "2024-10-01 10:00")
    w.usage("B", "R1", "2024-09-01", "2024-09-30", 10, "2024-10-01 10:00")
    w.distribute("R1", ["A"], "2024-10-10 10:00")  # A again: still one pair
    w.workshop("W1", ["A", "B"], "2024-10-20 10:00")
    w.committee("K1", "2024-11-15 10:00", R1="approved", R2="rejected", R5="revision")
    w.resource("R2", "2024-12-01 10:00")
    w.dysfunction("Y2", "B", "2025-01-15 10:00")
    w.resolve_dysfunction("Y2", "2025-01-20 10:00")
    w.usage("A", "R1", "2024-12-01", "2025-01-31", 40, "2025-02-03 10:00")  # January's use, reported in February
    w.distribute("R2", ["A", "C"], "2025-02-15 10:00")
    w.resource("R3", "2025-03-01 10:00")
    w.resolve_dysfunction("Y1", "2025-03-01 10:00")
    w.usage("A", "R2", "2025-02-01", "2025-02-28", 25, "2025-03-02 10:00")
    w.workshop("W2", ["C"], "2025-03-05 10:00", province="AUS")
    w.committee("K2", "2025-03-15 10:00", R5="approved", R6="approved", R2="revision")
    w.resource("R4", "2025-04-01 10:00", province="AUS")
    w.workshop("W3", [], "2025-04-10 10:00")  # no school
    w.committee("K3", "2025-04-15 10:00", province="AUS", R7="approved")
    w.dysfunction("Y3", "C", "2025-05-01 10:00")
    w.committee("K4", "2025-05-15 10:00", R5="approved")
    w.usage("C", "R1", "2025-08-01", "2025-08-31", 7, "2025-09-03 10:00")
    return w


@pytest.fixture
def res(caught_up):  # noqa: F811
    return caught_up(resources_world())


def test_res01_resources_received(res):
    # S1: R1 (10 Sep), R2 (1 Dec); S2: R3 (OED), R4 (AUS); R0 was before the year.
    assert_values(res, "RES01", S1, {"province:OED": 2})
    assert_values(res, "RES01", S2, {"province:OED": 1, "all": 2})
    # Region DOE holds the provinces of its schools, OED and AUS -> 4; a region without schools -> 0
    assert_values(res, "RES01", YEAR, {"province:OED": 3, "province:AUS": 1, "all": 4, "region:DOE": 4,
                                       "region:XYZ": 0})


def test_res02_resource_school_pairs_distributed(res):
    # S1: (R1, A), (R1, B); A's second copy of R1 is the same pair -> 2
    assert_values(res, "RES02", S1, {"all": 2})
    # S2: (R2, A), (R2, C) -> 2; year -> 4; A: R1, R2; OED: (R1,A), (R1,B), (R2,A)
    assert_values(res, "RES02", S2, {"all": 2})
    assert_values(res, "RES02", YEAR, {"all": 4, "school:A": 2, "province:OED": 3})


def test_res03_schools_reached(res):
    # S1: S = {A, B, C}; A (20 Sep), B (R0 in July 2024) yes; C only on 15 Feb -> 2 / 3 = 66.7
    assert_rates(res, "RES03", S1, {"all": (2, 3, 66.7)})
    assert_values(res, "RES03", S1, {"school:C": 0.0})
    # Year: S = {A, B, C, D}; D never -> 3 / 4 = 75.0
    assert_values(res, "RES03", YEAR, {"all": 75.0, "school:C": 100.0})


def test_res04_resources_approved(res):
    # S1 (OED): K1 approves R1 -> 1. S2 (OED): K2 R5, R6; K4 R5 again -> 2 distinct
    assert_values(res, "RES04", S1, {"province:OED": 1})
    assert_values(res, "RES04", S2, {"province:OED": 2})
    # Year: OED R1, R5, R6; all adds R7 (AUS)
    assert_values(res, "RES04", YEAR, {"province:OED": 3, "all": 4})


def test_res05_approval_rate(res):
    # S1 (OED): 1 approved of 3 decisions -> 33.3; no committee in AUS during S1: denominator 0 -> null
    assert_rates(res, "RES05", S1, {"province:OED": (1, 3, 33.3), "province:AUS": (0, 0, None)})
    # S2 (OED): K2 2 of 3 + K4 1 of 1 -> 3 / 4 = 75.0
    assert_values(res, "RES05", S2, {"province:OED": 75.0})
    # Year: OED 4 / 7 = 57.14 -> 57.1; all 5 / 8 = 62.5
    assert_values(res, "RES05", YEAR, {"province:OED": 57.1, "all": 62.5})


def test_res06_uses_by_the_end_of_the_usage_period(res):
    # S1: usage periods ending 31 Jan (40, reported on 3 Feb, at A) and 30 Sep (10) -> 50
    assert_values(res, "RES06", S1, {"all": 50, "school:A": 40})
    # S2: ending 28 Feb (25, at A) and 31 Aug (7, reported on 3 Sep) -> 32; year 82, A 65
    assert_values(res, "RES06", S2, {"all": 32})
    assert_values(res, "RES06", YEAR, {"all": 82, "school:A": 65})
    # The summer of 2024 ended on 31 Aug 2024: the year before.
    assert_values(res, "RES06", "2023-2024", {"all": 99})


def test_res07_awareness_workshops(res):
    # S1: W1 (A, B); S2: W2 (C); W3 names no school.
    assert_values(res, "RES07", S1, {"all": 1, "school:C": 0})
    assert_values(res, "RES07", S2, {"all": 1})
    # OED: W1 once, though A and B both attend
    assert_values(res, "RES07", YEAR, {"all": 2, "province:OED": 1, "school:A": 1})


def test_res08_open_dysfunctions(res):
    # S1: Y1 (at A, resolved only on 1 Mar) open; Y2 resolved on 20 Jan -> 1
    assert_values(res, "RES08", S1, {"all": 1, "school:A": 1})
    # Year: Y1 resolved; Y3 at C open -> 1
    assert_values(res, "RES08", YEAR, {"all": 1, "school:A": 0, "school:C": 1})


def test_province_level_resource_indicators_do_not_apply_to_a_school(res):
    answer = ask(res, "school:A", YEAR)
    for ident in ("RES01", "RES04", "RES05"):
        assert answer[ident] == {"id": ident, "value": None, "numerator": None, "denominator": None,
                                 "reason": "not_applicable"}
