"""A small world of synthetic source logs for the indicator tests, and the projector over it.

Every envelope the builder makes is checked as a producer's (exactly the
catalogue's fields) and as a consumer's (the whole envelope), so what the
tests feed reporting is what the real sources could send.
"""
import uuid
from collections import Counter

import pytest

from services.reporting import indicators as ind
from services.reporting.periods import parse_period, parse_scope
from services.reporting.projections import IndicatorsProjection
from shared.catalogue import registry
from shared.config import SOURCES
from shared.db import make_engine
from shared.events import Event
from shared.projector import Projector

MA = "+01:00"  # Moroccan standard time, written out on every instant of the tests
YEAR, S1, S2 = "2024-2025", "2024-2025-S1", "2024-2025-S2"  # the school year the scenarios are worked out on


def ma(text: str) -> str:
    """'2024-10-01 08:00' -> '2024-10-01T08:00:00+01:00'."""
    day, _, clock = text.partition(" ")
    return f"{day}T{clock or '00:00'}:00{MA}"


class World:
    def __init__(self, province="OED"):
        self.province = province
        self.logs = {s: [] for s in SOURCES}
        self.versions = Counter()

    # ---- the logs

    def record(self, event_type, when, stream, province=None, **data):
        source = registry.get(event_type).source
        registry.check_new(source, Event(event_type, data))
        self.versions[stream] += 1
        env = {
            "event_id": str(uuid.uuid4()), "event_type": event_type, "schema_version": 1, "source": source,
            "position": len(self.logs[source]) + 1, "stream_id": stream,
            "stream_version": self.versions[stream], "province_code": province or self.province,
            "occurred_at": when if "T" in when else ma(when), "recorded_at": "2026-11-01T10:00:00+00:00",
            "actor": {"user": "fatima", "role": "coordinator"}, "correlation_id": str(uuid.uuid4()),
            "causation_id": None, "data": data,
        }
        assert registry.read(env) == env
        self.logs[source].append(env)
        return env

    def fetch(self, source, after, limit):
        return [e for e in self.logs[source] if e["position"] > after][:limit]

    def everything(self):
        return [e for s in SOURCES for e in self.logs[s]]

    # ---- inventory

    def school(self, code, when, province="OED", region="DOE"):
        return self.record("school_registered", when, f"school:{code}", school_code=code,
                           name_ar=f"مدرسة {code}", name_fr=f"École {code}", cycle="primary", setting="rural",
                           commune="Dakhla", province_code=province, region_code=region)

    def census(self, code, year, pupils, teachers, when):
        return self.record("school_census_recorded", when, f"school:{code}", school_code=code, school_year=year,
                           pupils=pupils, teachers=teachers)

    def receive(self, asset, when, kind="laptop", bundle="none", warranty_months=24):
        return self.record("equipment_received", when, f"asset:{asset}", asset_id=asset, kind=kind,
                           serial=f"SN-{asset}", model="M", supplier="Maroc Info", delivery_ref="BL-1",
                           warranty_months=warranty_months, bundle=bundle)

    def assign(self, asset, school, when):
        return self.record("equipment_assigned", when, f"asset:{asset}", asset_id=asset, school_code=school)

    def equip(self, asset, school, when, kind="laptop", bundle="none"):
        self.receive(asset, when, kind, bundle)
        return self.assign(asset, school, when)

    def decommission(self, asset, when, reason="broken"):
        return self.record("equipment_decommissioned", when, f"asset:{asset}", asset_id=asset, reason=reason)

    def visit(self, visit, school, when, **statuses):
        return self.record("usage_visit_recorded", when, f"visit:{visit}", visit_id=visit, school_code=school,
                           observations=[{"asset_id": a, "status": s} for a, s in statuses.items()], notes="")

    def audit(self, audit, school, when, **findings):
        return self.record("inventory_audit_completed", when, f"audit:{audit}", audit_id=audit, school_code=school,
                           occasion="annual", findings=[{"asset_id": a, "status": s} for a, s in findings.items()],
                           unexpected_serials=[])

    def propose_transfer(self, transfer, assets, from_school, to_school, when):
        return self.record("transfer_proposed", when, f"transfer:{transfer}", transfer_id=transfer,
                           asset_ids=list(assets), from_school=from_school, to_school=to_school,
                           reason="unused at the origin", report="visit report")

    def approve_transfer(self, transfer, when):
        return self.record("transfer_approved", when, f"transfer:{transfer}", transfer_id=transfer,
                           approved_by="coordinator")

    def reject_transfer(self, transfer, when):
        return self.record("transfer_rejected", when, f"transfer:{transfer}", transfer_id=transfer,
                           reason="no commitment")

    def complete_transfer(self, transfer, when):
        return self.record("transfer_completed", when, f"transfer:{transfer}", transfer_id=transfer)

    def connectivity(self, school, status, when):
        return self.record("connectivity_recorded", when, f"school:{school}", school_code=school, status=status,
                           link="adsl", bandwidth_mbps=8.0)

    def filtering(self, school, active, when):
        return self.record("filtering_recorded", when, f"school:{school}", school_code=school, active=active)

    # ---- maintenance

    def declare_fault(self, fault, asset, school, when, under_warranty=False):
        return self.record("fault_declared", when, f"fault:{fault}", fault_id=fault, asset_id=asset,
                           school_code=school, symptom="does not start", under_warranty=under_warranty)

    def close_fault(self, fault, when, resolution="repaired"):
        return self.record("fault_closed", when, f"fault:{fault}", fault_id=fault, resolution=resolution)

    def replace(self, fault, old, new, school, when, kind="desktop", bundle="none"):
        """The replacement and inventory's reactions: the old one out, the new one in at the same school."""
        self.record("equipment_replaced", when, f"fault:{fault}", fault_id=fault, old_asset_id=old,
                    new_asset_id=new, new_serial=f"SN-{new}", new_kind=kind)
        self.decommission(old, when, reason="replaced")
        self.receive(new, when, kind, bundle)
        self.assign(new, school, when)

    # ---- resources

    def resource(self, resource, when, province=None):
        return self.record("resource_received", when, f"resource:{resource}", province=province,
                           resource_id=resource, title=f"Ressource {resource}", subject="math", levels=["6AEP"],
                           format="video", origin="directorate")

    def distribute(self, resource, schools, when):
        return self.record("resource_distributed", when, f"resource:{resource}", resource_id=resource,
                           school_codes=list(schools), channel="usb")

    def workshop(self, workshop, schools, when, province=None):
        return self.record("awareness_workshop_held", when, f"workshop:{workshop}", province=province,
                           workshop_id=workshop, school_codes=list(schools), participants=20, topic="TNI")

    def committee(self, committee, when, province=None, **decisions):
        return self.record("validation_committee_held", when, f"committee:{committee}", province=province,
                           committee_id=committee, members=["m1", "m2"],
                           decisions=[{"resource_id": r, "decision": d, "remarks": ""} for r, d in decisions.items()])

    def usage(self, school, resource, period_start, period_end, uses, when):
        return self.record("resource_usage_recorded", when, f"usage:{school}", school_code=school,
                           resource_id=resource, period_start=period_start, period_end=period_end, uses=uses,
                           teachers=1)

    def dysfunction(self, dysfunction, school, when):
        return self.record("dysfunction_reported", when, f"dysfunction:{dysfunction}", dysfunction_id=dysfunction,
                           school_code=school, description="no projector cable")

    def resolve_dysfunction(self, dysfunction, when):
        return self.record("dysfunction_resolved", when, f"dysfunction:{dysfunction}",
                           dysfunction_id=dysfunction, resolution="cable bought")

    # ---- training

    def plan_training(self, training, year, when, province=None):
        return self.record("training_planned", when, f"training:{training}", province=province,
                           training_id=training, title="TICE", modality="in_person", audience="teachers",
                           planned_participants=20, school_year=year)

    def schedule(self, session, training, starts_on, ends_on, hours, when, province=None):
        return self.record("session_scheduled", when, f"session:{session}", province=province, session_id=session,
                           training_id=training, starts_on=starts_on, ends_on=ends_on, hours=hours,
                           venue="CRMEF")

    def invite(self, session, staff, school, role, when, province=None):
        return self.record("participant_invited", when, f"session:{session}", province=province,
                           session_id=session, staff_id=staff, name=f"Name {staff}", role=role, school_code=school)

    def attend(self, session, staff, day, status, when, province=None):
        return self.record("attendance_recorded", when, f"session:{session}", province=province,
                           session_id=session, staff_id=staff, day=day, status=status)

    def complete_session(self, session, when, province=None):
        return self.record("session_completed", when, f"session:{session}", province=province, session_id=session)

    def cancel_session(self, session, when, province=None):
        return self.record("session_cancelled", when, f"session:{session}", province=province,
                           session_id=session, reason="exams")

    def certify(self, training, staff, when, province=None):
        return self.record("certification_awarded", when, f"training:{training}", province=province,
                           training_id=training, staff_id=staff, certificate_no=f"C-{training}-{staff}")

    def evaluate(self, training, respondents, mean_score, when, province=None):
        return self.record("training_evaluated", when, f"training:{training}", province=province,
                           training_id=training, respondents=respondents, mean_score=mean_score,
                           remarks="bien organisée")


