"""MNT01–MNT05 on one hand-checked school year (2024-2025), on SQLite then PostgreSQL.

T(S1) = 2025-02-01 00:00+01:00, T(S2) = T(year) = 2025-09-01 00:00+01:00.
Schools A, B (province OED) and C (province AUS), registered 2024-08-20.
Assets on 2024-09-05: M1 desktop and M2 laptop at A, M3 desktop at B, M4 desktop at C.

Faults (all times +01:00):
  F4  M4 at C  declared 2024-09-10 08:00, no warranty, never closed
  F1  M1 at A  declared 2024-10-01 08:00, warranty; repaired 2024-10-03 20:00  -> 2.5 days
  F3  M3 at B  declared 2024-12-01 08:00, warranty; replaced by M3b 2024-12-05 12:00 -> 4 d 4 h = 4.1667 days
  F2  M2 at A  declared 2025-01-20 08:00 (S1), no warranty; repaired 2025-02-04 08:00 (S2) -> 15 days
  F5  M1 at A  declared 2025-01-25 08:00; closed not_reproducible 2025-01-26 08:00
  F6  M2 at A  declared 2025-03-01 08:00; closed cancelled 2025-03-02 08:00
  M4 decommissioned 2025-06-01 (F4 stays open)
  F7  M1 at A  declared 2025-08-20 08:00, open
  F8  M3b at B declared 2025-01-10 08:00, open; recorded last (backdated)
"""
import pytest

from tests.unit.test_indicators_world import (S1, S2, YEAR, assert_rates, assert_values, caught_up,  # noqa: F401
                                              three_schools, values)


def maintenance_world(w=None):
    w = three_schools(w)
    w.equip("M1", "A", "2024-09-05 10:00", kind="desktop")
    w.equip("M2", "A", "2024-09-05 10:00", kind="laptop")
    w.equip("M3", "B", "2024-09-05 10:00", kind="desktop", bundle="smm")
    w.equip("M4", "C", "2024-09-05 10:00", kind="desktop")

    w.declare_fault("F4", "M4", "C", "2024-09-10 08:00")
    w.declare_fault("F1", "M1", "A", "2024-10-01 08:00", under_warranty=True)
    w.close_fault("F1", "2024-10-03 20:00", "repaired")
    w.declare_fault("F3", "M3", "B", "2024-12-01 08:00", under_warranty=True)
    w.replace("F3", "M3", "M3b", "B", "2024-12-05 12:00", kind="desktop", bundle="smm")
    w.close_fault("F3", "2024-12-05 12:00", "replaced")
    w.declare_fault("F2", "M2", "A", "2025-01-20 08:00")
    w.declare_fault("F5", "M1", "A", "2025-01-25 08:00", under_warranty=True)
    w.close_fault("F5", "2025-01-26 08:00", "not_reproducible")
    w.close_fault("F2", "2025-02-04 08:00", "repaired")
    w.declare_fault("F6", "M2", "A", "2025-03-01 08:00")
    w.close_fault("F6", "2025-03-02 08:00", "cancelled")
    w.decommission("M4", "2025-06-01 09:00")
    w.declare_fault("F7", "M1", "A", "2025-08-20 08:00")
    w.declare_fault("F8", "M3b", "B", "2025-01-10 08:00")  # backdated
    return w


@pytest.fixture
def mnt(caught_up):  # noqa: F811
    return caught_up(maintenance_world())


def test_mnt01_open_faults(mnt):
    # S1: F2 (closed only on 4 Feb, at A), F4 (at C), F8 (backdated to 10 Jan, at B) -> 3; F1, F3, F5 closed before T
    assert_values(mnt, "MNT01", S1, {"all": 3, "school:A": 1, "school:B": 1, "school:C": 1})
    # Year: F4 (its asset is gone, the fault is not closed), F7, F8 -> 3; OED F7 at A, F8 at B; AUS F4 at C
    assert_values(mnt, "MNT01", YEAR, {"all": 3, "province:OED": 2, "province:AUS": 1})


