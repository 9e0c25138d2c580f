"""The renewal plan's rule: age, faults of the last 12 months, time out of service and an ended warranty."""
from datetime import datetime, timezone

from services.gateway import renewal

NOW = datetime(2026, 6, 1, tzinfo=timezone.utc)


def asset(asset_id, age, warranty="running", status="installed", school="S1"):
    return {"asset_id": asset_id, "serial": asset_id.upper(), "age_years": age, "warranty": warranty,
            "status": status, "school_code": school, "kind": "laptop"}


def fault(asset_id, declared, closed=None):
    return {"asset_id": asset_id, "declared_at": declared, "closed_at": closed, "school_code": "S1"}


def test_the_oldest_most_broken_item_comes_first_and_the_score_follows_the_rule():
    assets = [asset("a", 1), asset("b", 4, "ended"), asset("c", 6, status="decommissioned")]
    faults = [fault("b", "2026-03-01T09:00:00+00:00", "2026-03-31T09:00:00+00:00"),
              fault("b", "2026-05-02T00:00:00+00:00")]  # still open: out of service until now, 30 days
    ranked = renewal.rank(assets, faults, NOW)
    assert [r["asset_id"] for r in ranked] == ["b", "a"]  # a decommissioned item is no longer renewed
    b = ranked[0]
    assert (b["faults_12m"], b["days_down"]) == (2, 60.0)
    assert b["score"] == renewal.AGE * 4 + renewal.FAULT * 2 + renewal.DOWN * 2 + renewal.ENDED
    assert ranked[1]["score"] == renewal.AGE * 1


def test_a_schools_score_is_the_mean_of_its_items():
    ranked = renewal.rank([asset("a", 1), asset("b", 3), asset("c", 5, school="S2")], [], NOW)
    schools = renewal.schools(ranked)
    assert [(s["school_code"], s["score"], s["items"]) for s in schools] == [("S2", 10.0, 1), ("S1", 4.0, 2)]
