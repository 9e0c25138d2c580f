"""TRN01–TRN07 on one hand-checked school year (2024-2025), on SQLite then PostgreSQL.

T(S1) = 2025-02-01 00:00+01:00, T(S2) = T(year) = 2025-09-01 00:00+01:00.
Schools A, B (province OED), C (province AUS); 2024-2025 census teachers: A 10, B 8, C 5 (23).

Trainings: TR1 (planned 2024-08-15), TR2 (2024-10-01), TR5 (AUS, 2024-11-01), TR3 (2025-02-15), all for
2024-2025; TR4 (2025-05-01) for 2025-2026.

Sessions (starts_on, hours; attendance P = present, a = absent, e = excused):
  SE1 TR1 2024-10-14, 12 h: t1 P P, t2 P a, t3 a P, d1 P e          completed 2024-10-15
  SE2 TR2 2025-01-30 .. 2025-02-02, 15 h (straddles S1/S2): t4 P P, t5 P a, i1 a P   completed 2025-02-02
  SE3 TR2 2025-03-10, 6 h: t1 P, t3 a                                  never completed
  SE4 TR2 2025-04-01, 6 h: no attendance                               cancelled
  SE5 TR5 (AUS) 2025-05-05, 10 h: t4 P                                completed 2025-05-05
  SE6 TR3 2025-08-28, 5 h: t2 P                                        completed 2025-09-03 (after the year)

Staff (school of the latest invitation): t1, t2 teachers at A; t3 teacher at B; d1 director at A;
t4 teacher at C; i1 inspector, no school; t5 teacher at A for SE2 (Dec 2024), then at B for SE3 (Mar 2025).
Certifications: t1, t2 (2024-11-01); t5 (2025-02-20); t1 (2025-03-01); t4 (AUS, 2025-05-20);
d1 dated 2025-01-15 but recorded last (backdated).
Evaluations (respondents x mean score): TR1 3 x 4.0 (2024-10-20), replaced by 4 x 4.5 (2024-11-05);
TR2 5 x 3.3 (2025-02-10); TR5 (AUS) 2 x 5.0 (2025-05-10); TR3 1 x 2.0 (2025-09-05, the next year).
"""
import pytest

from tests.unit.test_indicators_world import (S1, S2, YEAR, ask, assert_fractions, assert_rates,  # noqa: F401
                                              assert_values, caught_up, three_schools)


def training_world(w=None):
    w = three_schools(w)
    for code, teachers in (("A", 10), ("B", 8), ("C", 5)):
        w.census(code, YEAR, 100, teachers, "2024-09-15 10:00")

    w.plan_training("TR1", YEAR, "2024-08-15 10:00")
    w.schedule("SE1", "TR1", "2024-10-14", "2024-10-15", 12, "2024-09-25 10:00")
    for staff, school, role in (("t1", "A", "teacher"), ("t2", "A", "teacher"), ("t3", "B", "teacher"),
                                ("d1", "A", "director")):
        w.invite("SE1", staff, school, role, "2024-09-26 10:00")
    w.plan_training("TR2", YEAR, "2024-10-01 10:00")
    for staff, status in (("t1", "present"), ("t2", "present"), ("t3", "absent"), ("d1", "present")):
        w.attend("SE1", staff, "2024-10-14", status, "2024-10-14 18:00")
    for staff, status in (("t1", "present"), ("t2", "absent"), ("t3", "present"), ("d1", "excused")):
        w.attend("SE1", staff, "2024-10-15", status, "2024-10-15 18:00")
    w.complete_session("SE1", "2024-10-15 18:30")
    w.plan_training("TR5", YEAR, "2024-11-01 10:00", province="AUS")
    w.certify("TR1", "t1", "2024-11-01 10:00")
    w.certify("TR1", "t2", "2024-11-01 10:00")

    w.schedule("SE2", "TR2", "2025-01-30", "2025-02-02", 15, "2024-12-20 10:00")
    for staff, school, role in (("t4", "C", "teacher"), ("t5", "A", "teacher"), ("i1", None, "inspector")):
        w.invite("SE2", staff, school, role, "2024-12-21 10:00")
    for staff, status in (("t4", "present"), ("t5", "present"), ("i1", "absent")):
        w.attend("SE2", staff, "2025-01-30", status, "2025-01-30 18:00")
    for staff, status in (("t4", "present"), ("t5", "absent"), ("i1", "present")):
        w.attend("SE2", staff, "2025-02-02", status, "2025-02-02 18:00")
    w.complete_session("SE2", "2025-02-02 18:30")

    w.plan_training("TR3", YEAR, "2025-02-15 10:00")
    w.schedule("SE3", "TR2", "2025-03-10", "2025-03-10", 6, "2025-02-20 10:00")
    w.certify("TR2", "t5", "2025-02-20 10:00")
    w.schedule("SE4", "TR2", "2025-04-01", "2025-04-01", 6, "2025-03-01 09:00")
    for staff, school in (("t1", "A"), ("t3", "B"), ("t5", "B")):
        w.invite("SE3", staff, school, "teacher", "2025-03-01 10:00")
    w.certify("TR2", "t1", "2025-03-01 11:00")
    w.attend("SE3", "t1", "2025-03-10", "present", "2025-03-10 18:00")
    w.attend("SE3", "t3", "2025-03-10", "absent", "2025-03-10 18:00")
    w.cancel_session("SE4", "2025-03-25 10:00")

    w.schedule("SE5", "TR5", "2025-05-05", "2025-05-05", 10, "2025-04-20 10:00", province="AUS")
    w.invite("SE5", "t4", "C", "teacher", "2025-04-21 10:00", province="AUS")
    w.plan_training("TR4", "2025-2026", "2025-05-01 10:00")
    w.attend("SE5", "t4", "2025-05-05", "present", "2025-05-05 17:00", province="AUS")
    w.complete_session("SE5", "2025-05-05 18:00", province="AUS")
    w.certify("TR5", "t4", "2025-05-20 10:00", province="AUS")

    w.schedule("SE6", "TR3", "2025-08-28", "2025-08-28", 5, "2025-08-01 10:00")
    w.invite("SE6", "t2", "A", "teacher", "2025-08-02 10:00")
    w.attend("SE6", "t2", "2025-08-28", "present", "2025-08-28 18:00")
    w.complete_session("SE6", "2025-09-03 10:00")

    w.certify("TR2", "d1", "2025-01-15 10:00")  # backdated

    w.evaluate("TR1", 3, 4.0, "2024-10-20 10:00")
    w.evaluate("TR1", 4, 4.5, "2024-11-05 10:00")
    w.evaluate("TR2", 5, 3.3, "2025-02-10 10:00")
    w.evaluate("TR5", 2, 5.0, "2025-05-10 10:00", province="AUS")
    w.evaluate("TR3", 1, 2.0, "2025-09-05 10:00")
    return w


