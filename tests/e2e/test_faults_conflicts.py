"""Two people doing the same thing at the same moment through the gateway: exactly one wins, the other is told
409, and the logs hold one of them only. The system runs under `genie up`."""
import eventlet
import pytest
import requests

from .conftest import (burst, check_indicators_equal_rebuild, check_logs, events_of, one_of_two_wins,
                       registered_province, with_coordinator)

pytestmark = pytest.mark.e2e

ROUNDS = 8


@pytest.fixture(scope="module")
def system(genie_up):
    with_coordinator(genie_up)
    genie_up.add_user("infra", "infrastructure")
    genie_up.add_user("tech", "technician")
    return genie_up


def at_once(system, requests_: list[tuple[str, str, dict]]) -> list:
    """Send the requests together (each on its own connection, released by one signal)."""
    go = eventlet.event.Event()
    sessions = [requests.Session() for _ in requests_]

    def send(i):
        user, path, body = requests_[i]
        go.wait()
        return system.post(user, path, body, session=sessions[i])

    threads = [eventlet.spawn(send, i) for i in range(len(requests_))]
    eventlet.sleep(0.05)
    go.send(True)
    return [t.wait() for t in threads]


def installed_assets(system, tag, schools, n, acks):
    cmds = [("/api/inventory/receive_delivery", {"supplier": "Atlas", "delivery_ref": f"{tag}BL", "items": [
        {"asset_id": f"{tag}A{k}", "kind": "laptop", "serial": f"{tag}SN{k}", "model": "M", "warranty_months": 24,
         "bundle": "none"} for k in range(n)]})]
    for k in range(n):
        cmds.append(("/api/inventory/assign_equipment", {"asset_id": f"{tag}A{k}", "school_code": schools[0]}))
        cmds.append(("/api/inventory/confirm_installation", {"asset_id": f"{tag}A{k}", "school_code": schools[0]}))
    before = acks.ok
    burst(system, "coord", cmds, acks, workers=1)
    assert acks.ok - before == len(cmds), acks.statuses


def test_two_transfers_of_the_same_asset_at_once_one_wins(system):
    schools, _, acks = registered_province(system, "C1", 3)
    installed_assets(system, "C1", schools, ROUNDS, acks)
    visit = {"school_code": schools[0], "observations": [
        {"asset_id": f"C1A{k}", "status": "unused"} for k in range(ROUNDS)]}
    r = system.post("infra", "/api/inventory/record_usage_visit", visit)
    assert r.status_code == 201, r.text
    acks.add(r)
    for k in range(ROUNDS):
        answers = at_once(system, [
            ("infra", "/api/inventory/propose_transfer", {
                "transfer_id": f"C1T{k}{side}", "asset_ids": [f"C1A{k}"], "from_school": schools[0],
                "to_school": schools[1 + i], "reason": "Effectifs", "report": "PV de passation."})
            for i, side in enumerate("ab")])
        one_of_two_wins(answers, acks, "asset_in_open_transfer")
    proposed = [e for e in events_of(system, "inventory") if e["event_type"] == "transfer_proposed"
                and e["data"]["transfer_id"].startswith("C1T")]
    assert sorted(e["data"]["asset_ids"][0] for e in proposed) == [f"C1A{k}" for k in range(ROUNDS)]
    check_logs(system, acks)
    check_indicators_equal_rebuild(system, "coord", schools[:2])


def test_two_closes_of_one_fault_at_once_one_wins(system):
    schools, _, acks = registered_province(system, "C2", 2)
    installed_assets(system, "C2", schools, ROUNDS, acks)
    system.settle()  # maintenance knows the equipment from inventory's log
    for k in range(ROUNDS):
        fault = f"C2F{k}"
        for path, body in (("/api/maintenance/declare_fault", {
                "fault_id": fault, "asset_id": f"C2A{k}", "school_code": schools[0], "symptom": "Écran noir"}),
                ("/api/maintenance/record_repair", {"fault_id": fault, "action": "Écran changé"})):
            r = system.post("coord", path, body)
            assert r.status_code == 201, r.text
            acks.add(r)
        answers = at_once(system, [("tech", "/api/maintenance/close_fault",
                                    {"fault_id": fault, "resolution": "repaired"})] * 2)
        one_of_two_wins(answers, acks, "fault_already_closed")
    closed = [e for e in events_of(system, "maintenance") if e["event_type"] == "fault_closed"
              and e["data"]["fault_id"].startswith("C2F")]
    assert sorted(e["data"]["fault_id"] for e in closed) == [f"C2F{k}" for k in range(ROUNDS)]
    check_logs(system, acks)
    check_indicators_equal_rebuild(system, "coord", schools[:1])
