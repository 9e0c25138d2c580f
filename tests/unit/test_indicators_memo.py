"""The per-school memo never answers differently from reading the model afresh, whatever arrives."""
import random
from datetime import datetime, timezone

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
