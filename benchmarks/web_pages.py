"""Every page of the web application with the demo province loaded: the p95 of each beside a bare
`/api/health` measured in the same run.

    python benchmarks/web_pages.py [--schools 60] [--assets-per-school 50] [--requests 40]
    python benchmarks/web_pages.py --serve 1800   # keep it up to look at the pages in a browser

Starts the whole system with `genie up` on a vhost of its own, SQLite files in a temporary directory,
enters the demo province with `genie seed demo`, adds one account per role (password `demo-password`), and
asks each page `--requests` times, one request at a time, as the signed-in user of the role it is for.
"""
from __future__ import annotations

import argparse
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.e2e.conftest import PASSWORD, System, Vhost, genie  # noqa: E402

USERS = [("fatima", "coordinator", None), ("youssef", "infrastructure", None), ("karim", "technician", None),
         ("amina", "school_director", "school:{school}"), ("nadia", "viewer", "all")]


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def browser_session(base, user) -> requests.Session:
    session = requests.Session()
    answer = session.post(base + "/login", data={"username": user, "password": PASSWORD}, allow_redirects=False,
                          timeout=30)
    assert answer.status_code == 303, answer.text[:300]
    return session


def pages(system, school, serial, fault, transfer, audit, delivery):
    """(user, path) of every page, for the role whose page it is."""
    coordinator = ["/", "/dashboard", "/equipment", "/equipment?status=unused", f"/equipment?q={serial[:4]}",
                   "/schools", f"/schools/{school}", f"/assets?serial={serial}", "/deliveries",
                   "/transfers", "/audits", "/faults", "/warranties"]
    coordinator += [f"/deliveries/{delivery}"] if delivery else []
    coordinator += [f"/transfers/{transfer}"] if transfer else []
    coordinator += [f"/audits/{audit}"] if audit else []
    coordinator += [f"/faults/{fault}"] if fault else []
    coordinator += ["/forms/inventory/assign_equipment", f"/forms/inventory/record_usage_visit?school_code={school}",
                    f"/forms/inventory/complete_inventory_audit?school_code={school}",
                    f"/forms/inventory/propose_transfer?from_school={school}", "/forms/inventory/receive_delivery",
                    "/forms/maintenance/declare_fault", "/forms/maintenance/close_fault"]
    found = [("fatima", p) for p in coordinator]
    found += [("karim", "/"), ("karim", "/faults?older_than=15"), ("amina", "/"), ("amina", f"/schools/{school}"),
              ("nadia", "/")]
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--schools", type=int, default=60)
    parser.add_argument("--assets-per-school", type=int, default=50)
    parser.add_argument("--requests", type=int, default=40)
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
            schools = system.get("probe", "/api/schools").json()
            school = schools[0]["school_code"]
            for name, role, scope in USERS:
                system.add_user(name, role, scope.format(school=school) if scope else None)
            items = system.get("probe", "/api/equipment", {"school_code": school, "per_page": 1}).json()["items"]
            serial = items[0]["serial"] if items else "none"
            faults = system.get("probe", "/api/faults").json()
            transfers = system.get("probe", "/api/transfers", {"status": "completed"}).json()
            audits = system.get("probe", "/api/audits").json()
            deliveries = system.get("probe", "/api/deliveries").json()
            found = pages(system, school, serial, faults[0]["fault_id"] if faults else None,
                          transfers[0]["transfer_id"] if transfers else None, audits[0]["audit_id"] if audits else None,
                          deliveries[0]["delivery_ref"] if deliveries else None)
            if args.serve:
                print(f"the demo province is up at {system.base} (users {', '.join(u for u, _, _ in USERS)}, "
                      f"password {PASSWORD}); school {school}, serial {serial}", flush=True)
                time.sleep(args.serve)
                return
            sessions = {user: browser_session(system.base, user) for user, _, _ in USERS}
            health = []
            for _ in range(args.requests):
                t = time.perf_counter()
                system.http.get(system.base + "/api/health", timeout=30).raise_for_status()
                health.append((time.perf_counter() - t) * 1000)
            print(f"web pages, {platform.python_implementation()} {platform.python_version()}, "
                  f"demo province of {args.schools} schools x {args.assets_per_school} assets "
                  f"(seeded in {seeded:.0f} s), {args.requests} requests each, one at a time")
            print(f"{'page':58} {'user':8} {'p50 ms':>8} {'p95 ms':>8} {'p95/health':>11}")
            base95 = percentile(health, 95)
            print(f"{'/api/health (baseline, no sign-in)':58} {'-':8} {statistics.median(health):8.1f} "
                  f"{base95:8.1f} {1:11.1f}")
            slowest = 0.0
            for user, path in found:
                times = []
                for _ in range(args.requests):
                    t = time.perf_counter()
                    answer = sessions[user].get(system.base + path, timeout=60, allow_redirects=False)
                    times.append((time.perf_counter() - t) * 1000)
                    assert answer.status_code == 200, (path, answer.status_code, answer.text[:300])
                p95 = percentile(times, 95)
                slowest = max(slowest, p95)
                print(f"{path[:58]:58} {user:8} {statistics.median(times):8.1f} {p95:8.1f} {p95 / base95:11.1f}")
            print(f"slowest page p95: {slowest:.1f} ms (target under 300 ms)")
        finally:
            system.stop()
            vhost.delete()


if __name__ == "__main__":
    main()
