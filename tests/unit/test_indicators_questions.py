"""The questions readers ask beyond one figure: as of a day, broken down by group, compared with another
period, and about a scope that names nothing. On SQLite then PostgreSQL."""
from datetime import date, datetime, timezone
from fractions import Fraction

import pytest

from services.reporting import indicators as ind
from services.reporting.periods import parse_period, parse_scope
from services.reporting.registry import REGISTRY
from tests.unit.test_indicators_infrastructure import infrastructure_world
from tests.unit.test_indicators_maintenance import maintenance_world
from tests.unit.test_indicators_resources import resources_world
from tests.unit.test_indicators_training import training_world
from tests.unit.test_indicators_world import World, caught_up, projector_over  # noqa: F401

LATER = datetime(2026, 11, 1, tzinfo=timezone.utc)  # every period of these worlds has ended


def at(p, scope, period, as_of=None, memo=None):
    with p.engine.connect() as conn:
        answer = ind.answer(conn, p.projection, parse_scope(scope), parse_period(period), {}, now=LATER,
                            memo=memo, as_of=as_of)
    return answer, {i["id"]: i for i in answer["indicators"]}


# ---------------------------------------------------------------------- as_of

def test_as_of_counts_a_fact_of_that_day_and_not_one_of_the_next(caught_up):  # noqa: F811
    w = World()
    w.school("A", "2024-08-20 09:00")
    w.equip("L1", "A", "2024-10-15 10:00")
    w.declare_fault("F1", "L1", "A", "2024-10-15 23:30")  # late in the evening, Casablanca time
    w.declare_fault("F2", "L1", "A", "2024-10-16 00:10")  # just after midnight
    w.resource("R1", "2024-10-16 08:00")
    p = caught_up(w)
    answer, day = at(p, "province:OED", "2024-2025", as_of=date(2024, 10, 15))
    assert answer["as_of"] == "2024-10-16T00:00:00+01:00"  # T: the end of that day
    assert (day["INF01"]["value"], day["MNT01"]["value"], day["RES01"]["value"]) == (1, 1, 0)
    _, next_day = at(p, "province:OED", "2024-2025", as_of=date(2024, 10, 16))
    assert (next_day["MNT01"]["value"], next_day["RES01"]["value"]) == (2, 1)
    _, before = at(p, "province:OED", "2024-2025", as_of=date(2024, 10, 14))
    assert before["INF01"]["value"] == 0
    # Past the period's end, as_of is the period's end.
    whole, _ = at(p, "province:OED", "2024-2025-S1")
    assert at(p, "province:OED", "2024-2025-S1", as_of=date(2025, 6, 1))[0] == whole


def test_as_of_reads_past_a_memo_filled_at_the_periods_end(caught_up):  # noqa: F811
    p = caught_up(maintenance_world())
    memo = ind.Memo()
    at(p, "all", "2024-2025", memo=memo)  # fills the memo at T = the end of the year
    for day in (date(2024, 10, 1), date(2025, 1, 31), date(2025, 5, 2)):
        assert at(p, "all", "2024-2025", as_of=day, memo=memo) == at(p, "all", "2024-2025", as_of=day)
    assert at(p, "all", "2024-2025", as_of=date(2024, 10, 1)) != at(p, "all", "2024-2025")


# ---------------------------------------------------------------------- breakdown