@pytest.fixture
def trn(caught_up):  # noqa: F811
    return caught_up(training_world())


def test_trn01_trainings_planned_for_the_school_year(trn):
    # S1 (T = 1 Feb): TR1, TR2 (OED); TR5 (AUS); TR3 is planned only on 15 Feb.
    assert_values(trn, "TRN01", S1, {"province:OED": 2, "all": 3})
    assert_values(trn, "TRN01", YEAR, {"province:OED": 3, "all": 4})
    assert_values(trn, "TRN01", "2025-2026", {"province:OED": 1})  # TR4


def test_trn02_sessions_completed(trn):
    # S1 (OED): SE1 completed; SE2 starts on 30 Jan but completes on 2 Feb, after T -> 1 / 2 = 50.0
    assert_rates(trn, "TRN02", S1, {"province:OED": (1, 2, 50.0)})
    # S2 (OED): SE3 not completed, SE4 cancelled, SE6 completed on 3 Sep, after T -> 0 / 3 = 0.0
    assert_fractions(trn, "TRN02", S2, {"province:OED": (0, 3)})
    # Year (OED): SE1, SE2 of 5 -> 40.0; all adds SE5 (AUS, completed) -> 3 / 6 = 50.0
    assert_values(trn, "TRN02", YEAR, {"province:OED": 40.0, "all": 50.0})
    # No session starts inside 2025-2026 (SE6 started on 28 Aug 2025) -> null
    assert_values(trn, "TRN02", "2025-2026", {"province:OED": None})


def test_trn03_staff_trained(trn):
    # S1: SE1 completed inside -> t1, t2, t3, d1 = 4
    assert_values(trn, "TRN03", S1, {"all": 4})
    # S2: SE2 (t4, t5, i1) and SE5 (t4) -> 3, OED 3, AUS 1. School scope: staff of the school at T.
    # At A: nobody of A (t5 has moved to B) was at SE2 or SE5 -> 0; at B: t5 -> 1
    assert_values(trn, "TRN03", S2, {"all": 3, "province:OED": 3, "province:AUS": 1, "school:A": 0, "school:B": 1})
    # Year: 7; A = {t1, t2, d1} -> 3; B = {t3, t5} -> 2; C = {t4} -> 1
    assert_values(trn, "TRN03", YEAR, {"all": 7, "school:A": 3, "school:B": 2, "school:C": 1})


def test_trn04_teachers_trained(trn):
    # S1: teachers present at SE1: t1, t2 (A), t3 (B); d1 is a director -> 3 / 23 = 13.04 -> 13.0
    assert_rates(trn, "TRN04", S1, {"all": (3, 23, 13.0)})
    # Year: SE1, SE2, SE5 completed -> t1, t2, t3, t4, t5 -> 5 / 23 = 21.74 -> 21.7 (SE6 ends after T)
    assert_rates(trn, "TRN04", YEAR, {"all": (5, 23, 21.7)})
    # A: t1, t2 of 10 -> 20.0; B: t3, t5 of 8 -> 25.0; C: t4 of 5 -> 20.0; OED: 4 / 18 = 22.2
    assert_values(trn, "TRN04", YEAR, {"school:A": 20.0, "school:B": 25.0, "school:C": 20.0, "province:OED": 22.2})


