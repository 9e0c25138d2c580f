"""Resources' handlers without nameko or a database: the runner's parsing, then the handler on a unit of work
whose log is a list in memory and whose schools are the ones given."""
import pytest

from services.resources import domain, handlers
from services.resources.domain import School
from shared.commands import parse_command
from shared.errors import InvalidCommand
from tests.helpers import MemoryLog, handle, refused, untyped_commands

COORDINATOR = {"actor": {"user": "fatima", "role": "coordinator"}}
SCHOOLS = (School("P-URB", "primary", "urban"), School("P-RUR", "primary", "rural"),
           School("M-RUR", "middle", "rural"))


class Directory:
    """The schools resources knows from inventory."""

    def directory(self, conn, codes=None):
        return {s.code: s for s in SCHOOLS if codes is None or s.code in codes}


class Catalogue:
    """What the handlers ask of resources' views, answered from the log in memory."""

    def __init__(self, log):
        self.log = log

    def committees_deciding(self, conn, resource_id):
        return [e["data"]["committee_id"] for e in self.log.events() if e["event_type"] == "validation_committee_held"
                and any(d["resource_id"] == resource_id for d in e["data"]["decisions"])]


@pytest.fixture
def log():
    made = MemoryLog("resources")
    made.views = Catalogue(made)
    return made


def run(log, handler, command):
    return handle(log, handler, command, COORDINATOR, directory=Directory())


def test_every_command_is_typed_with_its_schemas_fields():
    assert untyped_commands(handlers) == {}


def test_the_runner_gives_the_handler_a_typed_command_and_its_parts():
    cmd, _ = parse_command(handlers.hold_validation_committee, {
        "committee_id": "C1", "members": ["M-1", "M-2"],
        "decisions": [{"resource_id": "R1", "decision": "revision", "remarks": "Add a voice-over"},
                      {"resource_id": "R2", "decision": "approved"}]}, COORDINATOR)
    assert cmd == domain.HoldValidationCommittee(["M-1", "M-2"], (domain.Decision("R1", "revision", "Add a voice-over"),
                                                                  domain.Decision("R2", "approved", "")), "C1")
    with pytest.raises(InvalidCommand) as exc:
        parse_command(handlers.hold_validation_committee, {"members": ["M-1"], "decisions": [
            {"resource_id": "R1", "decision": "rejected"}]}, COORDINATOR)
    assert exc.value.errors == {"decisions": {0: {"remarks": ["Required when the decision is rejected."]}}}


def test_a_resource_produced_approved_by_a_committee_then_sent_to_every_rural_school(log):
    run(log, handlers.start_production_project, {"project_id": "PRJ1", "title": "Soutien en maths",
                                                 "subject": "mathematics", "members": ["T-1", "T-2"],
                                                 "occurred_at": "2025-09-01T10:00:00+01:00"})
    run(log, handlers.submit_resource, {"resource_id": "R1", "project_id": "PRJ1", "title": "Fractions",
                                        "occurred_at": "2025-09-10T10:00:00+01:00"})
    run(log, handlers.hold_validation_committee, {"committee_id": "C1", "members": ["M-1"],
                                                  "decisions": [{"resource_id": "R1", "decision": "approved"}],
                                                  "occurred_at": "2025-09-20T10:00:00+01:00"})
    [sent] = run(log, handlers.distribute_resource, {"resource_id": "R1", "channel": "usb", "setting": "rural",
                                                     "occurred_at": "2025-09-25T10:00:00+01:00"})
    assert (sent["stream_id"], sent["data"]["school_codes"]) == ("resource:R1", ["M-RUR", "P-RUR"])
    [used] = run(log, handlers.record_resource_usage, {
        "school_code": "P-RUR", "resource_id": "R1", "period_start": "2025-10-01", "period_end": "2025-10-31",
        "uses": 12, "teachers": 3})
    assert used["data"]["period_start"] == "2025-10-01" and used["stream_id"] == "usage:P-RUR:R1"
    assert [e["event_type"] for e in log.events()] == [
        "production_project_started", "resource_submitted", "validation_committee_held", "resource_distributed",
        "resource_usage_recorded"]


def test_a_handler_refused_by_the_rules_records_nothing(log):
    run(log, handlers.start_production_project, {"project_id": "PRJ1", "title": "Soutien", "subject": "maths",
                                                 "members": ["T-1"]})
    run(log, handlers.submit_resource, {"resource_id": "R1", "project_id": "PRJ1", "title": "Fractions"})
    before = log.events()
    refused("resource_not_approved", run, log, handlers.distribute_resource,
            {"resource_id": "R1", "channel": "usb", "school_codes": ["P-URB"]})
    refused("unknown_school", run, log, handlers.report_dysfunction,
            {"dysfunction_id": "D1", "school_code": "X-404", "description": "No sound"})
    assert log.events() == before


def test_a_use_is_decided_on_the_distributions_in_the_resources_log(log):
    run(log, handlers.receive_resource, {"resource_id": "R1", "title": "Fractions", "subject": "mathematics",
                                         "levels": ["CE5"], "format": "video", "origin": "directorate",
                                         "occurred_at": "2025-09-01T10:00:00+01:00"})
    run(log, handlers.distribute_resource, {"resource_id": "R1", "channel": "usb", "setting": "rural",
                                            "occurred_at": "2025-10-06T10:00:00+01:00"})
    before = log.events()
    use = {"school_code": "P-URB", "resource_id": "R1", "period_start": "2025-10-06", "period_end": "2025-10-31",
           "uses": 12, "teachers": 3}
    refused("resource_not_distributed_to_school", run, log, handlers.record_resource_usage, use)
    refused("usage_starts_before_distribution", run, log, handlers.record_resource_usage,
            dict(use, school_code="P-RUR", period_start="2025-10-01"))
    assert log.events() == before
    [used] = run(log, handlers.record_resource_usage, dict(use, school_code="P-RUR"))
    assert used["stream_id"] == "usage:P-RUR:R1"
