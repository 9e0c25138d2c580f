"""The rules every indicator shares: period edges, ties, T, scopes, rounding, the answer's shape,
and the model itself: live equals rebuilt, duplicates and gaps, the model at given positions."""
import random
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from services.reporting import indicators as ind
from services.reporting import replay
from services.reporting.periods import parse_period, parse_scope
from tests.unit.test_indicators_infrastructure import infrastructure_world
from tests.unit.test_indicators_maintenance import maintenance_world
from tests.unit.test_indicators_resources import resources_world
from tests.unit.test_indicators_training import training_world
from tests.unit.test_indicators_world import (World, ask, assert_values, caught_up, fractions,  # noqa: F401
                                              projector_over, values)

WORLDS = {"infrastructure": infrastructure_world, "maintenance": maintenance_world,
          "resources": resources_world, "training": training_world}
SCOPES = ["all", "region:DOE", "region:XYZ", "province:OED", "province:AUS", "school:A", "school:B", "school:C",
          "school:D", "school:ZZZ"]
PERIODS = ["2023-2024", "2024-2025", "2024-2025-S1", "2024-2025-S2", "2025-2026", "2025-2026-S1"]


def test_an_instant_falls_in_a_period_by_casablanca_time(caught_up):  # noqa: F811
    w = World()
    w.resource("last-second-of-S1", "2025-01-31T23:59:59+01:00")
    w.resource("first-instant-of-S2", "2025-02-01T00:00:00+01:00")
    w.resource("utc-evening", "2025-01-31T23:30:00Z")  # 00:30 on 1 Feb in Casablanca: S2
    w.resource("utc-late-august", "2024-08-31T23:30:00Z")  # 00:30 on 1 Sep: S1 of 2024-2025
    w.resource("local-late-august", "2024-08-31T23:30:00+01:00")  # still 2023-2024
    p = caught_up(w)
    assert_values(p, "RES01", "2024-2025-S1", {"province:OED": 2})
    assert_values(p, "RES01", "2024-2025-S2", {"province:OED": 2})
    assert_values(p, "RES01", "2024-2025", {"province:OED": 4})
    assert_values(p, "RES01", "2023-2024", {"province:OED": 1})


def test_the_latest_is_the_greatest_occurred_at_then_the_greatest_position(caught_up):  # noqa: F811
    w = World()
    for code in "ABC":
        w.school(code, "2024-08-20 09:00")
    # A and B: two records of the same instant (written in two offsets for B): the later in the log wins.
    w.connectivity("A", "connected", "2024-10-01T09:00:00+01:00")
    w.connectivity("A", "disconnected", "2024-10-01T09:00:00+01:00")
    w.connectivity("B", "disconnected", "2024-10-01T09:00:00+01:00")
    w.connectivity("B", "connected", "2024-10-01T08:00:00Z")
    # C: recorded later but dated earlier: the older date loses.
    w.connectivity("C", "connected", "2024-10-05 09:00")
    w.connectivity("C", "disconnected", "2024-10-02 09:00")
    p = caught_up(w)
    # B and C connected, A not: 2 connected of 3 -> 66.7
    assert_values(p, "INF04", "2024-2025", {"school:A": 0.0, "school:B": 100.0, "school:C": 100.0, "all": 66.7})


def test_an_ongoing_period_is_read_now(caught_up):  # noqa: F811
    now = datetime(2026, 11, 22, 12, 0, tzinfo=timezone.utc)  # 13:00 in Casablanca
    w = World()
    w.school("A", "2026-08-20 09:00")
    w.equip("L1", "A", "2026-09-10 10:00")
    w.equip("L2", "A", "2026-09-10 10:00")
    w.declare_fault("F1", "L1", "A", "2026-11-01 09:00")  # 21 days before now
    w.declare_fault("F2", "L2", "A", "2026-11-10 09:00")  # 12 days before now
    w.resource("R1", "2026-11-20 09:00")
    p = caught_up(w)
    answer = ask(p, "all", "2026-2027", now=now)
    assert {i: answer[i]["value"] for i in ("INF01", "MNT01", "MNT04", "MNT05", "RES01")} == {
        "INF01": 2, "MNT01": 2, "MNT04": 1, "MNT05": 100.0, "RES01": 1}
    with p.engine.connect() as conn:
        full = ind.answer(conn, p.projection, parse_scope("all"), parse_period("2026-2027-S1"), p.positions, now)
    assert full["as_of"] == "2026-11-22T13:00:00+01:00"
    # S2 has not started: no flow, and the stock is read now.
    assert values(p, "all", "2026-2027-S2", "RES01", "INF01", now=now) == {"RES01": 0, "INF01": 2}


