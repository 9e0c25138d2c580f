"""The resources axis' rules, without broker or database: each accepted and refused."""
from datetime import date
from functools import reduce

import pytest

from services.resources import domain as d
from shared.catalogue import registry
from shared.errors import CommandRejected
from tests.helpers import refused

SCHOOLS = {
    "P-URB": d.School("P-URB", "primary", "urban"),
    "P-RUR": d.School("P-RUR", "primary", "rural"),
    "M-RUR": d.School("M-RUR", "middle", "rural"),
}
RECEIVE = {"title": "Fractions en vidéo", "subject": "mathematics", "levels": ["CE5", "CE6"], "format": "video",
           "origin": "directorate"}

_position = iter(range(1, 10_000))


def env(event_type, **data):
    return {"event_type": event_type, "data": data, "position": next(_position)}


def fold(evolve, initial, *envelopes):
    return reduce(evolve, envelopes, initial)


def valid(events):
    """Every event a rule produces is a valid event of the contract's catalogue."""
    for e in events:
        registry.check_new("resources", e)
    return events


def resource(rid="R1", *envelopes):
    return fold(d.evolve_resource, d.Resource(rid), *envelopes)


def received(rid="R1"):
    return resource(rid, env("resource_received", resource_id=rid, **RECEIVE))


def submitted(rid="R1", project="PRJ1"):
    return resource(rid, env("resource_submitted", resource_id=rid, project_id=project, title="Quiz"))


def decided(decision, rid="R1", project="PRJ1"):
    return resource(rid,
                    env("resource_submitted", resource_id=rid, project_id=project, title="Quiz"),
                    env("validation_committee_held", committee_id="C1", members=["m1"],
                        decisions=[{"resource_id": rid, "decision": decision, "remarks": "r"}]))


PROJECT = d.Project("PRJ1", started=True)


# ---------------------------------------------------------------- receiving

def test_a_new_resource_is_received_with_its_description():
    [e] = valid(d.receive_resource(d.Resource("R1"), d.ReceiveResource(**RECEIVE)))
    assert e.type == "resource_received"
    assert e.data == dict(RECEIVE, resource_id="R1")


@pytest.mark.parametrize("state", [received(), submitted()])
def test_a_known_resource_is_not_received_again(state):
    refused("resource_already_known", d.receive_resource, state, d.ReceiveResource(**RECEIVE))


# ---------------------------------------------------------------- schools

def test_listed_schools_must_all_be_registered():
    assert d.require_known_schools(["M-RUR", "P-URB", "M-RUR"], SCHOOLS) == ["M-RUR", "P-URB"]
    err = refused("unknown_school", d.require_known_schools, ["P-URB", "X-404", "Y-405"], SCHOOLS)
    assert "X-404" in err.message and "Y-405" in err.message and "P-URB" not in err.message


def test_schools_of_a_cycle_a_setting_or_both():
    assert d.schools_of(SCHOOLS, "primary", None) == ["P-RUR", "P-URB"]
    assert d.schools_of(SCHOOLS, None, "rural") == ["M-RUR", "P-RUR"]
    assert d.schools_of(SCHOOLS, "primary", "rural") == ["P-RUR"]


def test_a_cycle_or_setting_without_any_school_is_refused():
    refused("no_school_matches", d.schools_of, SCHOOLS, "secondary", None)
    refused("no_school_matches", d.schools_of, SCHOOLS, "middle", "urban")
    refused("no_school_matches", d.schools_of, {}, None, "rural")


# ---------------------------------------------------------------- distributing

@pytest.mark.parametrize("state", [received(), decided("approved")])
def test_a_received_or_approved_resource_is_distributed(state):
    [e] = valid(d.distribute_resource(state, ["P-URB", "M-RUR"], "usb"))
    assert e.type == "resource_distributed"
    assert e.data == {"resource_id": "R1", "school_codes": ["P-URB", "M-RUR"], "channel": "usb"}


def test_an_unknown_resource_is_not_distributed():
    refused("unknown_resource", d.distribute_resource, d.Resource("R9"), ["P-URB"], "usb")