def three_schools(w=None):
    """`w` (a new world if none) with the schools every scenario starts from, all of region DOE and registered on
    20 Aug 2024: A and B of province OED, C of province AUS."""
    w = w or World()
    for code, province in (("A", "OED"), ("B", "OED"), ("C", "AUS")):
        w.school(code, "2024-08-20 09:00", province=province)
    return w


def projector_over(world, url, page_size=1000):
    projector = Projector(IndicatorsProjection(), make_engine(url), registry, world.fetch, retry_delays=(),
                          page_size=page_size)
    projector.setup()
    return projector


def ask(projector, scope, period, now=None):
    """The contract's answer, as {indicator id: entry}."""
    with projector.engine.connect() as conn:
        answer = ind.answer(conn, projector.projection, parse_scope(scope), parse_period(period),
                            projector.positions, now=now)
    return {i["id"]: i for i in answer["indicators"]}


def values(projector, scope, period, *ids, now=None):
    answer = ask(projector, scope, period, now)
    return {i: answer[i]["value"] for i in ids}


def fractions(projector, scope, period, *ids, now=None):
    """{id: (numerator, denominator)}."""
    answer = ask(projector, scope, period, now)
    return {i: (answer[i]["numerator"], answer[i]["denominator"]) for i in ids}


def assert_values(projector, ident, period, expected: dict, now=None):
    """`ident`'s value over `period` is, in each scope of `expected` (scope -> value), the one worked out by hand."""
    assert {scope: values(projector, scope, period, ident, now=now)[ident] for scope in expected} == expected, ident