def test_trn05_attendance_rate(trn):
    # S1: SE1 (5 present of 8) and SE2, which starts inside S1, with both its days (4 of 6) -> 9 / 14 = 64.3
    # A at T(S1) = {t1, t2, d1, t5}: SE1 6 records, 4 present; SE2 t5 1 of 2 -> 5 / 8 = 62.5
    assert_rates(trn, "TRN05", S1, {"all": (9, 14, 64.3), "school:A": (5, 8, 62.5)})
    # S2: SE3 (1 of 2), SE5 (1 of 1), SE6 (1 of 1) -> 3 / 4 = 75.0; OED 2 / 3 = 66.7
    assert_values(trn, "TRN05", S2, {"all": 75.0, "province:OED": 66.7})
    # Year: 12 / 18 = 66.7
    assert_fractions(trn, "TRN05", YEAR, {"all": (12, 18)})
    # A at the year's T = {t1, t2, d1}: SE1 4 of 6, SE3 t1 1 of 1, SE6 t2 1 of 1 -> 6 / 8 = 75.0
    assert_values(trn, "TRN05", YEAR, {"school:A": 75.0})


def test_trn06_staff_certified(trn):
    # S1: t1, t2 and d1 (dated 15 Jan, recorded last) -> 3
    assert_values(trn, "TRN06", S1, {"all": 3})
    # S2: t5, t1, t4 -> 3; A in S2: t1 -> 1
    assert_values(trn, "TRN06", S2, {"all": 3, "school:A": 1})
    # Year: t1, t2, d1, t5, t4 -> 5; OED -> 4; A at the year's T = {t1, t2, d1} -> 3; B = {t3, t5} -> 1
    assert_values(trn, "TRN06", YEAR, {"all": 5, "province:OED": 4, "school:A": 3, "school:B": 1})


def test_trn07_training_hours(trn):
    # S1: SE1 12 h x 4 present = 48
    assert_values(trn, "TRN07", S1, {"all": 48})
    # S2: SE2 15 h x 3 = 45 (OED) + SE5 10 h x 1 = 10 (AUS) -> 55
    assert_values(trn, "TRN07", S2, {"all": 55, "province:OED": 45, "province:AUS": 10})
    # Year 103. A {t1, t2, d1}: SE1 3 x 12 = 36; B {t3, t5}: 12 + 15 = 27; C {t4}: 15 + 10 = 25 (i1 has no school)
    assert_values(trn, "TRN07", YEAR, {"all": 103, "school:A": 36, "school:B": 27, "school:C": 25})


def test_province_level_training_indicators_do_not_apply_to_a_school(trn):
    answer = ask(trn, "school:A", YEAR)
    for ident in ("TRN01", "TRN02"):
        assert answer[ident]["value"] is None and answer[ident]["reason"] == "not_applicable"
    assert "reason" not in answer["TRN03"]


def test_trn08_mean_evaluation_score_over_each_trainings_latest_evaluation(trn):
    # S1 (OED): TR1's latest at T is 4 x 4.5 = 18 -> 18 / 4 = 4.5
    assert_rates(trn, "TRN08", S1, {"province:OED": (18, 4, 4.5)})
    # S2 (OED): TR1's evaluation was in S1; TR2 5 x 3.3 = 16.5 -> 3.3
    assert_fractions(trn, "TRN08", S2, {"province:OED": (16.5, 5)})
    # Year (OED): 18 + 16.5 = 34.5 over 9 respondents = 3.83 -> 3.8; all adds AUS 2 x 5.0: 44.5 / 11 = 4.05 -> 4.0
    assert_rates(trn, "TRN08", YEAR, {"province:OED": (34.5, 9, 3.8)})
    assert_values(trn, "TRN08", YEAR, {"all": 4.0, "province:AUS": 5.0})
    # TR3 was evaluated in the next school year; no evaluation at all: null over 0.
    assert_fractions(trn, "TRN08", "2025-2026-S1", {"province:OED": (2, 1)})
    assert_rates(trn, "TRN08", "2023-2024", {"province:OED": (0, 0, None)})
    # Not tied to a school.
    assert ask(trn, "school:A", YEAR)["TRN08"]["reason"] == "not_applicable"


def test_trn08_as_of_a_day_reads_the_evaluation_that_stood_then(trn):
    from datetime import date

    from services.reporting import indicators as ind
    from services.reporting.periods import parse_period, parse_scope

    with trn.engine.connect() as conn:
        answer = ind.answer(conn, trn.projection, parse_scope("province:OED"), parse_period(YEAR), {},
                            as_of=date(2024, 10, 31))
    # Before TR1's second evaluation: its first, 3 x 4.0 = 12 -> 4.0
    trn08 = {i["id"]: i for i in answer["indicators"]}["TRN08"]
    assert (trn08["value"], trn08["numerator"], trn08["denominator"]) == (4.0, 12, 3)