@pytest.mark.parametrize("state", [submitted(), decided("revision"), decided("rejected")])
def test_a_resource_not_approved_is_not_distributed(state):
    refused("resource_not_approved", d.distribute_resource, state, ["P-URB"], "usb")


# ---------------------------------------------------------------- production and submission

def test_a_production_project_starts_once():
    cmd = {"title": "Soutien en maths", "subject": "mathematics", "members": ["T-1", "T-2"]}
    [e] = valid(d.start_production_project(d.Project("PRJ1"), d.StartProductionProject(**cmd)))
    assert e.data == dict(cmd, project_id="PRJ1")
    started = fold(d.evolve_project, d.Project("PRJ1"), env("production_project_started", **e.data))
    refused("project_already_started", d.start_production_project, started, d.StartProductionProject(**cmd))


def test_a_produced_resource_is_submitted_by_its_project():
    [e] = valid(d.submit_resource(d.Resource("R1"), PROJECT, "Quiz"))
    assert e.data == {"resource_id": "R1", "project_id": "PRJ1", "title": "Quiz"}
    assert resource("R1", env(e.type, **e.data)).status == d.SUBMITTED


def test_a_resource_of_a_project_never_started_is_not_submitted():
    refused("unknown_project", d.submit_resource, d.Resource("R1"), d.Project("PRJ9"), "Quiz")


@pytest.mark.parametrize("state, code", [
    (received(), "resource_already_received"),
    (submitted(), "resource_already_submitted"),
    (decided("approved"), "resource_already_approved"),
    (decided("rejected"), "resource_rejected"),
])
def test_submission_is_refused_unless_new_or_asked_for_revision(state, code):
    refused(code, d.submit_resource, state, PROJECT, "Quiz")


def test_a_revised_resource_is_resubmitted_by_its_own_project_only():
    [e] = valid(d.submit_resource(decided("revision"), PROJECT, "Quiz v2"))
    assert e.data["title"] == "Quiz v2"
    refused("resource_of_another_project", d.submit_resource, decided("revision"), d.Project("PRJ2", True), "Q")


# ---------------------------------------------------------------- validation committee

def committee(*decisions, members=("M-1", "M-2")):
    return d.HoldValidationCommittee(list(members), tuple(d.Decision(r, x, "ok") for r, x in decisions))


def test_a_committee_decides_on_submitted_resources():
    cmd = committee(("R1", "approved"), ("R2", "revision"), ("R3", "rejected"))
    states = {"R1": submitted("R1"), "R2": submitted("R2"), "R3": submitted("R3")}
    [e] = valid(d.hold_validation_committee(d.Committee("C1"), cmd, states))
    assert e.type == "validation_committee_held"
    assert e.data["committee_id"] == "C1" and e.data["members"] == ["M-1", "M-2"]
    assert [(x["resource_id"], x["decision"]) for x in e.data["decisions"]] == [
        ("R1", "approved"), ("R2", "revision"), ("R3", "rejected")]


def test_the_decisions_set_each_resource_status():
    held = env("validation_committee_held", committee_id="C1", members=["m"], decisions=[
        {"resource_id": "R1", "decision": "approved", "remarks": ""},
        {"resource_id": "R2", "decision": "revision", "remarks": "voice-over"}])
    sub = env("resource_submitted", resource_id="R1", project_id="PRJ1", title="Quiz")
    assert resource("R1", sub, held).status == d.APPROVED
    assert resource("R2", env("resource_submitted", resource_id="R2", project_id="PRJ1", title="Q"),
                    held).status == d.REVISION
    assert resource("R3", env("resource_submitted", resource_id="R3", project_id="PRJ1", title="Q"),
                    held).status == d.SUBMITTED  # not decided on


@pytest.mark.parametrize("state, code", [
    (d.Resource("R1"), "resource_not_submitted"),      # never submitted, never received
    (received(), "resource_not_submitted"),             # received from the directorate
    (decided("revision"), "resource_not_submitted"),    # revision asked, not resubmitted yet
    (decided("rejected"), "resource_not_submitted"),
    (decided("approved"), "resource_already_approved"),  # final
])
def test_a_committee_decides_on_submitted_resources_only(state, code):
    refused(code, d.hold_validation_committee, d.Committee("C2"), committee(("R1", "approved")), {"R1": state})


