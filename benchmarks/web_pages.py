"""Every page of the web application, for every role, with the demo province loaded: the p95 of each at the
server (its `Server-Timing`) and as the client waited, beside a bare `/api/health` measured in the same run;
then the pages over 300 ms at the server.

    python benchmarks/web_pages.py [--schools 60] [--assets-per-school 50] [--requests 20] [--only /forms --only =/]
    python benchmarks/web_pages.py --serve 1800   # keep it up to look at the pages in a browser

Starts the whole system with `genie up` on a vhost of its own, SQLite files in a temporary directory,
enters the demo province with `genie seed demo`, adds one account per role (the web crawl's accounts,
password `demo-password`), and asks each page `--requests` times, one request at a time, as each account
that may open it: the pages are the crawl's (`tests/e2e/test_web_crawl.py`: one of each route the gateway
serves, every form a role may fill) and a few filtered lists. A page a role may not open (403, or 404 outside its scope) is counted
and not timed. Heavy: about 400 pages and accounts, a few tens of minutes.
"""
from __future__ import annotations

import argparse
import platform
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.e2e.conftest import PASSWORD, System, Vhost, genie  # noqa: E402
from tests.e2e.test_web_crawl import ROLES, pages_of, things_of  # noqa: E402

TARGET_MS = 300.0
# Filtered and sorted lists, a drill-down and the pivot's other rows, beside the crawl's one page of each route.
MORE = ["/equipment?status=unused", "/equipment?q={prefix}", "/equipment?sort=warranty&page=2",
        "/schools?visit=none", "/faults?older_than=15", "/transfers?status=completed", "/deliveries?open=1",
        "/resources?status=approved", "/pivot?by=school", "/pivot?by=commune&axis=maintenance",
        "/dashboard?by=school", "/activity?axis=inventory", "/labels"]


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def browser_session(base, user) -> requests.Session:
    session = requests.Session()
    answer = session.post(base + "/login", data={"username": user, "password": PASSWORD}, allow_redirects=False,
                          timeout=30)
    assert answer.status_code == 303, answer.text[:300]
    return session


def at_server(answer) -> float | None:
    found = re.search(r"app;dur=([\d.]+)", answer.headers.get("Server-Timing", ""))
    return float(found.group(1)) if found else None


def timed(session, url, n) -> tuple[list[float], list[float]]:
    """n answers of one page, one at a time: (ms at the server, ms the client waited)."""
    server, client = [], []
    for _ in range(n):
        t = time.perf_counter()
        answer = session.get(url, timeout=120, allow_redirects=False)
        client.append((time.perf_counter() - t) * 1000)
        assert answer.status_code == 200, (url, answer.status_code, answer.text[:300])
        server.append(at_server(answer) or client[-1])
    return server, client


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--schools", type=int, default=60)
    parser.add_argument("--assets-per-school", type=int, default=50)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--only", action="append", default=[],
                        help="only the pages whose address holds this text (again for more; =/ is exactly /)")
    parser.add_argument("--serve", type=float, default=0, help="keep the system up this many seconds, then stop")
    args = parser.parse_args()

    vhost = Vhost()
    vhost.create()
    with tempfile.TemporaryDirectory() as tmp:
        system = System(Path(tmp), vhost)
        try:
            system.up()
            started = time.monotonic()
            genie("seed", "demo", "--schools", str(args.schools), "--assets-per-school", str(args.assets_per_school),
                  "--timeout", "1200", env=system.env, timeout=3600)
            seeded = time.monotonic() - started
            system.settle(timeout=600)
            system.add_user("probe", "coordinator")
            school = system.get("probe", "/api/schools").json()[0]["school_code"]
            for user, (role, scope) in ROLES.items():
                system.add_user(user, role, scope.format(school=school))
            from nameko.standalone.rpc import ClusterRpcProxy

            import shared.remote  # noqa: F401

            with ClusterRpcProxy({"AMQP_URI": system.vhost.amqp_uri, "serializer": "json"}, timeout=120) as rpc:
                things = things_of(rpc, school)
            more = [m.format(prefix=things["serial"][:4]) for m in MORE]
            plan = [(user, path) for user in ROLES for path in pages_of(user, things) + more
                    if not args.only or any(path == o[1:] if o.startswith("=") else o in path for o in args.only)]
            if args.serve:
                print(f"the demo province is up at {system.base} (users {', '.join(ROLES)}, password {PASSWORD}); "
                      f"school {school}, serial {things['serial']}", flush=True)
                time.sleep(args.serve)
                return
            sessions = {user: browser_session(system.base, user) for user in ROLES}
            health_server, health = [], []
            for _ in range(args.requests * 2):
                t = time.perf_counter()
                answer = system.http.get(system.base + "/api/health", timeout=30)
                answer.raise_for_status()
                health.append((time.perf_counter() - t) * 1000)
                health_server.append(at_server(answer) or health[-1])
            base95 = percentile(health, 95)
            print(f"web pages, {platform.python_implementation()} {platform.python_version()}, "
                  f"demo province of {args.schools} schools x {args.assets_per_school} assets "
                  f"(seeded in {seeded:.0f} s), {len(plan)} pages and accounts, {args.requests} requests each, "
                  f"one at a time; ms at the server (Server-Timing) and as the client waited", flush=True)
            print(f"{'page':64} {'user':13} {'server p50':>10} {'server p95':>10} {'client p95':>10} "
                  f"{'p95/health':>10}")
            print(f"{'/api/health (baseline, no sign-in)':64} {'-':13} {statistics.median(health_server):10.1f} "
                  f"{percentile(health_server, 95):10.1f} {base95:10.1f} {1:10.1f}", flush=True)
            slow, refused, measured = [], [], 0
            for user, path in plan:
                first = sessions[user].get(system.base + path, timeout=120, allow_redirects=False)
                if first.status_code in (403, 404):  # not theirs to open (a director and the province's deliveries)
                    refused.append((user, path))
                    continue
                server, client = timed(sessions[user], system.base + path, args.requests)
                measured += 1
                p95 = percentile(server, 95)
                if p95 > TARGET_MS:
                    slow.append((p95, user, path))
                print(f"{path[:64]:64} {user:13} {statistics.median(server):10.1f} {p95:10.1f} "
                      f"{percentile(client, 95):10.1f} {percentile(client, 95) / base95:10.1f}", flush=True)
            print(f"{measured} pages timed; {len(refused)} refused to their account (403, or 404 for what is outside"
                  " their scope), not timed")
            if slow:
                print(f"over {TARGET_MS:.0f} ms at the server (p95), slowest first:")
                for p95, user, path in sorted(slow, reverse=True):
                    print(f"  {p95:8.1f} ms  {user:13} {path}")
            else:
                print(f"every page under {TARGET_MS:.0f} ms at the server (p95)")
        finally:
            system.stop()
            vhost.delete()


if __name__ == "__main__":
    main()