def test_the_answer_has_the_contract_shape(caught_up):  # noqa: F811
    w = infrastructure_world()
    p = caught_up(w)
    with p.engine.connect() as conn:
        answer = ind.answer(conn, p.projection, parse_scope("province:OED"), parse_period("2024-2025"),
                            p.positions)
    assert set(answer) == {"scope", "period", "as_of", "positions", "indicators"}
    assert answer["scope"] == "province:OED" and answer["period"] == "2024-2025"
    assert answer["as_of"] == "2025-09-01T00:00:00+01:00"
    assert answer["positions"] == {"inventory": len(w.logs["inventory"]), "maintenance": 0, "resources": 0,
                                   "training": 0}
    ids = [i["id"] for i in answer["indicators"]]
    assert ids == [f"INF0{n}" for n in range(1, 10)] + [f"MNT0{n}" for n in range(1, 6)] + \
        [f"RES0{n}" for n in range(1, 9)] + [f"TRN0{n}" for n in range(1, 9)]
    for item in answer["indicators"]:
        assert set(item) == {"id", "value", "numerator", "denominator"}
    counts = {"INF01", "INF07", "INF09", "MNT01", "MNT04", "RES01", "RES02", "RES04", "RES06", "RES07", "RES08",
              "TRN01", "TRN03", "TRN06", "TRN07"}
    for item in answer["indicators"]:
        if item["id"] in counts:
            assert item["denominator"] is None and item["value"] == item["numerator"]


def test_the_schools_of_a_region_a_province_and_an_unknown_school(caught_up):  # noqa: F811
    w = World()
    w.school("A", "2024-08-20 09:00", province="OED", region="DOE")
    w.school("B", "2024-08-20 09:00", province="AUS", region="DOE")
    w.school("C", "2024-08-20 09:00", province="SUD", region="SOU")
    for asset, school in (("L1", "A"), ("L2", "B"), ("L3", "C"), ("L4", "C")):
        w.equip(asset, school, "2024-09-10 10:00")
    w.connectivity("C", "connected", "2024-09-11 10:00")
    w.equip("L5", "X", "2024-09-10 10:00")  # a school nobody registered
    p = caught_up(w)
    assert values(p, "region:DOE", "2024-2025", "INF01") == {"INF01": 2}
    assert values(p, "region:SOU", "2024-2025", "INF01", "INF04") == {"INF01": 2, "INF04": 100.0}
    assert values(p, "province:AUS", "2024-2025", "INF01") == {"INF01": 1}
    assert values(p, "all", "2024-2025", "INF01", "INF04") == {"INF01": 4, "INF04": 33.3}
    # No school: counts 0, rates over no school are null.
    assert fractions(p, "school:X", "2024-2025", "INF01", "INF04") == {"INF01": (0, None), "INF04": (0, 0)}
    assert values(p, "school:X", "2024-2025", "INF04") == {"INF04": None}


def test_rates_round_to_one_decimal_halves_up(caught_up):  # noqa: F811
    w = World()
    for n in range(16):
        w.school(f"S{n:02d}", "2024-08-20 09:00")
    w.connectivity("S00", "connected", "2024-09-11 10:00")
    p = caught_up(w)
    # 1 / 16 x 100 = 6.25 -> 6.3
    assert fractions(p, "all", "2024-2025", "INF04") == {"INF04": (1, 16)}
    assert values(p, "all", "2024-2025", "INF04") == {"INF04": 6.3}


@pytest.mark.parametrize("x, expected", [((1, 16), 6.3), ((2, 3), 66.7), ((1, 3), 33.3), ((1, 8), 12.5),
                                         ((1, 2000), 0.1), ((1, 2001), 0.0), ((0, 5), 0.0)])
def test_round1_is_half_up_on_the_exact_fraction(x, expected):
    from fractions import Fraction
    assert ind.round1(Fraction(*x) * 100) == expected