def test_one_resource_not_submitted_refuses_the_whole_committee():
    cmd = committee(("R2", "approved"), ("R1", "approved"))
    err = refused("resource_not_submitted", d.hold_validation_committee, d.Committee("C2"), cmd,
                  {"R1": d.Resource("R1"), "R2": submitted("R2")})
    assert "R1" in err.message


def test_a_committee_is_recorded_once():
    held = fold(d.evolve_committee, d.Committee("C1"),
                env("validation_committee_held", committee_id="C1", members=["m"], decisions=[]))
    refused("committee_already_held", d.hold_validation_committee, held, committee(("R1", "approved")),
            {"R1": submitted()})


def test_revision_then_resubmission_then_approval_is_final():
    events = []

    def record(new, stream_events=events):
        for e in valid(new):
            stream_events.append(env(e.type, **e.data))

    record(d.submit_resource(d.Resource("R1"), PROJECT, "Quiz"))
    record(d.hold_validation_committee(d.Committee("C1"), committee(("R1", "revision")),
                                       {"R1": resource("R1", *events)}))
    refused("resource_not_submitted", d.hold_validation_committee, d.Committee("C2"),
            committee(("R1", "approved")), {"R1": resource("R1", *events)})
    record(d.submit_resource(resource("R1", *events), PROJECT, "Quiz v2"))
    record(d.hold_validation_committee(d.Committee("C2"), committee(("R1", "approved")),
                                       {"R1": resource("R1", *events)}))
    final = resource("R1", *events)
    assert final.status == d.APPROVED
    refused("resource_already_approved", d.hold_validation_committee, d.Committee("C3"),
            committee(("R1", "rejected")), {"R1": final})
    refused("resource_already_approved", d.submit_resource, final, PROJECT, "Quiz v3")
    valid(d.distribute_resource(final, ["P-RUR"], "platform"))


# ---------------------------------------------------------------- awareness workshops

def test_a_workshop_with_registered_schools_is_held_once():
    cmd = {"school_codes": ["P-URB", "M-RUR"], "participants": 24, "topic": "Ressources de soutien"}
    [e] = valid(d.hold_awareness_workshop(d.Workshop("W1"), d.HoldAwarenessWorkshop(**cmd), SCHOOLS))
    assert e.data == dict(cmd, workshop_id="W1")
    held = fold(d.evolve_workshop, d.Workshop("W1"), env(e.type, **e.data))
    refused("workshop_already_recorded", d.hold_awareness_workshop, held, d.HoldAwarenessWorkshop(**cmd), SCHOOLS)


def test_a_workshop_with_an_unknown_school_is_refused():
    cmd = d.HoldAwarenessWorkshop(school_codes=["P-URB", "X-404"], participants=5, topic="t")
    err = refused("unknown_school", d.hold_awareness_workshop, d.Workshop("W1"), cmd, SCHOOLS)
    assert "X-404" in err.message


# ---------------------------------------------------------------- use

def usage_cmd(start, end, uses=12, teachers=3, school="P-URB"):
    return d.RecordResourceUsage(school, "R1", date.fromisoformat(start), date.fromisoformat(end), uses, teachers)


def usage(*periods, school="P-URB"):
    return fold(d.evolve_usage, d.Usage(school, "R1"),
                *(env("resource_usage_recorded", school_code=school, resource_id="R1", period_start=s,
                      period_end=e, uses=1, teachers=1) for s, e in periods))


def distribution(events, at="2025-09-15T10:00:00+01:00"):
    """The envelope of the distribution the rules decided (`distribute_resource`'s events), recorded `at`."""
    [e] = events
    return dict(env(e.type, **e.data), occurred_at=at)


def reached(state, schools=("P-URB",), at="2025-09-15T10:00:00+01:00"):
    """`state` once the resource was distributed to `schools`, `at`."""
    return d.evolve_resource(state, distribution(d.distribute_resource(state, list(schools), "usb"), at))