def assert_rates(projector, ident, period, expected: dict):
    """`ident`'s numerator, denominator and (rounded) value over `period` are, in each scope of `expected`
    (scope -> (numerator, denominator, value)), the ones worked out by hand."""

    def rate(scope):
        item = ask(projector, scope, period)[ident]
        return item["numerator"], item["denominator"], item["value"]

    assert {scope: rate(scope) for scope in expected} == expected, ident


def assert_fractions(projector, ident, period, expected: dict):
    """`ident`'s (numerator, denominator) over `period` is, in each scope of `expected`, the one worked out by hand."""
    assert {scope: fractions(projector, scope, period, ident)[ident] for scope in expected} == expected, ident


@pytest.fixture
def caught_up(database):
    """caught_up(world) -> a projector that has read the whole world, on SQLite then PostgreSQL."""
    made = []

    def make(world, page_size=1000):
        projector = projector_over(world, database, page_size)
        projector.catch_up()
        made.append(projector)
        return projector

    yield make
    for p in made:
        p.engine.dispose()


# ---------------------------------------------------------------------- the builder itself

def test_the_builder_makes_envelopes_a_consumer_accepts_in_log_order():
    w = World()
    w.school("A", "2024-08-20 09:00")
    w.equip("L1", "A", "2024-09-10 10:00")
    w.declare_fault("F1", "L1", "A", "2024-10-01 08:00")
    assert [e["position"] for e in w.logs["inventory"]] == [1, 2, 3]
    assert [e["stream_version"] for e in w.logs["inventory"]] == [1, 1, 2]
    assert w.logs["maintenance"][0]["occurred_at"] == "2024-10-01T08:00:00+01:00"
    assert [e["position"] for e in w.fetch("inventory", 1, 1)] == [2]
    with pytest.raises(Exception):
        w.record("equipment_assigned", "2024-09-10 10:00", "asset:X", asset_id="X")  # no school_code
