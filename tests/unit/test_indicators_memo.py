"""The per-school memo never answers differently from reading the model afresh, whatever arrives."""
import random
from datetime import datetime, timedelta, timezone

from services.reporting import indicators as ind
from services.reporting.periods import parse_period, parse_scope
from tests.unit.test_indicators_infrastructure import infrastructure_world
from tests.unit.test_indicators_maintenance import maintenance_world
from tests.unit.test_indicators_resources import resources_world
from tests.unit.test_indicators_training import training_world
from tests.unit.test_indicators_world import World, projector_over

QUESTIONS = [("all", "2024-2025"), ("all", "2024-2025-S1"), ("province:OED", "2024-2025-S2"),
             ("region:DOE", "2025-2026"), ("school:A", "2024-2025"), ("school:B", "2025-2026"),
             ("province:AUS", "2024-2025")]
NOW = datetime(2026, 3, 1, tzinfo=timezone.utc)  # 2025-2026 is going on


def world():
    w = World()
    for build in (infrastructure_world, maintenance_world, resources_world, training_world):
        other = build()
        for source, log in other.logs.items():
            for env in log:  # the same facts, renumbered into one log per source
                w.record(env["event_type"], env["occurred_at"], env["stream_id"], env["province_code"],
                         **env["data"])
    return w


def test_memo_answers_equal_fresh_answers_as_events_arrive(database):
    w = world()
    projector = projector_over(w, database)
    memo = ind.Memo()
    projector.projection.listeners.append(memo.on_change)
    rng = random.Random(11)
    queues = {s: list(log) for s, log in w.logs.items()}
    delivered = 0
    try:
        while any(queues.values()):
            source = rng.choice([s for s in queues if queues[s]])
            for _ in range(rng.randint(1, 12)):
                if queues[source]:
                    assert projector.handle(queues[source].pop(0)) == "applied"
                    delivered += 1
            with projector.engine.connect() as conn:
                for scope, period in rng.sample(QUESTIONS, 3):
                    s, p = parse_scope(scope), parse_period(period)
                    kept = ind.answer(conn, projector.projection, s, p, {}, now=NOW, memo=memo)
                    fresh = ind.answer(conn, projector.projection, s, p, {}, now=NOW)
                    assert kept == fresh, (delivered, scope, period)
                s, p = parse_scope("province:OED"), parse_period("2024-2025")
                t = p.as_of(NOW).timestamp()
                assert ind.per_school(conn, projector.projection, s, p, t, memo) == \
                    ind.per_school(conn, projector.projection, s, p, t)
                # an ended period's whole answers are kept too, and forgotten when a late fact arrives
                everywhere = parse_scope("all")
                for by in ("province", "cycle"):
                    assert ind.breakdown(conn, projector.projection, everywhere, p, t, by, memo) == \
                        ind.breakdown(conn, projector.projection, everywhere, p, t, by), (delivered, by)
        assert memo.tables  # it was used
    finally:
        projector.engine.dispose()


def test_a_going_period_is_not_kept_while_something_is_dated_after_now(database):
    w = World()
    w.school("A", "2025-08-20 09:00")
    w.equip("L1", "A", "2025-09-10 10:00")
    w.equip("L2", "A", "2026-03-01 10:00")  # after the first "now" below (a source's clock ahead of ours)
    projector = projector_over(w, database)
    memo = ind.Memo()
    projector.projection.listeners.append(memo.on_change)
    projector.catch_up()
    try:
        year = parse_period("2025-2026")
        with projector.engine.connect() as conn:
            for now, inf01 in ((datetime(2026, 2, 15, tzinfo=timezone.utc), 1),
                               (datetime(2026, 3, 2, tzinfo=timezone.utc), 2)):
                answer = ind.answer(conn, projector.projection, parse_scope("all"), year, {}, now=now, memo=memo)
                assert {i["id"]: i["value"] for i in answer["indicators"]}["INF01"] == inf01
            assert memo.usable(year, datetime(2026, 3, 2, tzinfo=timezone.utc).timestamp())
            assert not memo.usable(year, datetime(2026, 2, 15, tzinfo=timezone.utc).timestamp())
            assert projector.projection.latest_at(conn) == datetime(2026, 3, 1, 9, tzinfo=timezone.utc).timestamp()
    finally:
        projector.engine.dispose()