def _snapshot(projector):
    """Every answer for every scope and period, every school's row, and every table, sorted."""
    out = {}
    with projector.engine.connect() as conn:
        for scope in SCOPES:
            for period in PERIODS:
                s, pe = parse_scope(scope), parse_period(period)
                out[scope, period] = ind.answer(conn, projector.projection, s, pe, projector.positions)
                if scope in ("all", "province:OED"):
                    out[scope, period, "schools"] = ind.per_school(conn, projector.projection, s, pe,
                                                                   pe.as_of().timestamp())
        for table in projector.projection.metadata.sorted_tables:
            out[table.name] = sorted(tuple(r) for r in conn.execute(select(table)))
    return out


@pytest.mark.parametrize("world", sorted(WORLDS))
def test_live_one_event_at_a_time_equals_rebuilt_field_for_field(world, database):
    w = WORLDS[world]()
    projector = projector_over(w, database, page_size=1)
    try:
        # Delivered as the bus would: sources interleaved, one event per transaction.
        queues = {s: list(log) for s, log in w.logs.items()}
        while any(queues.values()):
            for source, queue in queues.items():
                if queue:
                    assert projector.handle(queue.pop(0)) == "applied"
        live = _snapshot(projector)
        assert replay.rebuild(projector) == len(w.everything())
        assert projector.positions == {s: len(log) for s, log in w.logs.items()}
        rebuilt = _snapshot(projector)
        assert rebuilt.keys() == live.keys()
        for key in live:
            assert rebuilt[key] == live[key], key
    finally:
        projector.engine.dispose()


def test_duplicates_and_gaps_change_nothing(database):
    w = infrastructure_world()
    projector = projector_over(w, database)
    try:
        events = w.logs["inventory"]
        rng = random.Random(7)
        outcomes = []
        for _ in range(3 * len(events)):
            outcomes.append(projector.handle(rng.choice(events)))  # any order, many times over
        for env in events:
            outcomes.append(projector.handle(env))
        assert set(outcomes) <= {"applied", "duplicate"} and "duplicate" in outcomes
        assert projector.positions["inventory"] == len(events)
        # The hand-checked figures of the infrastructure scenario.
        assert values(projector, "all", "2024-2025-S1", "INF01", "INF02", "INF06") == {
            "INF01": 6, "INF02": 274.0, "INF06": 66.7}
        assert values(projector, "all", "2024-2025", "INF01", "INF05", "INF08") == {
            "INF01": 5, "INF05": 66.7, "INF08": 60.0}
    finally:
        projector.engine.dispose()


def test_the_model_as_it_stood_at_given_positions(caught_up):  # noqa: F811
    w = maintenance_world()
    p = caught_up(w)
    before = ask(p, "all", "2024-2025")
    positions = dict(p.positions)
    # Later: a fault closed, another declared, both dated inside the year.
    w.close_fault("F8", "2025-03-01 08:00", "repaired")
    w.declare_fault("F9", "M2", "A", "2025-03-02 08:00")
    p.catch_up()
    assert ask(p, "all", "2024-2025") != before
    projection, engine = replay.model_at(w.fetch, positions)
    try:
        with engine.connect() as conn:
            again = ind.answer(conn, projection, parse_scope("all"), parse_period("2024-2025"), positions)
    finally:
        engine.dispose()
    assert {i["id"]: i for i in again["indicators"]} == before


def test_the_school_rows_are_what_each_school_gets_alone(caught_up):  # noqa: F811
    p = caught_up(training_world())
    period = parse_period("2024-2025")
    with p.engine.connect() as conn:
        rows = ind.per_school(conn, p.projection, parse_scope("all"), period, period.as_of().timestamp())
    assert [r["school_code"] for r in rows] == ["A", "B", "C"]
    for row in rows:
        alone = ask(p, f"school:{row['school_code']}", "2024-2025")
        assert [i["id"] for i in row["indicators"]] == list(ind.SCHOOL_LEVEL)
        for item in row["indicators"]:
            assert item == alone[item["id"]]
    assert rows[0]["name_ar"] == "مدرسة A" and rows[0]["province_code"] == "OED"
    # TRN07 by school, worked by hand in the training scenario: 36, 27, 25
    assert [next(i["value"] for i in r["indicators"] if i["id"] == "TRN07") for r in rows] == [36, 27, 25]


