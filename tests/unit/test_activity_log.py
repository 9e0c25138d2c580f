"""The activity log in reporting's read model: every event of every source, filtered and scoped,
newest first; the same after a rebuild, a replayed page or a duplicate as live."""
import pytest

from services.reporting import activity, replay
from shared.errors import InvalidCommand
from tests.unit.test_indicators_world import World, caught_up, projector_over  # noqa: F401


def world():
    w = World()
    w.school("A", "2024-09-01", region="DOE")
    w.school("B", "2024-09-01", region="DOE")
    w.school("Z", "2024-09-01", province="AUS", region="OTHER")["province_code"] = "AUS"  # another unit's
    w.equip("M1", "A", "2024-09-10")
    w.equip("M2", "A", "2024-09-10")
    w.propose_transfer("TR-12", ["M1", "M2"], "A", "B", "2024-10-01 09:00")
    w.approve_transfer("TR-12", "2024-10-02 10:00")["actor"].update(user="samira")
    w.declare_fault("F1", "M1", "A", "2024-10-05 08:00")
    w.record("warranty_claim_filed", "2024-10-06 08:00", "fault:F1", fault_id="F1", supplier="S", claim_ref="R")
    w.resource("R1", "2024-10-07")
    w.distribute("R1", ["A", "B"], "2024-10-08")
    w.record("good_practice_recorded", "2024-10-09", "practice:P1", practice_id="P1", school_code="B",
             teacher="Amal", description="Tablets in class")
    w.plan_training("T1", "2024-2025", "2024-10-10")
    return w


def ask(projector, scope="all", limit=100, offset=0, **filters):
    with projector.engine.connect() as conn:
        return activity.entries(conn, projector.projection, scope, activity.Filters.parse(filters), limit, offset)


def kinds(answer):
    return [e["event_type"] for e in answer["entries"]]


def test_every_event_is_in_the_log_newest_first_with_who_and_what(caught_up):  # noqa: F811
    w = world()
    answer = ask(caught_up(w))
    assert answer["total"] == len(w.everything())
    assert kinds(answer)[:3] == ["training_planned", "good_practice_recorded", "resource_distributed"]
    approval = next(e for e in answer["entries"] if e["event_type"] == "transfer_approved")
    assert approval["actor"] == {"user": "samira", "role": "coordinator"}
    # What is needed to say it in words: the transfer's schools, by name, and its number of items.
    assert approval["transfer"] == {"from_school": "A", "to_school": "B", "items": 2}
    assert [s["name_fr"] for s in approval["schools"]] == ["École A", "École B"]
    assert approval["occurred_at"] == "2024-10-02T10:00:00+01:00"


def test_filters_by_person_school_axis_kind_and_dates(caught_up):  # noqa: F811
    p = caught_up(world())
    assert kinds(ask(p, user="samira")) == ["transfer_approved"]
    # School B: named by the distribution and the practice, and the transfer's approval names only the
    # transfer, which goes to B.
    assert kinds(ask(p, school="B")) == ["good_practice_recorded", "resource_distributed", "transfer_approved",
                                         "transfer_proposed", "school_registered"]
    # A warranty claim names only its fault, which is at A.
    assert "warranty_claim_filed" in kinds(ask(p, school="A"))
    assert kinds(ask(p, axis="maintenance")) == ["warranty_claim_filed", "fault_declared"]
    assert kinds(ask(p, kind="resource_received")) == ["resource_received"]
    assert kinds(ask(p, since="2024-10-06", until="2024-10-07")) == ["resource_received", "warranty_claim_filed"]


def test_scopes_a_province_a_region_and_a_school(caught_up):  # noqa: F811
    p = caught_up(world())
    everything = ask(p)["total"]
    assert ask(p, scope="province:AUS")["total"] == 1  # only Z's registration is stamped AUS
    assert ask(p, scope="province:OED")["total"] == everything - 1
    # Region DOE holds the schools of OED: everything stamped OED.
    assert ask(p, scope="region:DOE")["total"] == everything - 1
    assert ask(p, scope="region:OTHER")["total"] == 1
    assert set(kinds(ask(p, scope="school:B"))) == set(kinds(ask(p, school="B")))


def test_pages_and_bad_filters(caught_up):  # noqa: F811
    p = caught_up(world())
    first, second = ask(p, limit=3), ask(p, limit=3, offset=3)
    assert kinds(first) + kinds(second) == kinds(ask(p))[:6]
    with pytest.raises(InvalidCommand) as bad:
        activity.Filters.parse({"since": "yesterday", "axis": "cooking", "colour": "red"})
    assert set(bad.value.errors) == {"since", "axis", "colour"}
    with pytest.raises(InvalidCommand) as bad:
        activity.Filters.parse({"since": "2024-10-07", "until": "2024-10-01"})
    assert set(bad.value.errors) == {"until"}


def test_rebuilt_equals_live_and_a_replayed_page_changes_nothing(caught_up, database):  # noqa: F811
    w = world()
    live = caught_up(w, page_size=2)  # many small batches, as from the bus
    before = ask(live)
    replay.rebuild(live)
    assert ask(live) == before
    # The same events again (a duplicate delivery) are skipped by position.
    for env in w.logs["inventory"][:3]:
        assert live.handle(env) == "duplicate"
    assert ask(live) == before
    # A projector that stopped half-way and started again reads on from where it was.
    again = projector_over(w, database, page_size=3)
    try:
        again.catch_up()
        assert ask(again) == before
    finally:
        again.engine.dispose()