GOING = [("all", "2025-2026"), ("all", "2025-2026-S2"), ("province:OED", "2025-2026-S2"),
         ("region:DOE", "2025-2026"), ("school:A", "2025-2026-S2"), ("school:B", "2025-2026")]


def test_a_going_periods_kept_figures_equal_fresh_ones_as_now_moves_and_facts_arrive(database):
    """While a period goes on, its figures that do not move with now are kept until the next stored batch and
    those that move with now until now reaches their next turn (a fault's fifteenth day open, the end day of a
    usage period, a session's start day): at every moment, from day to day and within a day, kept equals
    fresh, indicators and breakdowns alike."""
    w = world()
    w.usage("A", "R-LATE", "2026-03-01", "2026-04-10", 7, "2026-03-20 09:00")
    w.usage("B", "R-LATE", "2026-03-01", "2026-04-22", 3, "2026-03-20 09:05")
    w.plan_training("TR-LATE", "2025-2026", "2026-03-20 10:00")
    for n, day in enumerate(("2026-04-08", "2026-04-15", "2026-04-29")):
        w.schedule(f"SE-LATE{n}", "TR-LATE", day, day, 3.0, "2026-03-20 11:00")
        w.invite(f"SE-LATE{n}", f"ST-LATE{n}", "AB"[n % 2], "teacher", "2026-03-20 11:05")
        w.attend(f"SE-LATE{n}", f"ST-LATE{n}", day, "present" if n % 2 else "absent", "2026-03-20 11:10")
    held = [w.declare_fault(f"F-LATE{n}", f"L-LATE{n}", "AB"[n % 2], f"2026-03-{21 + n} {8 + n:02d}:30") for n in range(6)]
    held += [w.close_fault("F-LATE1", "2026-03-27 16:00"), w.usage("A", "R-LATE", "2026-03-01", "2026-05-02", 5,
                                                                    "2026-03-27 17:00")]
    projector = projector_over(w, database)
    memo = ind.Memo()
    projector.projection.listeners.append(memo.on_change)
    for env in held:
        w.logs[env["source"]].remove(env)
    projector.catch_up()
    rng = random.Random(5)
    moment = datetime(2026, 3, 28, 0, 0, tzinfo=timezone.utc)
    everywhere = parse_scope("all")
    try:
        while moment < datetime(2026, 5, 12, tzinfo=timezone.utc):
            if held and rng.random() < 0.3:  # a late fact arrives, dated before now
                env = held.pop(0)
                w.logs[env["source"]].append(dict(env, position=len(w.logs[env["source"]]) + 1))
                projector.catch_up()
            with projector.engine.connect() as conn:
                for scope, period in GOING:
                    s, p = parse_scope(scope), parse_period(period)
                    assert memo.usable(p, moment.timestamp())
                    kept = ind.answer(conn, projector.projection, s, p, {}, now=moment, memo=memo)
                    fresh = ind.answer(conn, projector.projection, s, p, {}, now=moment)
                    assert kept == fresh, (moment, scope, period)
                p = parse_period("2025-2026-S2")
                t = p.as_of(moment).timestamp()
                for by in ("province", "commune"):
                    assert ind.breakdown(conn, projector.projection, everywhere, p, t, by, memo) == \
                        ind.breakdown(conn, projector.projection, everywhere, p, t, by), (moment, by)
            moment += timedelta(hours=rng.choice((3, 7, 17, 29)), minutes=rng.randint(0, 59))
        assert not held
        assert any(k[0] == "still" for k in memo.answers) and any(k[0] == "moving" for k in memo.answers)
    finally:
        projector.engine.dispose()