def _planner_rows(conn, table: str):
    """How many rows the planner believes `table` holds; None if it was never told."""
    from sqlalchemy import text

    if conn.dialect.name == "postgresql":
        rows = conn.execute(text("SELECT reltuples FROM pg_class WHERE relname = :t"), {"t": table}).scalar()
        return None if rows is None or rows < 0 else int(rows)
    if not conn.execute(text("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'")).first():
        return None
    stat = conn.execute(text("SELECT stat FROM sqlite_stat1 WHERE tbl = :t"), {"t": table}).scalar()
    return None if stat is None else int(stat.split()[0])


def _forget_statistics(projector):
    """As a model filled before statistics were kept: the planner knows nothing of its tables."""
    from sqlalchemy import text

    with projector.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("DELETE FROM pg_statistic WHERE starelid IN ('faults'::regclass, 'placements'::regclass)"))
            conn.execute(text("UPDATE pg_class SET reltuples = -1 WHERE relname IN ('faults', 'placements')"))
            conn.execute(text("SELECT pg_stat_reset()"))
        else:
            conn.execute(text("DROP TABLE IF EXISTS sqlite_stat1"))


def _counted(projector, *tables):
    from sqlalchemy import text

    with projector.engine.connect() as conn:
        return {t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar() for t in tables}


def test_a_rebuild_tells_the_planner_how_many_rows_it_made(database):
    """Without the statistics, PostgreSQL plans for empty tables (a national question took 8 s instead of 0.5)
    and SQLite read every unused item of the country for a region's question."""
    projector = projector_over(maintenance_world(), database)
    try:
        for rebuild in (lambda: replay.rebuild(projector), projector.rebuild):
            _forget_statistics(projector)
            rebuild()
            counted = _counted(projector, "faults", "placements")
            with projector.engine.connect() as conn:
                assert {t: _planner_rows(conn, t) for t in counted} == counted and counted["faults"] == 8
    finally:
        projector.engine.dispose()


@pytest.mark.postgres
def test_a_rebuild_on_postgresql_lets_questions_read_covering_indexes_alone(postgres_database):
    """Until VACUUM marks a bulk-filled table's pages visible to all, PostgreSQL fetches from the table every row
    a covering index finds: the national `all` question took 413 ms instead of 344."""
    from sqlalchemy import text

    projector = projector_over(maintenance_world(), postgres_database)
    try:
        replay.rebuild(projector)
        with projector.engine.connect() as conn:
            pages = conn.execute(text("SELECT relpages, relallvisible FROM pg_class "
                                      "WHERE relname = 'placements'")).one()
        assert pages.relpages > 0 and pages.relallvisible == pages.relpages
    finally:
        projector.engine.dispose()


def test_a_model_grown_event_by_event_or_filled_before_statistics_is_planned_too(database, monkeypatch):
    import shared.projector

    monkeypatch.setattr(shared.projector, "ANALYZE_FROM", 6)
    world = maintenance_world()
    # Grown a few events at a time, as the bus brings them: told its size each time it doubled.
    projector = projector_over(world, database, page_size=2)
    try:
        _forget_statistics(projector)
        projector.catch_up()
        counted = _counted(projector, "faults", "placements")
        with projector.engine.connect() as conn:
            told = {t: _planner_rows(conn, t) for t in counted}
        assert all(told[t] is not None and counted[t] / 2 <= told[t] <= counted[t] for t in counted), (told, counted)
        # A model filled before statistics were kept is analysed when its reporting starts.
        _forget_statistics(projector)
        projector_over(world, database).engine.dispose()
        with projector.engine.connect() as conn:
            assert {t: _planner_rows(conn, t) for t in counted} == counted
    finally:
        projector.engine.dispose()


def test_a_model_gets_the_indexes_of_its_release_when_its_reporting_starts(database):
    from sqlalchemy import inspect, text

    world = maintenance_world()
    projector = projector_over(world, database)
    try:
        projector.catch_up()
        with projector.engine.begin() as conn:
            conn.execute(text("DROP INDEX ix_observations_status_at"))
            # and one that an earlier release declared and this one does not
            conn.execute(text("CREATE INDEX ix_placements_school ON placements (school_code, end_at)"))
        projector_over(world, database).engine.dispose()
        with projector.engine.connect() as conn:
            assert "ix_observations_status_at" in {i["name"] for i in inspect(conn).get_indexes("observations")}
            assert "ix_placements_school" not in {i["name"] for i in inspect(conn).get_indexes("placements")}
    finally:
        projector.engine.dispose()


