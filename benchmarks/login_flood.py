"""Other users' requests while wrong passwords flood the sign-in, beside the same requests without a flood.

    python benchmarks/login_flood.py [--seconds 8] [--flooders 16]

Starts the gateway (`genie run gateway`, real argon2 costs) on a vhost of its own and a free loopback port, signs
a coordinator in, then measures the latency of `GET /api/me` (one request at a time, for `--seconds`):

  1. quiet: nothing else happens (the baseline);
  2. flood, throttled: `--flooders` clients post wrong passwords from one address, `--rate` a second in all (the
     probe's flood), then as fast as they are answered ("unpaced"), with the default sign-in throttle;
  3. flood, no throttle: the same floods with limits no flood reaches, so that every wrong password that finds
     the hasher free is checked by argon2: what checking passwords aside alone gives.

It prints the median and p90 of each phase, their ratio to the quiet median, and the flood's answers by status.
"""
from __future__ import annotations

import argparse
import multiprocessing
import os
import platform
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.e2e.conftest import System, Vhost  # noqa: E402

NO_LIMIT = "1000000/second"


def start(tmp: Path, vhost: Vhost, throttle: bool) -> System:
    tmp.mkdir(parents=True)
    system = System(tmp, vhost)
    if not throttle:
        system.env.update({"GATEWAY_LOGIN_LIMITS_ACCOUNT": NO_LIMIT, "GATEWAY_LOGIN_LIMITS_ADDRESS": NO_LIMIT})
    system._spawn("gateway", ["run", "gateway"])
    deadline = time.monotonic() + 60
    while True:
        try:
            requests.get(system.base + "/api/health", timeout=5)
            break
        except requests.RequestException:
            if time.monotonic() > deadline or system.exited():
                raise SystemExit("the gateway did not start:\n" + system.log_tail("gateway"))
            time.sleep(0.2)
    system.add_user("coord", "coordinator", "province:OED")
    return system


def measure(system: System, seconds: float) -> list[float]:
    session, latencies = requests.Session(), []
    headers = {"Authorization": f"Bearer {system.tokens['coord']}"}
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        t0 = time.perf_counter()
        assert session.get(system.base + "/api/me", headers=headers, timeout=60).status_code == 200
        latencies.append(time.perf_counter() - t0)
        time.sleep(0.02)
    return latencies


def flood_worker(base: str, first: int, count: int, interval: float, stop, answers) -> None:
    """`count` flooders in a process of their own, so that their work does not slow the measuring client."""
    counts = {}

    def one(i):
        session, n = requests.Session(), 0
        next_at = time.monotonic()
        while not stop.is_set():
            n += 1
            next_at += interval  # 0: as fast as answered
            time.sleep(max(0.0, next_at - time.monotonic()))
            try:
                code = session.post(base + "/api/login", timeout=60,
                                    json={"username": f"guess{i}-{n % 50}", "password": f"wrong-{n}"}).status_code
            except requests.RequestException:
                code = "error"
            counts[code] = counts.get(code, 0) + 1

    threads = [threading.Thread(target=one, args=(first + i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    answers.put(counts)


def flood(system: System, flooders: int, rate: float, stop, answers) -> list:
    per = [flooders // 2 + flooders % 2, flooders // 2]  # two processes, one per core
    interval = flooders / rate if rate else 0.0
    procs = [multiprocessing.Process(target=flood_worker, args=(system.base, sum(per[:i]), n, interval, stop,
                                                                answers))
             for i, n in enumerate(per) if n]
    for p in procs:
        p.start()
    return procs


def phase(system, seconds, flooders=0, rate=0.0):
    stop, answers, procs = multiprocessing.Event(), multiprocessing.Queue(), []
    if flooders:
        procs = flood(system, flooders, rate, stop, answers)
        time.sleep(1)  # the flood under way before measuring
    started = time.monotonic()
    latencies = measure(system, seconds)
    elapsed = time.monotonic() - started
    stop.set()
    statuses = {}
    for _ in procs:
        for code, n in answers.get(timeout=90).items():
            statuses[code] = statuses.get(code, 0) + n
    for p in procs:
        p.join(timeout=30)
    return latencies, statuses, elapsed + 1 if procs else elapsed


def report(name, latencies, quiet, statuses=None, elapsed=None):
    median = statistics.median(latencies) * 1000
    p90 = statistics.quantiles(latencies, n=10)[-1] * 1000
    line = (f"{name:28s} GET /api/me: {len(latencies):4d} requests, median {median:7.1f} ms, p90 {p90:7.1f} ms, "
            f"{median / quiet:5.2f}x the quiet median")
    if statuses is not None:
        total = sum(statuses.values())
        line += f"; flood: {total} sign-ins ({total / elapsed:.0f}/s) {dict(sorted(statuses.items(), key=str))}"
    print(line, flush=True)
    return median


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=8)
    parser.add_argument("--flooders", type=int, default=16)
    parser.add_argument("--rate", type=float, default=5, help="sign-ins a second of the paced flood, all flooders")
    args = parser.parse_args()

    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    vhost = Vhost()
    vhost.create()
    tmp = Path(tempfile.mkdtemp(prefix="genie-flood-"))
    try:
        system = start(tmp / "throttled", vhost, throttle=True)
        try:
            quiet_latencies = phase(system, args.seconds)[0]
            quiet = statistics.median(quiet_latencies) * 1000
            report("quiet (baseline)", quiet_latencies, quiet)
            for rate in (args.rate, 0):
                lat, statuses, elapsed = phase(system, args.seconds, args.flooders, rate)
                report(f"flood {rate or 'unpaced'}/s, throttled", lat, quiet, statuses, elapsed)
        finally:
            system.stop()
        system = start(tmp / "open", vhost, throttle=False)
        try:
            for rate in (args.rate, 0):
                lat, statuses, elapsed = phase(system, args.seconds, args.flooders, rate)
                report(f"flood {rate or 'unpaced'}/s, no throttle", lat, quiet, statuses, elapsed)
            quiet_again = phase(system, args.seconds)[0]
            report("quiet again", quiet_again, quiet)
        finally:
            system.stop()
    finally:
        vhost.delete()


if __name__ == "__main__":
    main()
