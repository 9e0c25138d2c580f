"""`genie up` supervises: a service that exits is started again after a growing delay, a second `genie up`
on the same files or port refuses, and stopping `genie up` (SIGTERM, SIGINT) or killing it leaves no service
behind."""
import os
import re
import signal
import subprocess
import sys
import time

import pytest

from tests.helpers import wait_for

from .conftest import ROOT, System, _system

pytestmark = pytest.mark.e2e


def services_of(pid: int) -> dict[str, int]:
    """The services `genie up` (pid) runs now: name -> pid."""
    try:
        children = open(f"/proc/{pid}/task/{pid}/children").read().split()
    except FileNotFoundError:
        return {}
    out = {}
    for child in children:
        try:
            argv = open(f"/proc/{child}/cmdline", "rb").read().split(b"\0")
        except FileNotFoundError:
            continue
        if b"run" in argv:
            out[argv[argv.index(b"run") + 1].decode()] = int(child)
    return out


def in_session(sid: int) -> list[int]:
    """Every live process of the session `genie up` leads (it was started in a session of its own): the
    services and anything they started, wherever they were moved to once their parent was gone."""
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    state, _, _, session = f.read().rsplit(") ", 1)[1].split()[:4]
            except (FileNotFoundError, ProcessLookupError, IndexError):
                continue
            if int(session) == sid and state != "Z":
                out.append(int(entry))
    return out


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(") ")[1][0] != "Z"
    except FileNotFoundError:
        return False


@pytest.fixture(scope="module")
def system(tmp_path_factory, rabbit_vhost):
    for system in _system(tmp_path_factory, rabbit_vhost, "up"):
        system.add_user("coord", "coordinator", "province:OED")
        yield system


def second_up(system: System, **env) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "genie.cli", "up"], cwd=ROOT, env=dict(system.env, **env),
                          capture_output=True, text=True, timeout=60)


def test_a_killed_service_comes_back_after_a_growing_delay_and_each_restart_is_logged(system):
    up = system.procs["up"].pid
    first = wait_for(lambda: services_of(up).get("inventory"))
    os.kill(first, signal.SIGKILL)
    killed = time.monotonic()
    second = wait_for(lambda: (lambda p: p if p and p != first else None)(services_of(up).get("inventory")),
                      timeout=60)
    first_delay = time.monotonic() - killed
    os.kill(second, signal.SIGKILL)
    killed = time.monotonic()
    wait_for(lambda: (lambda p: p and p not in (first, second))(services_of(up).get("inventory")), timeout=60)
    second_delay = time.monotonic() - killed
    print(f"\ninventory started again {first_delay:.1f}s, then {second_delay:.1f}s after being killed")
    assert first_delay >= 1 and second_delay >= 2
    log = system.log_tail("up", 200_000)
    restarts = re.findall(r"genie: inventory exited \(killed by SIGKILL\) after [\d.]+s up; "
                          r"starting it again in (\d+)s \(restart (\d)\)", log)
    assert restarts == [("1", "1"), ("2", "2")]
    # And it works again without anyone restarting anything.
    system.wait_ready()
    school = {"school_code": "SUP01", "name_ar": "مدرسة", "name_fr": "École", "cycle": "primary",
              "setting": "urban", "commune": "Dakhla", "region_code": "DOE"}
    answer = wait_for(lambda: (lambda r: r if r.status_code == 201 else None)(
        system.post("coord", "/api/inventory/register_school", school)), timeout=60, interval=0.5)
    assert answer.json()["events"][0]["event_type"] == "school_registered"


def test_a_second_genie_up_on_the_same_files_or_port_refuses_and_says_why(system, tmp_path):
    same_files = second_up(system)
    assert same_files.returncode == 2
    assert "another `genie up`" in same_files.stderr and system.env["GENIE_VAR_DIR"] in same_files.stderr
    same_port = second_up(system, GENIE_VAR_DIR=str(tmp_path / "other-var"))
    assert same_port.returncode == 2
    assert f"127.0.0.1:{system.port} is in use" in same_port.stderr
    assert system.health()["status"] == "ok"  # the first one was not disturbed


def test_genie_up_killed_leaves_no_service_running(system):
    up = system.procs["up"]
    running = wait_for(lambda: (lambda s: s if len(s) == 6 else None)(services_of(up.pid)))
    up.send_signal(signal.SIGKILL)  # genie up alone, not its process group
    up.wait(timeout=10)
    killed = time.monotonic()
    wait_for(lambda: not any(alive(pid) for pid in running.values()), timeout=60, interval=0.2)
    print(f"\nevery service stopped {time.monotonic() - killed:.1f}s after `genie up` was killed")
    # Its files and port are free again: a new `genie up` starts.
    system.up()
    assert system.health()["status"] == "ok"


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_genie_up_stopped_stops_every_service_before_it_exits(system, sig):
    if system.procs["up"].poll() is not None:
        system.up()
    up = system.procs["up"]
    running = wait_for(lambda: (lambda s: s if len(s) == 6 else None)(services_of(up.pid)))
    up.send_signal(sig)  # genie up alone, as `kill` or a service manager does, not its process group
    sent = time.monotonic()
    assert up.wait(timeout=120) == 0
    # Nothing waited for after it exits: it stopped every service itself (the kernel's word to the services
    # when their parent dies would come only now).
    left = in_session(up.pid)
    assert left == [], f"left running after `genie up` stopped: {left}"
    assert not any(alive(pid) for pid in running.values())
    print(f"\n`genie up` stopped every service {time.monotonic() - sent:.1f}s after {sig.name}")
    log = system.log_tail("up", 200_000)
    assert f"genie: {sig.name} received: stopping every service" in log
    # Its files and port are free again: a new `genie up` starts.
    system.up()
    assert system.health()["status"] == "ok"