def test_a_failed_analysis_stalls_nothing_and_is_tried_again(database, monkeypatch):
    """The events are applied when the statistics are renewed: a busy database then costs the statistics, not
    the events (they were taken for failed, and the projector stalled on events it already had)."""
    import shared.projector
    from shared import db

    monkeypatch.setattr(shared.projector, "ANALYZE_FROM", 6)
    real, tries = db.analyze, []

    def busy_once(conn, tables):
        tries.append(1)
        if len(tries) == 1:
            raise RuntimeError("database is locked")
        real(conn, tables)

    monkeypatch.setattr(db, "analyze", busy_once)
    world = maintenance_world()
    projector = projector_over(world, database, page_size=2)
    try:
        projector.catch_up()
        assert not projector.stalled and projector.positions == {s: len(log) for s, log in world.logs.items()}
        assert len(tries) >= 2  # tried again at a later batch, and then done
        with projector.engine.connect() as conn:
            assert _planner_rows(conn, "faults") is not None
    finally:
        projector.engine.dispose()


@pytest.mark.parametrize("reading", ["first", "second"])
def test_a_fresh_question_on_postgresql_reads_one_state_of_the_model_on_both_its_connections(postgres_database,
                                                                                              reading):
    """On PostgreSQL a fresh question reads half its figures on a second connection at the same time. Facts
    projected while it reads (here: once the first connection has taken its snapshot, before the first or the
    second connection reads on) are in neither half: the answer is the model as it stood, the next one sees them."""
    from sqlalchemy import event

    world = resources_world(infrastructure_world())
    projector = projector_over(world, postgres_database)
    try:
        projector.catch_up()
        before = ask(projector, "all", "2024-2025")
        # Equipment in service (read on the first connection) and uses (read on the second) recorded meanwhile.
        world.school("E", "2024-08-21 09:00")
        world.equip("AE1", "E", "2024-09-02 10:00")
        world.distribute("R1", ["E"], "2024-09-05 10:00")
        world.usage("E", "R1", "2024-09-10", "2024-09-30", 12, "2024-10-01 10:00")
        first, caught = [], []  # the connection that took the snapshot; whether the facts were projected

        def project_meanwhile(conn, cursor, statement, *_):
            if "pg_export_snapshot" in statement:
                first.append(conn)
            elif first and not caught and (conn is first[0]) == (reading == "first"):
                caught.append(1)
                projector.catch_up()

        event.listen(projector.engine, "before_cursor_execute", project_meanwhile)
        try:
            during = ask(projector, "all", "2024-2025")
        finally:
            event.remove(projector.engine, "before_cursor_execute", project_meanwhile)
        after = ask(projector, "all", "2024-2025")
        assert caught and projector.positions == {s: len(log) for s, log in world.logs.items()}
        assert during == before
        assert after["INF01"]["numerator"] == before["INF01"]["numerator"] + 1
        assert after["RES06"]["numerator"] == before["RES06"]["numerator"] + 12
    finally:
        projector.engine.dispose()


def test_a_question_whose_second_connection_fails_says_so_and_keeps_no_connection(postgres_database, monkeypatch):
    """A figure that cannot be read on the second connection fails the question where it was asked, as on the
    first; both connections go back to the pool and the next question is answered."""
    import dataclasses

    real, tried = ind.REGISTRY["RES02"].compute, []

    def unreadable(q):  # once, on the second connection: read there first
        tried.append(q.conn)
        if len(tried) == 1:
            raise RuntimeError("RES02 could not be read")
        return real(q)

    projector = projector_over(resources_world(), postgres_database)
    try:
        projector.catch_up()
        answered = ask(projector, "all", "2024-2025")
        monkeypatch.setitem(ind.REGISTRY, "RES02", dataclasses.replace(ind.REGISTRY["RES02"], compute=unreadable))
        assert "RES02" in ind.BESIDE
        with pytest.raises(RuntimeError, match="RES02 could not be read"):
            ask(projector, "all", "2024-2025")
        assert len(tried) == 1 and projector.engine.pool.checkedout() == 0
        monkeypatch.undo()
        assert ask(projector, "all", "2024-2025") == answered
    finally:
        projector.engine.dispose()