def test_mnt02_mean_days_to_close(mnt):
    # S1: F1 2.5 + F3 4.1667 = 6.6667 days over 2 faults -> 3.3 (F5 is not_reproducible)
    assert_rates(mnt, "MNT02", S1, {"all": (6.6667, 2, 3.3)})
    # S2: F2, opened in S1 and closed in S2: 15 days -> 15.0 (F6 cancelled)
    assert_rates(mnt, "MNT02", S2, {"all": (15, 1, 15.0)})
    # Year: 2.5 + 4.1667 + 15 = 21.6667 over 3 -> 7.2222 -> 7.2; B: 4.1667 -> 4.2
    assert_rates(mnt, "MNT02", YEAR, {"all": (21.6667, 3, 7.2), "school:B": (4.1667, 1, 4.2)})
    # A: (2.5 + 15) / 2 = 8.75 -> 8.8 (a half rounds up); C closed nothing -> null
    assert_values(mnt, "MNT02", YEAR, {"school:A": 8.8, "school:C": None})


def test_mnt03_closed_under_warranty(mnt):
    # S1: F1 and F3 were declared under warranty -> 2 / 2 = 100.0
    assert_rates(mnt, "MNT03", S1, {"all": (2, 2, 100.0)})
    # S2: F2, not under warranty -> 0 / 1 = 0.0
    assert_values(mnt, "MNT03", S2, {"all": 0.0})
    # Year: 2 / 3 = 66.7; C closed nothing -> null
    assert_values(mnt, "MNT03", YEAR, {"all": 66.7, "school:C": None})


def test_mnt04_faults_open_for_more_than_15_days(mnt):
    # S1: T - 15 days = 2025-01-17 00:00: F4 (10 Sep) and F8 (10 Jan) yes, F2 (20 Jan) no -> 2
    assert_values(mnt, "MNT04", S1, {"all": 2})
    # Year: T - 15 days = 2025-08-17 00:00: F4, F8 yes; F7 (20 Aug, at A) no -> 2
    assert_values(mnt, "MNT04", YEAR, {"all": 2, "school:A": 0})


def test_mnt05_equipment_with_an_open_fault(mnt):
    # S1: in service M1, M2, M3b (M3 replaced on 5 Dec), M4 = 4; open faults on M2 (F2), M3b (F8), M4 (F4)
    # -> 3 / 4 = 75.0
    assert_rates(mnt, "MNT05", S1, {"all": (3, 4, 75.0)})
    # Year: M4 decommissioned -> M1, M2, M3b = 3; open faults on M1 (F7), M3b (F8) -> 2 / 3 = 66.7
    # C has no equipment in service at the year's T: denominator 0 -> null
    assert_rates(mnt, "MNT05", YEAR, {"all": (2, 3, 66.7), "school:C": (0, 0, None)})


def test_a_replacement_keeps_the_school_equipped(mnt):
    # B had M3 until 5 Dec, then M3b: one desktop in service at B at either T.
    assert values(mnt, "school:B", S1, "INF01", "INF03") == {"INF01": 1, "INF03": 100.0}
    assert values(mnt, "all", S1, "INF01") == {"INF01": 4}


def test_an_asset_with_two_open_faults_counts_once(caught_up):  # noqa: F811
    w = three_schools()
    w.equip("M1", "A", "2024-09-05 10:00", kind="desktop")
    w.equip("M2", "A", "2024-09-05 10:00", kind="laptop")
    w.declare_fault("F1", "M1", "A", "2024-10-01 08:00")
    w.declare_fault("F2", "M1", "A", "2024-11-01 08:00")  # the same asset, both open at T
    p = caught_up(w)
    assert_rates(p, "MNT05", YEAR, {"all": (1, 2, 50.0), "province:OED": (1, 2, 50.0), "school:A": (1, 2, 50.0)})