def diversify(world):
    """Spread the worlds' schools over two communes, cycles and settings, in a fixed pattern."""
    for env in world.logs["inventory"]:
        if env["event_type"] == "school_registered":
            n = ord(env["data"]["school_code"][-1])
            env["data"].update(commune=("Dakhla", "Bir Anzarane")[n % 2],
                               cycle=("primary", "middle", "secondary")[n % 3],
                               setting=("urban", "rural")[(n // 2) % 2])
    return world


WORLDS = {"infrastructure": infrastructure_world, "maintenance": maintenance_world,
          "resources": resources_world, "training": training_world}


@pytest.mark.parametrize("name", list(WORLDS))
def test_each_grouping_sums_to_the_scopes_numerator_and_denominator(caught_up, name):  # noqa: F811
    p = caught_up(diversify(WORLDS[name]()))
    period = parse_period("2024-2025")
    t = period.as_of(LATER).timestamp()
    additive = [i for i, d in REGISTRY.items() if d.additive]
    with p.engine.connect() as conn:
        for scope in ("all", "province:OED"):
            whole = {i["id"]: i for i in ind.compute(conn, p.projection, parse_scope(scope), period, t)}
            for by in ind.GROUPINGS:
                for memo in (None, ind.Memo()):
                    rows = ind.breakdown(conn, p.projection, parse_scope(scope), period, t, by, memo)
                    assert sum(r.get("schools", 1) for r in rows) == len(
                        ind.Question(conn, p.projection, parse_scope(scope), period, t).codes())
                    for ident in additive:
                        items = [next(i for i in r["indicators"] if i["id"] == ident) for r in rows]
                        num = sum(Fraction(str(i["numerator"])) for i in items if i["numerator"] is not None)
                        den = sum(Fraction(str(i["denominator"] or 0)) for i in items)
                        if whole[ident]["numerator"] is not None:
                            assert num == Fraction(str(whole[ident]["numerator"])), (scope, by, ident)
                        assert den == Fraction(str(whole[ident]["denominator"] or 0)), (scope, by, ident)


def test_a_provinces_row_is_what_the_province_answers_and_groups_say_which_group(caught_up):  # noqa: F811
    p = caught_up(diversify(training_world()))
    period = parse_period("2024-2025")
    t = period.as_of(LATER).timestamp()
    with p.engine.connect() as conn:
        rows = ind.breakdown(conn, p.projection, parse_scope("all"), period, t, "province")
        assert [(r["province_code"], r["schools"]) for r in rows] == [("AUS", 1), ("OED", 2)]
        for r in rows:
            assert r["indicators"] == ind.compute(conn, p.projection, parse_scope(f"province:{r['province_code']}"),
                                                  period, t)
        communes = ind.breakdown(conn, p.projection, parse_scope("all"), period, t, "commune")
    # A (ord 65, odd) and C (67) in Bir Anzarane, B (66) in Dakhla; TRN07 by school is A 36, B 27, C 25.
    # C is of province AUS, A and B of OED: two communes named Bir Anzarane.
    by_commune = {(r["commune"], r["province_code"]): {i["id"]: i for i in r["indicators"]} for r in communes}
    assert {c: v["TRN07"]["value"] for c, v in by_commune.items()} == {
        ("Bir Anzarane", "AUS"): 25, ("Bir Anzarane", "OED"): 36, ("Dakhla", "OED"): 27}
    # Not tied to a school: not applicable to a commune.
    assert by_commune["Dakhla", "OED"]["TRN01"]["reason"] == "not_applicable"


def test_a_commune_name_two_provinces_share_is_two_communes_above_a_province(caught_up):  # noqa: F811
    w = World()
    w.school("A", "2024-08-20 09:00", province="OED")  # both of region DOE, both in a commune named Dakhla
    w.school("B", "2024-08-20 09:00", province="AUS")
    for asset in ("L1", "L2", "L3"):
        w.equip(asset, "A", "2024-09-10 10:00")
    w.equip("L4", "B", "2024-09-10 10:00")
    w.declare_fault("F1", "L1", "A", "2024-10-01 08:00")  # open for months: MNT04 moves with now
    p = caught_up(w)
    region = parse_scope("region:DOE")
    ended = parse_period("2024-2025")
    going, now = parse_period("2025-2026"), datetime(2026, 3, 2, 10, tzinfo=timezone.utc)
    with p.engine.connect() as conn:
        for period, t in ((ended, ended.as_of(LATER).timestamp()), (going, going.as_of(now).timestamp())):
            for memo in (None, ind.Memo()):
                rows = ind.breakdown(conn, p.projection, region, period, t, "commune", memo)
                assert [(r["commune"], r["province_code"], r["schools"]) for r in rows] == [
                    ("Dakhla", "AUS", 1), ("Dakhla", "OED", 1)], (period.name, memo)
                values = {r["province_code"]: {i["id"]: i["value"] for i in r["indicators"]} for r in rows}
                assert (values["OED"]["INF01"], values["AUS"]["INF01"]) == (3, 1)
                assert [(values[c]["MNT01"], values[c]["MNT04"]) for c in ("OED", "AUS")] == [(1, 1), (0, 0)]
                for r in rows:  # each row is what the commune gives at its own province
                    own, = ind.breakdown(conn, p.projection, parse_scope(f"province:{r['province_code']}"),
                                         period, t, "commune", memo)
                    assert own["indicators"] == r["indicators"]
                    assert (own["commune"], own["province_code"]) == (r["commune"], r["province_code"])


# ---------------------------------------------------------------------- compare

def test_compare_with_a_period_with_data_and_one_without(caught_up):  # noqa: F811
    p = caught_up(training_world())
    _, year = at(p, "province:OED", "2024-2025")
    _, s1 = at(p, "province:OED", "2024-2025-S1")
    _, empty = at(p, "province:OED", "2022-2023")
    got = {i["id"]: i for i in ind.side_by_side(list(year.values()), list(s1.values()))}
    # TRN02: year 40.0 (2 / 5) against S1 50.0 (1 / 2): -10.0; TRN03 counts: year 5 against S1 4.
    assert got["TRN02"]["with"] == {"value": 50.0, "numerator": 1, "denominator": 2}
    assert got["TRN02"]["difference"] == -10.0
    assert (got["TRN03"]["value"], got["TRN03"]["with"]["value"], got["TRN03"]["difference"]) == (
        year["TRN03"]["value"], s1["TRN03"]["value"], year["TRN03"]["value"] - s1["TRN03"]["value"])
    against_nothing = {i["id"]: i for i in ind.side_by_side(list(year.values()), list(empty.values()))}
    # A rate over nothing has no value, so no difference; a count of nothing is 0.
    assert against_nothing["TRN02"]["with"]["value"] is None and against_nothing["TRN02"]["difference"] is None
    assert against_nothing["TRN01"]["difference"] == year["TRN01"]["value"]


@pytest.mark.parametrize("a, b, d", [(57.1, 50.0, 7.1), (0.3, 0.1, 0.2), (12, 15, -3), (None, 1, None),
                                     (274.0, 290.0, -16.0)])
def test_a_difference_is_what_a_reader_works_out_from_the_two_values(a, b, d):
    assert ind.difference(a, b) == d


# ---------------------------------------------------------------------- scopes

def test_a_scope_is_known_when_a_school_carries_its_code(caught_up):  # noqa: F811
    w = World()
    w.school("A", "2024-08-20 09:00", province="OED", region="DOE")
    p = caught_up(w)
    with p.engine.connect() as conn:
        known = {s: ind.known_scope(conn, p.projection, parse_scope(s), "OED")
                 for s in ("all", "school:A", "school:NOPE", "province:OED", "province:NOPE", "region:DOE",
                           "region:NOPE")}
        assert known == {"all": True, "school:A": True, "school:NOPE": False, "province:OED": True,
                         "province:NOPE": False, "region:DOE": True, "region:NOPE": False}
        # The deployment's own province is known before its first school is registered.
        assert ind.known_scope(conn, p.projection, parse_scope("province:AUS"), "AUS")


def test_the_school_years_with_facts_run_from_the_first_to_the_current(caught_up, tmp_path):  # noqa: F811
    p = caught_up(training_world())  # the first fact: TR1 planned on 15 August 2024, in 2023-2024
    with p.engine.connect() as conn:
        years = ind.school_years(conn, p.projection, now=datetime(2026, 12, 2, tzinfo=timezone.utc))
        assert years == ["2026-2027", "2025-2026", "2024-2025", "2023-2024"]
    empty = projector_over(World(), f"sqlite:///{tmp_path / 'empty.db'}")
    with empty.engine.connect() as conn:
        assert ind.school_years(conn, empty.projection, now=datetime(2026, 3, 1, tzinfo=timezone.utc)) == [
            "2025-2026"]
    empty.engine.dispose()


@pytest.mark.parametrize("name", list(WORLDS))
def test_provinces_in_one_pass_answer_what_each_province_answers(caught_up, name):  # noqa: F811
    p = caught_up(diversify(WORLDS[name]()))
    for period_name in ("2024-2025", "2024-2025-S1"):
        period = parse_period(period_name)
        t = period.as_of(LATER).timestamp()
        with p.engine.connect() as conn:
            for memo in (None, ind.Memo()):
                rows = ind.breakdown(conn, p.projection, parse_scope("all"), period, t, "province", memo)
                for r in rows:
                    alone = ind.compute(conn, p.projection, parse_scope(f"province:{r['province_code']}"), period, t)
                    assert r["indicators"] == alone, (name, period_name, r["province_code"])



def two_regions():
    """Region DOE: A and B of province OED, C of province AUS; region LSH: D of province LAA."""
    w = World()
    for code, province, region in (("A", "OED", "DOE"), ("B", "OED", "DOE"), ("C", "AUS", "DOE"),
                                   ("D", "LAA", "LSH")):
        w.school(code, "2024-08-20 09:00", province=province, region=region)
    for asset, school, bundle in (("L1", "A", "none"), ("L2", "A", "none"), ("L3", "B", "smm"), ("L4", "C", "none"),
                                  ("L5", "D", "vmm"), ("L6", "D", "none"), ("L7", "D", "none")):
        w.equip(asset, school, "2024-09-10 10:00", bundle=bundle)
    # 2024-2025: L2 moves from A (OED) to C (AUS), one workshop for A and C: one of each for DOE, one for each
    # of its provinces.
    w.propose_transfer("T1", ["L2"], "A", "C", "2024-11-01 10:00")
    w.approve_transfer("T1", "2024-11-02 10:00")
    w.complete_transfer("T1", "2024-11-05 10:00")
    w.workshop("W1", ["A", "C"], "2024-12-02 10:00")
    for resource, province in (("R1", "OED"), ("R2", "AUS"), ("R3", "LAA"), ("R4", "GUE")):  # no school of GUE
        w.resource(resource, "2024-10-01 10:00", province=province)
    # 2025-2026, going on at NOW: F1 open for five months, F2 for five days.
    w.declare_fault("F1", "L1", "A", "2025-10-01 08:00")
    w.declare_fault("F2", "L5", "D", "2026-02-25 08:00")
    w.resource("R5", "2025-10-01 10:00", province="LAA")
    w.workshop("W2", ["D"], "2025-11-10 10:00", province="LAA")
    return w


NOW = datetime(2026, 3, 2, 10, tzinfo=timezone.utc)


def test_the_nation_by_region_gives_each_region_what_the_region_answers(caught_up):  # noqa: F811
    p = caught_up(two_regions())
    ended, going = parse_period("2024-2025"), parse_period("2025-2026")
    shown = ("INF01", "INF03", "INF09", "MNT01", "MNT04", "RES01", "RES07")
    expected = {  # (numerator, denominator) region by region, worked out by hand
        ended.name: {"DOE": [(4, None), (1, 3), (1, None), (0, None), (0, None), (2, None), (1, None)],
                     "LSH": [(3, None), (1, 1), (0, None), (0, None), (0, None), (1, None), (0, None)]},
        going.name: {"DOE": [(4, None), (1, 3), (0, None), (1, None), (1, None), (0, None), (0, None)],
                     "LSH": [(3, None), (1, 1), (0, None), (1, None), (0, None), (1, None), (1, None)]}}
    with p.engine.connect() as conn:
        for period, t in ((ended, ended.as_of(LATER).timestamp()), (going, going.as_of(NOW).timestamp())):
            for memo in (None, ind.Memo()):
                rows = ind.breakdown(conn, p.projection, parse_scope("all"), period, t, "region", memo)
                assert [(r["region_code"], r["schools"]) for r in rows] == [("DOE", 3), ("LSH", 1)]
                figures = {r["region_code"]: {i["id"]: (i["numerator"], i["denominator"]) for i in r["indicators"]}
                           for r in rows}
                assert {c: [f[i] for i in shown] for c, f in figures.items()} == expected[period.name], (
                    period.name, memo)
                for r in rows:
                    alone = ind.compute(conn, p.projection, parse_scope(f"region:{r['region_code']}"), period, t)
                    assert r["indicators"] == alone, (period.name, memo, r["region_code"])
        # A transfer or a workshop across two provinces of DOE is one for the region, one for each province.
        provinces = ind.breakdown(conn, p.projection, parse_scope("all"), ended, ended.as_of(LATER).timestamp(),
                                  "province")
        assert {r["province_code"]: [i["value"] for i in r["indicators"] if i["id"] in ("INF09", "RES07")]
                for r in provinces} == {"AUS": [1, 1], "LAA": [0, 0], "OED": [1, 1]}


# ---------------------------------------------------------------------- a school no one registered

def test_facts_at_a_school_no_one_registered_count_only_once_it_is(caught_up, monkeypatch):  # noqa: F811
    w = World()
    w.school("A", "2024-08-20 09:00")
    w.equip("L1", "A", "2024-09-10 10:00")
    w.equip("L2", "Z", "2024-09-11 10:00")  # Z: named by inventory's facts, registered with none yet
    w.declare_fault("F1", "L2", "Z", "2024-10-01 08:00")
    p = caught_up(w, page_size=1)  # one event a batch, as they arrive
    for scope in ("all", "province:OED"):
        _, figures = at(p, scope, "2024-2025")
        assert (figures["INF01"]["value"], figures["MNT01"]["value"]) == (1, 0), scope
    # Codes too many to list are left out of scope all by the query that finds them, to the same answer.
    with monkeypatch.context() as m:
        m.setattr(ind, "OUTSIDE_LISTED", 0)
        _, figures = at(p, "all", "2024-2025")
        assert (figures["INF01"]["value"], figures["MNT01"]["value"]) == (1, 0)

    # A model filled before the list of such codes was kept finds them when it starts.
    with p.engine.begin() as conn:
        p.projection.unregistered.drop(conn)
    again = projector_over(w, str(p.engine.url))
    try:
        _, figures = at(again, "all", "2024-2025")
        assert (figures["INF01"]["value"], figures["MNT01"]["value"]) == (1, 0)
    finally:
        again.engine.dispose()

    w.school("Z", "2024-09-01 09:00")  # its registration arrives late, dated before the facts
    p.catch_up()
    for scope in ("all", "province:OED"):
        _, figures = at(p, scope, "2024-2025")
        assert (figures["INF01"]["value"], figures["MNT01"]["value"]) == (2, 1), scope
    p.rebuild()
    _, figures = at(p, "all", "2024-2025")
    assert (figures["INF01"]["value"], figures["MNT01"]["value"]) == (2, 1)