@pytest.mark.parametrize("state", [received(), decided("approved")])
def test_use_is_recorded_by_school_and_period(state):
    [e] = valid(d.record_resource_usage(usage(), usage_cmd("2025-10-01", "2025-10-31"), reached(state), SCHOOLS))
    assert e.data == {"school_code": "P-URB", "resource_id": "R1", "period_start": "2025-10-01",
                      "period_end": "2025-10-31", "uses": 12, "teachers": 3}


def test_a_one_day_period_and_zero_uses_are_accepted():
    valid(d.record_resource_usage(usage(), usage_cmd("2025-10-01", "2025-10-01", 0, 0), reached(received()),
                                  SCHOOLS))


def test_a_period_ending_before_it_starts_is_refused():
    refused("period_ends_before_start", d.record_resource_usage, usage(),
            usage_cmd("2025-10-31", "2025-10-01"), reached(received()), SCHOOLS)


def test_use_at_an_unknown_school_is_refused():
    refused("unknown_school", d.record_resource_usage, usage(), usage_cmd("2025-10-01", "2025-10-31"),
            reached(received()), {})


def test_use_of_an_unknown_or_unapproved_resource_is_refused():
    cmd = usage_cmd("2025-10-01", "2025-10-31")
    refused("unknown_resource", d.record_resource_usage, usage(), cmd, d.Resource("R1"), SCHOOLS)
    refused("resource_not_approved", d.record_resource_usage, usage(), cmd, submitted(), SCHOOLS)


def test_use_at_a_school_the_resource_never_reached_is_refused():
    cmd = usage_cmd("2025-10-01", "2025-10-31")
    err = refused("resource_not_distributed_to_school", d.record_resource_usage, usage(), cmd, received(), SCHOOLS)
    assert "P-URB" in err.message
    elsewhere = reached(received(), ["P-RUR", "M-RUR"])
    refused("resource_not_distributed_to_school", d.record_resource_usage, usage(), cmd, elsewhere, SCHOOLS)


def test_use_is_recorded_once_the_resource_is_distributed_to_the_school():
    cmd = usage_cmd("2025-10-01", "2025-10-31")
    state = reached(received(), ["P-RUR"])
    refused("resource_not_distributed_to_school", d.record_resource_usage, usage(), cmd, state, SCHOOLS)
    state = reached(state, ["P-URB"])
    assert state.distributed_on == {"P-RUR": date(2025, 9, 15), "P-URB": date(2025, 9, 15)}
    valid(d.record_resource_usage(usage(), cmd, state, SCHOOLS))


def test_a_resource_distributed_to_a_setting_is_used_at_its_schools_of_that_day_only():
    """Distributed to the rural schools: their codes are in the event, as registered that day; an urban school,
    or one registered later, never received it."""
    rural_schools = d.schools_of(SCHOOLS, None, "rural")
    state = d.evolve_resource(received(), distribution(d.distribute_resource(received(), rural_schools, "platform")))
    rural, urban = usage_cmd("2025-10-01", "2025-10-31", school="P-RUR"), usage_cmd("2025-10-01", "2025-10-31")
    [e] = valid(d.record_resource_usage(usage(school="P-RUR"), rural, state, SCHOOLS))
    assert e.data["school_code"] == "P-RUR"
    refused("resource_not_distributed_to_school", d.record_resource_usage, usage(), urban, state, SCHOOLS)
    later = dict(SCHOOLS, **{"S-RUR": d.School("S-RUR", "secondary", "rural")})
    refused("resource_not_distributed_to_school", d.record_resource_usage, usage(school="S-RUR"),
            usage_cmd("2025-10-01", "2025-10-31", school="S-RUR"), state, later)


def test_a_period_starting_before_the_resource_reached_the_school_is_refused():
    # 23:30 on the 9th in UTC is already the 10th in Casablanca: the school's day is the province's
    state = reached(received(), at="2025-10-09T23:30:00+00:00")
    assert state.distributed_on == {"P-URB": date(2025, 10, 10)}
    for start in ("2025-09-01", "2025-10-09"):
        err = refused("usage_starts_before_distribution", d.record_resource_usage, usage(),
                      usage_cmd(start, "2025-10-31"), state, SCHOOLS)
        assert "2025-10-10" in err.message
    valid(d.record_resource_usage(usage(), usage_cmd("2025-10-10", "2025-10-31"), state, SCHOOLS))


