"""INF01–INF09 on one hand-checked school year (2024-2025), on SQLite then PostgreSQL.

Periods (Africa/Casablanca, UTC+1 on both edges):
  S1 = [2024-09-01 00:00, 2025-02-01 00:00)  T(S1) = 2025-02-01 00:00
  S2 = [2025-02-01 00:00, 2025-09-01 00:00)  T(S2) = T(year) = 2025-09-01 00:00

Schools: A, B (province OED), C (province AUS), all region DOE, registered 2024-08-20;
D (OED) registered 2025-03-10, so D is in S for S2 and the year, not for S1.
"""
import pytest

from tests.unit.test_indicators_world import (S1, S2, YEAR, World, ask, assert_fractions, assert_rates,  # noqa: F401
                                              assert_values, caught_up, fractions, three_schools)


def infrastructure_world():
    w = three_schools()
    w.school("D", "2025-03-10 09:00")

    # Census: A corrected (latest wins), a previous year ignored, D counted once registered.
    w.census("A", "2023-2024", 550, 19, "2023-09-20 10:00")
    w.census("A", YEAR, 600, 20, "2024-09-20 10:00")
    w.census("B", YEAR, 300, 12, "2024-09-20 10:00")
    w.census("C", YEAR, 450, 15, "2024-09-20 10:00")
    w.census("A", YEAR, 620, 21, "2024-10-05 10:00")
    w.census("D", YEAR, 80, 4, "2025-03-15 10:00")

    # Equipment.
    w.equip("L1", "A", "2024-09-10 10:00", kind="laptop", bundle="vmm")
    w.equip("L2", "A", "2024-09-10 10:00", kind="laptop")
    w.equip("D1", "B", "2024-09-12 10:00", kind="desktop", bundle="smm")
    w.equip("D2", "B", "2024-09-12 10:00", kind="desktop", bundle="smm")
    w.equip("P1", "C", "2024-09-15 10:00", kind="projector", bundle="vmm")

    # Transfer T1: L2 from A to B, completed in S1.
    w.propose_transfer("T1", ["L2"], "A", "B", "2024-12-01 09:00")
    w.approve_transfer("T1", "2024-12-03 09:00")
    w.complete_transfer("T1", "2024-12-10 09:00")
    # T2 rejected: P1 never moves.
    w.propose_transfer("T2", ["P1"], "C", "A", "2025-02-10 09:00")
    w.reject_transfer("T2", "2025-02-12 09:00")

    w.decommission("D2", "2025-03-01 09:00")
    w.decommission("P1", "2025-05-01 09:00")
    w.equip("D3", "A", "2025-06-01 10:00", kind="desktop")

    # Connectivity and filtering.
    w.connectivity("A", "connected", "2024-09-01 08:00")
    w.filtering("A", True, "2024-09-02 08:00")
    w.connectivity("C", "disconnected", "2024-09-15 08:00")
    w.connectivity("B", "connected", "2024-10-01 08:00")
    w.filtering("B", True, "2024-10-02 08:00")
    w.filtering("B", False, "2025-01-10 08:00")
    w.connectivity("C", "connected", "2025-01-31 23:30")  # 30 minutes before the end of S1
    w.connectivity("D", "connected", "2025-03-20 08:00")
    w.filtering("D", True, "2025-03-21 08:00")
    w.connectivity("A", "disconnected", "2025-04-01 08:00")
    w.filtering("C", True, "2025-05-05 08:00")

    # Usage visits.
    w.visit("V5", "C", "2024-08-25 10:00", P1="in_use")  # before the year
    w.visit("V1", "A", "2024-10-15 10:00", L1="in_use", L2="unused")
    w.visit("V2", "B", "2024-11-20 10:00", D1="in_use", D2="broken")
    w.visit("V3", "B", "2025-01-20 10:00", L2="in_use", D1="unused")
    w.visit("V4", "A", "2025-03-10 10:00", L1="unused")

    # Audits.
    w.audit("AU1", "A", "2024-11-05 10:00", L1="present", L2="present", X9="missing")
    w.audit("AU2", "A", "2025-01-25 10:00", L1="present", L2="missing")
    w.audit("AU3", "B", "2025-05-05 10:00", D1="present", L2="present", D2="damaged")

    # Transfer T3: D1 from B to C, completed after the year ended.
    w.propose_transfer("T3", ["D1"], "B", "C", "2025-06-01 09:00")
    w.approve_transfer("T3", "2025-06-02 09:00")
    w.complete_transfer("T3", "2025-09-05 09:00")

    # After the year: must not change it.
    w.census("B", YEAR, 999, 99, "2025-09-10 10:00")
    w.assign("L1", "D", "2025-09-15 10:00")

    # Recorded last, dated in the past (backdated).
    w.receive("D4", "2025-01-10 10:00", kind="desktop")
    w.assign("D4", "C", "2025-01-15 10:00")
    w.connectivity("B", "disconnected", "2024-09-20 08:00")  # older than B's "connected" of 1 October
    return w


