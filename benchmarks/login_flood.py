"""Other users' requests while wrong passwords flood the sign-in, beside the same requests without a flood.

    python benchmarks/login_flood.py [--seconds 8] [--flooders 16] [--rate 5] [--addresses 64]

Starts the gateway (`genie run gateway`, real argon2 costs) on a vhost of its own and a free loopback port, signs
a coordinator in, then measures the latency of `GET /api/me` (one request at a time, for `--seconds`):

  1. quiet: nothing else happens (each gateway's baseline);
  2. with the default sign-in throttle, `--flooders` clients post wrong passwords, `--rate` a second in all (the
     probe's flood), then as fast as they are answered ("unpaced"):
       - from one address, guessing a few accounts: the throttle answers 429 before most passwords are checked;
       - from `--addresses` loopback addresses (127.0.1.x), each guess a new account name, as a spread-out
         guesser would: no limit is reached, so every guess that finds the hasher free is checked by argon2;
  3. with limits no flood reaches: the one-address floods again, every password checked.

It prints the median and p90 of each phase, their ratio to the same gateway's quiet median, the flood's answers
by status (401: a password checked by argon2, 429: throttled, 503: the checks were full), and a verdict: every
paced flood whose passwords were checked must keep the median of the other requests at most 2x the quiet one
(the unpaced floods are printed, not judged: at a hundred sign-ins a second, nearly all answered 503 at once,
they measure the gateway's HTTP throughput). It exits with 1 when the verdict is FAIL.
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
from requests.adapters import HTTPAdapter

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


FLOOD_ADDRESSES = [f"127.0.1.{n}" for n in range(1, 255)]  # all of 127/8 is this machine's loopback


class FromAddress(HTTPAdapter):
    """Connections from one local source address, so that the gateway sees another client."""

    def __init__(self, address: str):
        self.address = address
        super().__init__()

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (self.address, 0)
        super().init_poolmanager(*args, **kwargs)


def session_from(address: str | None) -> requests.Session:
    session = requests.Session()
    if address:
        session.mount("http://", FromAddress(address))
    return session


def flood_worker(base: str, first: int, count: int, interval: float, addresses: list, stop, answers) -> None:
    """`count` flooders in a process of their own, so that their work does not slow the measuring client."""
    counts = {}

    def one(i):
        sessions, n = [session_from(a) for a in (addresses[i::count] or [None])], 0
        next_at = time.monotonic()
        while not stop.is_set():
            n += 1
            next_at += interval  # 0: as fast as answered
            time.sleep(max(0.0, next_at - time.monotonic()))
            # From one address, a few accounts tried again and again; from many, a new name each time.
            username = f"guess{first + i}-{n}" if addresses else f"guess{first + i}-{n % 50}"
            try:
                code = sessions[n % len(sessions)].post(base + "/api/login", timeout=60,
                                                        json={"username": username, "password": f"wrong-{n}"}
                                                        ).status_code
            except requests.RequestException:
                code = "error"
            counts[code] = counts.get(code, 0) + 1

    threads = [threading.Thread(target=one, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    answers.put(counts)


def flood(system: System, flooders: int, rate: float, addresses: list, stop, answers) -> list:
    per = [flooders // 2 + flooders % 2, flooders // 2]  # two processes, one per core
    interval = flooders / rate if rate else 0.0
    procs = []
    for i, n in enumerate(per):
        if n:
            first = sum(per[:i])
            procs.append(multiprocessing.Process(target=flood_worker, args=(
                system.base, first, n, interval, addresses[i::len(per)], stop, answers)))
    for p in procs:
        p.start()
    return procs


def phase(system, seconds, flooders=0, rate=0.0, addresses=()):
    stop, answers, procs = multiprocessing.Event(), multiprocessing.Queue(), []
    if flooders:
        procs = flood(system, flooders, rate, list(addresses), stop, answers)
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


LIMIT = 2.0  # the other requests' median during a flood, at most this many times the quiet one


def report(name, latencies, quiet, statuses=None, elapsed=None):
    """Prints the phase; its ratio to the quiet median, and whether argon2 checked passwords during it."""
    median = statistics.median(latencies) * 1000
    p90 = statistics.quantiles(latencies, n=10)[-1] * 1000
    ratio = median / quiet
    line = (f"{name:36s} GET /api/me: {len(latencies):4d} requests, median {median:7.1f} ms, p90 {p90:7.1f} ms, "
            f"{ratio:5.2f}x the quiet median")
    checked = 0
    if statuses is not None:
        total, checked = sum(statuses.values()), statuses.get(401, 0)
        line += (f"; flood: {total} sign-ins ({total / elapsed:.0f}/s), {checked} passwords checked "
                 f"{dict(sorted(statuses.items(), key=str))}")
    print(line, flush=True)
    return ratio, checked


def verdict(results) -> bool:
    """PASS when every flood that made argon2 check passwords kept the other requests within LIMIT."""
    print()
    # The unpaced floods send sign-ins as fast as they are answered (a hundred or more a second, nearly all told
    # to come back): that measures the gateway's HTTP throughput, which no password check changes; shown only.
    judged = [(name, ratio) for name, ratio, checked in results if checked and "unpaced" not in name]
    for name, ratio, checked in results:
        if not checked:
            print(f"  not judged: {name} (no password was checked: the flood did not reach argon2)")
        elif "unpaced" in name:
            print(f"  not judged: {name}: {ratio:.2f}x (an HTTP flood: its sign-ins are answered 503 at once)")
    if not judged:
        print("VERDICT: NONE - no flood reached argon2, so checking passwords aside was not measured")
        return False
    for name, ratio in judged:
        print(f"  {'ok  ' if ratio <= LIMIT else 'OVER'} {name}: {ratio:.2f}x (limit {LIMIT:g}x)")
    worst_name, worst = max(judged, key=lambda j: j[1])
    passed = worst <= LIMIT
    print(f"VERDICT: {'PASS' if passed else 'FAIL'} - during a flood of wrong passwords the median of other "
          f"requests was at most {worst:.2f}x the quiet one ({worst_name}); the limit is {LIMIT:g}x", flush=True)
    return passed


def floods(system, args, how: str, sources: list) -> tuple[float, list]:
    """A quiet baseline, then a paced and an unpaced flood from each of `sources` (its words, and the client
    addresses it comes from: none for this machine's own); the quiet median and each flood's result."""
    quiet_latencies = phase(system, args.seconds)[0]
    quiet = statistics.median(quiet_latencies) * 1000
    report(f"quiet (baseline), {how}", quiet_latencies, quiet)
    results = []
    for where, addresses in sources:
        for rate in (args.rate, 0):
            name = f"flood {rate or 'unpaced'}/s, {where}, {how}"
            lat, statuses, elapsed = phase(system, args.seconds, args.flooders, rate, addresses)
            results.append((name, *report(name, lat, quiet, statuses, elapsed)))
    return quiet, results


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=8)
    parser.add_argument("--flooders", type=int, default=16)
    parser.add_argument("--rate", type=float, default=5, help="sign-ins a second of the paced flood, all flooders")
    parser.add_argument("--addresses", type=int, default=64, help="client addresses of the spread-out flood")
    args = parser.parse_args()
    spread = FLOOD_ADDRESSES[:max(1, min(args.addresses, len(FLOOD_ADDRESSES)))]

    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    vhost = Vhost()
    vhost.create()
    tmp = Path(tempfile.mkdtemp(prefix="genie-flood-"))
    results = []
    try:
        system = start(tmp / "throttled", vhost, throttle=True)
        try:
            results += floods(system, args, "throttled", [("1 address", ()), (f"{len(spread)} addresses", spread)])[1]
        finally:
            system.stop()
        system = start(tmp / "open", vhost, throttle=False)
        try:
            quiet, found = floods(system, args, "no throttle", [("1 address", ())])
            results += found
            report("quiet again, no throttle", phase(system, args.seconds)[0], quiet)
        finally:
            system.stop()
    finally:
        vhost.delete()
    sys.exit(0 if verdict(results) else 1)


if __name__ == "__main__":
    main()
