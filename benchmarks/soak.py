"""Soak: commands through the gateway at a province's busiest rate for a long time, a service killed at random
every few minutes and the broker restarted twice, then every answered command looked for in the logs and
reporting's figures compared with a rebuild. A benchmark to run by hand, not a test.

    python benchmarks/soak.py [--minutes 30] [--rate 2] [--kill-every 300] [--seed 1]

The system runs under `genie up` (SQLite files in a temporary directory, the gateway on a free loopback port)
against a RabbitMQ node of its own on loopback ports (the machine's broker is not touched). At one third of
the run the node is stopped with `rabbitmqctl stop_app` for 30 s; at two thirds it is killed with SIGKILL and
started again. Prints commands sent, answered 2xx, answered 503, found in the logs, the services' restarts,
and the indicators that differ from a rebuild (all must be found, none may differ: exit status 1 otherwise).
"""
from __future__ import annotations

import eventlet

eventlet.monkey_patch()

import argparse  # noqa: E402
import os  # noqa: E402
import random  # noqa: E402
import re  # noqa: E402
import shutil  # noqa: E402
import signal  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402
from pathlib import Path  # noqa: E402

import requests  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from shared.config import SOURCES  # noqa: E402
from tests.e2e.conftest import Acks, System, events_of, indicator_views, mixed_commands, province  # noqa: E402
from tests.e2e.test_broker_restart import BrokerNode, OwnVhost  # noqa: E402
from tests.e2e.test_supervision import services_of  # noqa: E402


def say(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {text}", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=30)
    parser.add_argument("--rate", type=float, default=2.0, help="commands a second (a province's busiest hour)")
    parser.add_argument("--kill-every", type=float, default=300, help="seconds between two services killed")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    duration = args.minutes * 60
    tmp = Path(tempfile.mkdtemp(prefix="genie-soak-"))
    node = BrokerNode(Path("/tmp") / f"genie-soak-broker-{uuid.uuid4().hex[:8]}")
    system = None
    try:
        say(f"starting a RabbitMQ node of its own ({node.name}) and the system under `genie up`")
        node.start()
        system = System(tmp, OwnVhost(node), node.amqp_uri)
        system.up()
        system.add_user("coord", "coordinator", "province:OED")
        schools, setup = province("SK", 6)
        for path, body in setup:
            system.post("coord", path, body).raise_for_status()
        commands = mixed_commands("SK", schools, int(duration * args.rate) + 100)
        acks, other = Acks(), []
        done = eventlet.event.Event()

        def send():
            session, start = requests.Session(), time.monotonic()
            for i, (path, body) in enumerate(commands):
                if done.ready():
                    return
                eventlet.sleep(max(0.0, start + i / args.rate - time.monotonic()))
                try:
                    acks.add(system.post("coord", path, body, session=session, timeout=30))
                except requests.RequestException as exc:
                    other.append(exc)

        def chaos():
            start = time.monotonic()
            plan = sorted([(duration / 3, "stop_app"), (2 * duration / 3, "kill_node")]
                          + [(t, "kill_service") for t in range(int(args.kill_every), int(duration),
                                                                 int(args.kill_every))])
            for at, what in plan:
                eventlet.sleep(max(0.0, start + at - time.monotonic()))
                if done.ready():
                    return
                if what == "stop_app":
                    say("rabbitmqctl stop_app, for 30 s")
                    node.ctl("stop_app")
                    eventlet.sleep(30)
                    node.ctl("start_app")
                    say("rabbitmqctl start_app")
                elif what == "kill_node":
                    say("the broker node killed with SIGKILL, then started again")
                    node.kill()
                    node.start()
                else:
                    running = services_of(system.procs["up"].pid)
                    if running:
                        name = rng.choice(sorted(running))
                        say(f"{name} killed with SIGKILL")
                        os.kill(running[name], signal.SIGKILL)

        sender, chaotic = eventlet.spawn(send), eventlet.spawn(chaos)
        started = time.monotonic()
        while time.monotonic() - started < duration:
            eventlet.sleep(min(60.0, duration - (time.monotonic() - started)))
            say(f"{sum(acks.statuses.values())} answered so far: {dict(sorted(acks.statuses.items()))}")
        done.send()
        sender.wait()
        chaotic.wait()

        say("waiting for every service to be back and reporting to have read every log")
        system.wait_ready(timeout=600)
        system.settle(timeout=600)
        logged = {e["event_id"] for s in SOURCES for e in events_of(system, s)}
        found = sum(1 for e in acks.events if e["event_id"] in logged)
        live = indicator_views(system, "coord", schools[:2])
        system.rebuild_reporting()
        system.settle(timeout=600)
        rebuilt = indicator_views(system, "coord", schools[:2])
        mismatches = [(key, i) for key in live for i, v in live[key]["indicators"].items()
                      if v != rebuilt[key]["indicators"].get(i)]
        restarts = re.findall(r"genie: (\w+) exited \(([^)]*)\)", system.log_tail("up", 10_000_000))
        sent = sum(acks.statuses.values()) + len(other)
        print()
        print(f"run: {args.minutes:g} min at {args.rate:g} commands/s, a service killed every {args.kill_every:g} s, "
              f"the broker stopped once and killed once")
        print(f"commands sent:          {sent}")
        print(f"answered 2xx:           {acks.ok}")
        print(f"answered 503:           {acks.statuses.get(503, 0)}")
        print(f"other answers:          {sum(n for c, n in acks.statuses.items() if c != 503 and not 200 <= c < 300)}"
              f" (+{len(other)} without an answer)")
        print(f"2xx events in the logs: {found} of {len(acks.events)}")
        print(f"services restarted:     {len(restarts)} ({', '.join(f'{n}: {how}' for n, how in restarts)})")
        print(f"indicator mismatches:   {len(mismatches)} of {sum(len(v['indicators']) for v in live.values())}"
              + (f", e.g. {mismatches[:3]}" if mismatches else ""))
        return 0 if found == len(acks.events) and not mismatches else 1
    finally:
        if system is not None:
            system.stop()
        node.remove()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