@pytest.fixture
def infra(caught_up):  # noqa: F811
    return caught_up(infrastructure_world())


def test_inf01_equipment_in_service(infra):
    # S1, T = 1 Feb: A {L1} (L2 left for B on 10 Dec); B {L2, D1, D2}; C {P1, D4 (backdated 15 Jan)} -> 6
    assert_values(infra, "INF01", S1, {"all": 6, "school:A": 1, "school:B": 3})
    # Year, T = 1 Sep: D2 and P1 decommissioned, D3 at A; L1 goes to D only on 15 Sep.
    # A {L1, D3}, B {L2, D1} (T3 completes on 5 Sep), C {D4}, D {} -> 5; OED: A 2 + B 2 + D 0
    assert_values(infra, "INF01", YEAR, {"all": 5, "province:OED": 4, "province:AUS": 1, "school:D": 0})
    # The year after, T = 1 Sep 2026: L1 at D, D1 at C (T3) -> A {D3}, B {L2}, C {D1, D4}, D {L1} -> 5
    assert_values(infra, "INF01", "2025-2026", {"school:C": 2, "school:D": 1})
    # The year before, T = 1 Sep 2024: nothing assigned yet.
    assert_values(infra, "INF01", "2023-2024", {"all": 0})


def test_inf02_learners_per_computer(infra):
    # S1: S = {A, B, C}; pupils (latest 2024-2025 census) 620 + 300 + 450 = 1370;
    # desktops and laptops in service: L1, L2, D1, D2, D4 = 5 (P1 is a projector) -> 1370 / 5 = 274.0
    assert_rates(infra, "INF02", S1, {"all": (1370, 5, 274.0)})
    # A: S1 620 / {L1} = 620.0
    assert_values(infra, "INF02", S1, {"school:A": 620.0})
    # Year: S = {A, B, C, D}; pupils 620 + 300 (999 came after T) + 450 + 80 = 1450;
    # computers L1, D3, L2, D1, D4 = 5 -> 290.0. D has pupils but no computer: denominator 0 -> null
    assert_rates(infra, "INF02", YEAR, {"all": (1450, 5, 290.0), "school:D": (80, 0, None)})
    # A: 620 / {L1, D3} = 310.0; OED: (620 + 300 + 80) / {L1, D3, L2, D1} = 1000 / 4 = 250.0
    assert_values(infra, "INF02", YEAR, {"school:A": 310.0, "province:OED": 250.0})


def test_inf03_schools_with_a_multimedia_bundle(infra):
    # S1: A has L1 (vmm), B has D1, D2 (smm), C has P1 (vmm) -> 3 / 3 = 100.0
    assert_rates(infra, "INF03", S1, {"all": (3, 3, 100.0)})
    assert_values(infra, "INF03", S1, {"school:C": 100.0})
    # Year: A (L1) yes; B (D1) yes; C (P1 decommissioned, D4 has none) no; D nothing -> 2 / 4 = 50.0
    assert_rates(infra, "INF03", YEAR, {"all": (2, 4, 50.0)})
    assert_values(infra, "INF03", YEAR, {"school:C": 0.0})


def test_inf04_schools_connected(infra):
    # S1: A connected; B connected on 1 Oct (the backdated "disconnected" is dated 20 Sep, older);
    # C connected at 23:30 on 31 Jan, before T -> 3 / 3 = 100.0
    assert_fractions(infra, "INF04", S1, {"all": (3, 3)})
    # Year: A disconnected on 1 Apr; B, C, D connected -> 3 / 4 = 75.0
    assert_rates(infra, "INF04", YEAR, {"all": (3, 4, 75.0)})
    assert_values(infra, "INF04", YEAR, {"school:A": 0.0})


def test_inf05_connected_schools_with_filtering(infra):
    # S1: connected {A, B, C}: A active; B made inactive on 10 Jan; C no record -> 1 / 3 = 33.3
    assert_rates(infra, "INF05", S1, {"all": (1, 3, 33.3)})
    # Year: connected {B, C, D}: B inactive; C active since 5 May; D active -> 2 / 3 = 66.7
    # A is not connected at the year's T: no connected school -> null
    assert_rates(infra, "INF05", YEAR, {"all": (2, 3, 66.7), "school:A": (0, 0, None)})