def test_the_first_day_a_resource_reached_a_school_counts_even_if_entered_last():
    state = reached(received(), at="2025-11-20T10:00:00+01:00")
    state = reached(state, at="2025-10-02T10:00:00+01:00")  # the USB key of October, entered late
    state = reached(state, at="2026-02-01T10:00:00+01:00")  # sent again by the platform
    assert state.distributed_on == {"P-URB": date(2025, 10, 2)}
    valid(d.record_resource_usage(usage(), usage_cmd("2025-10-02", "2025-10-31"), state, SCHOOLS))


def test_periods_of_one_resource_at_one_school_do_not_overlap():
    state = usage(("2025-10-01", "2025-10-31"))
    resource = reached(received(), at="2025-08-20T10:00:00+01:00")
    for start, end in [("2025-10-31", "2025-11-30"), ("2025-09-01", "2025-10-01"), ("2025-10-10", "2025-10-12"),
                       ("2025-09-01", "2025-12-31")]:
        refused("usage_period_overlaps", d.record_resource_usage, state, usage_cmd(start, end), resource, SCHOOLS)
    valid(d.record_resource_usage(state, usage_cmd("2025-11-01", "2025-11-30"), resource, SCHOOLS))
    valid(d.record_resource_usage(state, usage_cmd("2025-09-01", "2025-09-30"), resource, SCHOOLS))


# ---------------------------------------------------------------- good practices, research

@pytest.mark.parametrize("decide, evolve, initial, typed, id_field, again, cmd", [
    pytest.param(d.record_good_practice, d.evolve_record, d.Record, d.RecordGoodPractice, "practice_id",
                 "practice_already_recorded",
                 {"school_code": "M-RUR", "teacher": "Amina", "description": "Capsules vidéo en classe inversée"},
                 id="good_practice"),
    pytest.param(d.report_dysfunction, d.evolve_dysfunction, d.Dysfunction, d.ReportDysfunction, "dysfunction_id",
                 "dysfunction_already_reported",
                 {"school_code": "P-RUR", "description": "Les vidéos ne se lisent pas"},
                 id="dysfunction"),
])
def test_a_good_practice_or_a_dysfunction_at_a_registered_school_is_recorded_once(decide, evolve, initial, typed,
                                                                                  id_field, again, cmd):
    [e] = valid(decide(initial("X1"), typed(**cmd), SCHOOLS))
    assert e.data == dict(cmd, **{id_field: "X1"})
    done = fold(evolve, initial("X1"), env(e.type, **e.data))
    refused(again, decide, done, typed(**cmd), SCHOOLS)
    elsewhere = typed(**dict(cmd, school_code="X"))
    refused("unknown_school", decide, initial("X2"), elsewhere, SCHOOLS)


def test_local_research_is_recorded_once():
    cmd = {"title": "Usage des TICE en milieu rural", "findings": "f", "recommendations": "r"}
    [e] = valid(d.record_local_research(d.Record("LR1"), d.RecordLocalResearch(**cmd)))
    assert e.data == dict(cmd, research_id="LR1")
    done = fold(d.evolve_record, d.Record("LR1"), env(e.type, **e.data))
    refused("research_already_recorded", d.record_local_research, done, d.RecordLocalResearch(**cmd))


# ---------------------------------------------------------------- dysfunctions

def test_a_reported_dysfunction_is_resolved_once():
    reported = fold(d.evolve_dysfunction, d.Dysfunction("D1"),
                    env("dysfunction_reported", dysfunction_id="D1", school_code="P-RUR", description="x"))
    [e] = valid(d.resolve_dysfunction(reported, "Codec installé"))
    assert e.data == {"dysfunction_id": "D1", "resolution": "Codec installé"}
    resolved = d.evolve_dysfunction(reported, env(e.type, **e.data))
    refused("dysfunction_already_resolved", d.resolve_dysfunction, resolved, "again")


def test_an_unknown_dysfunction_is_not_resolved():
    refused("unknown_dysfunction", d.resolve_dysfunction, d.Dysfunction("D9"), "fixed")