def test_inf06_equipment_use_rate(infra):
    # Latest observation of each asset inside S1: L1 in_use (V1 at A); L2 in_use (V3 at B, after V1's
    # unused); D1 unused (V3); D2 broken (neither); P1's V5 is before S1 -> in_use 2 / (2 + 1) = 66.7
    assert_rates(infra, "INF06", S1, {"all": (2, 3, 66.7)})
    # A: L1; B: L2 in use, D1 unused
    assert_fractions(infra, "INF06", S1, {"school:A": (1, 1), "school:B": (1, 2)})
    # S2: only V4 (L1 unused at A) -> 0 / 1 = 0.0; B observed nothing in S2 -> null
    assert_values(infra, "INF06", S2, {"all": 0.0, "school:B": None})
    # Year: L1 unused (V4), L2 in_use (V3), D1 unused (V3), D2 broken -> 1 / 3 = 33.3
    assert_rates(infra, "INF06", YEAR, {"all": (1, 3, 33.3)})


def test_inf07_unused_equipment(infra):
    # S1: in service L1 (in_use), L2 (in_use), D1 (unused, at B), D2 (broken), P1 (in_use), D4 (never seen) -> 1
    assert_values(infra, "INF07", S1, {"all": 1, "school:B": 1})
    # Year: L1 unused since V4 (at A, in service), D1 unused -> 2
    assert_values(infra, "INF07", YEAR, {"all": 2, "school:A": 1})


def test_inf08_audit_conformity(infra):
    # S1: A's latest audit inside S1 is AU2: 1 present of 2 findings; B and C none -> 1 / 2 = 50.0
    assert_rates(infra, "INF08", S1, {"all": (1, 2, 50.0)})
    # S2: only AU3 at B: 2 present of 3 -> 66.7
    assert_values(infra, "INF08", S2, {"all": 66.7})
    # Year: AU2 (1 of 2) + AU3 (2 of 3) -> 3 / 5 = 60.0; C never audited: denominator 0
    assert_rates(infra, "INF08", YEAR, {"all": (3, 5, 60.0)})
    assert_values(infra, "INF08", YEAR, {"school:C": None})


def test_inf09_transfers_completed(infra):
    # T1 (A -> B) completed 10 Dec; T2 rejected; T3 completed 5 Sep 2025, after the year.
    assert_values(infra, "INF09", S1, {"all": 1})
    assert_values(infra, "INF09", S2, {"all": 0})
    # From or to: A and B each see T1; the province holding both counts it once.
    assert_values(infra, "INF09", YEAR, {"all": 1, "school:A": 1, "school:B": 1, "province:OED": 1, "school:C": 0})
    # 2025-2026: T3 (B -> C) -> C 1, province AUS 1
    assert_values(infra, "INF09", "2025-2026", {"school:C": 1, "province:AUS": 1})


def test_inf02_is_unknown_not_zero_for_a_school_year_without_census(caught_up):  # noqa: F811
    from services.reporting import indicators as ind
    from services.reporting.periods import parse_period, parse_scope

    w = World()
    w.school("A", "2024-08-20 09:00")
    w.school("B", "2024-08-20 09:00")
    w.equip("L1", "A", "2024-09-10 10:00")
    w.equip("L2", "B", "2024-09-10 10:00")
    w.census("A", "2024-2025", 300, 10, "2024-09-15 10:00")
    p = caught_up(w)
    # 2025-2026: no census anywhere -> no value, and the answer says why; 2 computers all the same.
    for scope in ("all", "school:A"):
        item = ask(p, scope, "2025-2026")["INF02"]
        assert (item["value"], item["numerator"], item.get("reason")) == (None, None, "no_census")
    assert fractions(p, "all", "2025-2026", "INF02") == {"INF02": (None, 2)}
    # 2024-2025: A's census counts; B has none (its computer still counts, as the contract reads).
    assert fractions(p, "all", "2024-2025", "INF02") == {"INF02": (300, 2)}
    # The memo (per school, then summed) says the same.
    memo = ind.Memo()
    with p.engine.connect() as conn:
        period = parse_period("2025-2026")
        for scope in ("all", "school:B"):
            kept = ind.answer(conn, p.projection, parse_scope(scope), period, {}, memo=memo)
            fresh = ind.answer(conn, p.projection, parse_scope(scope), period, {})
            assert kept == fresh
