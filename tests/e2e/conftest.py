"""The real system for end-to-end tests: `genie` processes on a vhost of their own, reached over HTTP.

Only fixtures live here; test_browser*.py sets up its own services and is not affected.
"""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
import requests

from shared import config
from shared.config import SOURCES

ROOT = Path(__file__).resolve().parents[2]
MGMT = os.environ.get("RABBIT_MGMT", "http://127.0.0.1:15672/api")
MGMT_AUTH = ("guest", "guest")
SERVICES = config.SERVICES + ("gateway",)
PASSWORD = "e2e-secret-pw"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def genie(*args, env, timeout=120, input=None) -> subprocess.CompletedProcess:
    """Run the `genie` command line and return what it did; raise if it failed."""
    done = subprocess.run([sys.executable, "-m", "genie.cli", *args], cwd=ROOT, env=env, input=input,
                          capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        raise AssertionError(f"genie {' '.join(args)} failed ({done.returncode}): {done.stderr[-2000:]}")
    return done


class Vhost:
    """A RabbitMQ vhost of the test's own, made and removed through the management API."""

    def __init__(self):
        self.name = f"genie-e2e-{uuid.uuid4().hex[:8]}"
        self.url = f"{MGMT}/vhosts/{quote(self.name, safe='')}"

    def create(self):
        requests.put(self.url, auth=MGMT_AUTH, timeout=10).raise_for_status()
        self.grant()

    def grant(self):
        requests.put(f"{MGMT}/permissions/{quote(self.name, safe='')}/guest", auth=MGMT_AUTH, timeout=10,
                     json={"configure": ".*", "write": ".*", "read": ".*"}).raise_for_status()

    def delete(self):
        requests.delete(self.url, auth=MGMT_AUTH, timeout=30)

    @property
    def amqp_uri(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:5672/{quote(self.name, safe='')}"


class System:
    """The services as real processes. `up()` is `genie up` (one supervised process per service); `each()`
    starts the same processes one by one, so that a test decides itself when one comes back."""

    def __init__(self, tmp: Path, vhost: Vhost, amqp_uri: str | None = None):
        self.tmp, self.vhost = tmp, vhost
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("DATABASE_URL_")}
        self.env.update({"AMQP_URI": amqp_uri or vhost.amqp_uri, "GENIE_VAR_DIR": str(tmp / "var"), "PROVINCE_CODE": "OED",
                         "GATEWAY_HOST": "127.0.0.1", "GATEWAY_PORT": str(self.port), "LOG_LEVEL": "WARNING",
                         "GATEWAY_SECRET": uuid.uuid4().hex, "PYTHONUNBUFFERED": "1"})
        self.procs: dict[str, subprocess.Popen] = {}
        self.tokens: dict[str, str] = {}
        self.http = requests.Session()

    # ---- processes

    def _spawn(self, name: str, args: list[str]) -> subprocess.Popen:
        log = open(self.tmp / f"{name}.log", "ab")
        proc = subprocess.Popen([sys.executable, "-m", "genie.cli", *args], cwd=ROOT, env=self.env,
                                stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        self.procs[name] = proc
        return proc

    def up(self):
        self._spawn("up", ["up"])
        self.wait_ready()

    def each(self):
        for name in SERVICES:
            self._spawn(name, ["run", name])
        self.wait_ready()

    def run(self, name: str):
        """`genie run <name>`: start (again) one service."""
        self._spawn(name, ["run", name])

    def exited(self) -> list[str]:
        return [name for name, proc in self.procs.items() if proc.poll() is not None]

    def kill(self, name: str, sig=signal.SIGKILL):
        proc = self.procs[name]
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            pass
        proc.wait(timeout=30)

    def stop(self):
        for name, proc in list(self.procs.items()):
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGTERM)
                except ProcessLookupError:
                    continue
        for proc in self.procs.values():
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)

    def health(self, details: bool = True) -> dict:
        """Up or down for anyone; the services' details need a signed-in user (a viewer of our own)."""
        headers = {}
        if details:
            if "e2e-monitor" not in self.tokens:
                self.add_user("e2e-monitor", "viewer", "all")
            headers = {"Authorization": f"Bearer {self.tokens['e2e-monitor']}"}
        return self.http.get(self.base + "/api/health", timeout=15, headers=headers).json()

    def wait_ready(self, timeout=300):  # a busy machine starts the system late, not never
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            for name, proc in self.procs.items():
                if proc.poll() is not None and name != "rebuild":
                    raise AssertionError(f"{name} exited ({proc.returncode}): {self.log_tail(name)}")
            try:
                last = self.health(details=False)
                if last.get("status") == "ok":
                    return last
            except (requests.RequestException, ValueError) as exc:
                last = exc
            time.sleep(0.3)
        raise AssertionError(f"the system did not come up: {last}")

    def log_tail(self, name: str, n=3000) -> str:
        path = self.tmp / f"{name}.log"
        return path.read_text(errors="replace")[-n:] if path.exists() else ""

    # ---- people and HTTP

    def add_user(self, username: str, role: str, scope: str | None = None) -> str:
        args = ["user", "add", username, "--role", role, "--password-stdin"] + (["--scope", scope] if scope else [])
        genie(*args, env=self.env, input=PASSWORD + "\n")
        answer = self.http.post(self.base + "/api/login", json={"username": username, "password": PASSWORD},
                                timeout=15)
        assert answer.status_code == 200, answer.text
        self.tokens[username] = answer.json()["token"]
        return self.tokens[username]

    def post(self, user: str, path: str, body, session: requests.Session | None = None, timeout=60):
        data = body if isinstance(body, (bytes, str)) else json.dumps(body)
        return (session or self.http).post(self.base + path, data=data, timeout=timeout, headers={
            "Authorization": f"Bearer {self.tokens[user]}", "Content-Type": "application/json"})

    def get(self, user: str, path: str, params=None, timeout=60):
        return self.http.get(self.base + path, params=params, timeout=timeout,
                             headers={"Authorization": f"Bearer {self.tokens[user]}"})

    # ---- what the system knows

    def logs(self) -> dict[str, list[dict]]:
        """Every source's whole log."""
        return {s: events_of(self, s) for s in SOURCES}

    def last_positions(self) -> dict[str, int]:
        services = self.health()["services"]
        return {s: services[s]["last_position"] for s in SOURCES}

    def settle(self, timeout=120) -> dict:
        """Wait until reporting has read every source's log up to its last position."""
        deadline = time.monotonic() + timeout
        health = None
        while time.monotonic() < deadline:
            try:
                health = self.health()
            except (requests.RequestException, ValueError) as exc:
                health = exc
                time.sleep(0.5)
                continue
            services = health["services"]
            if all(isinstance(services[s].get("last_position"), int) for s in SOURCES):
                last = {s: services[s]["last_position"] for s in SOURCES}
                rep = services["reporting"]
                if rep.get("status") == "ok" and all(rep["positions"].get(s) == last[s] for s in SOURCES):
                    return health
            time.sleep(0.3)
        raise AssertionError(f"reporting did not catch up: {health}")

    def rebuild_reporting(self) -> str:
        return genie("rebuild", "reporting", env=self.env, timeout=300).stdout


@pytest.fixture(scope="module")
def rabbit_vhost():
    vhost = Vhost()
    vhost.create()
    yield vhost
    vhost.delete()


def _system(tmp_path_factory, rabbit_vhost, how: str, amqp_uri: str | None = None):
    system = System(tmp_path_factory.mktemp("genie-e2e"), rabbit_vhost, amqp_uri)
    try:
        getattr(system, how)()
    except BaseException:
        system.stop()
        raise
    yield system
    system.stop()


@pytest.fixture(scope="module")
def genie_up(tmp_path_factory, rabbit_vhost):
    """The whole system under `genie up` on its own vhost, with a coordinator signed in."""
    yield from _system(tmp_path_factory, rabbit_vhost, "up")


@pytest.fixture(scope="module")
def genie_each(tmp_path_factory, rabbit_vhost):
    """The same processes `genie up` starts, one `genie run` each, so that a test may kill one."""
    yield from _system(tmp_path_factory, rabbit_vhost, "each")


class BrokerDoor:
    """A TCP relay between the system and RabbitMQ that can be shut: while shut, the broker is out of reach for
    this system only (connections dropped, new ones refused), as if it were stopped; the broker itself, shared
    with other tests, keeps running."""

    def __init__(self, target=("127.0.0.1", 5672)):
        self.target, self.port = target, free_port()
        self.links: set = set()
        self.listener = None
        self.server = None

    def open(self):
        import eventlet

        self.listener = eventlet.listen(("127.0.0.1", self.port))
        self.server = eventlet.spawn(self._serve, self.listener)

    def _serve(self, listener):
        import eventlet

        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                upstream = eventlet.connect(self.target)
            except OSError:
                client.close()
                continue
            self.links.update((client, upstream))
            ends = [2]  # the second pump to finish closes both sockets, so that no reader is left on them
            eventlet.spawn_n(self._pump, client, upstream, ends)
            eventlet.spawn_n(self._pump, upstream, client, ends)

    def _pump(self, src, dst, ends):
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                dst.sendall(data)
        except (OSError, EOFError):
            pass
        try:
            dst.shutdown(socket.SHUT_RDWR)  # wakes the other pump
        except OSError:
            pass
        ends[0] -= 1
        if ends[0] == 0:
            for sock in (src, dst):
                self.links.discard(sock)
                try:
                    sock.close()
                except OSError:
                    pass

    def shut(self):
        self.server.kill()
        self.listener.close()
        # Shut down, not closed: each pump sees the end, closes its own sockets and leaves no reader behind.
        for sock in list(self.links):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        import eventlet

        for _ in range(100):
            if not self.links:
                break
            eventlet.sleep(0.05)

    def uri(self, vhost: Vhost) -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.port}/{quote(vhost.name, safe='')}"


@pytest.fixture(scope="module")
def broker_door():
    door = BrokerDoor()
    door.open()
    yield door
    try:
        door.shut()
    except Exception:
        pass


@pytest.fixture(scope="module")
def genie_each_behind_door(tmp_path_factory, rabbit_vhost, broker_door):
    """The services, one `genie run` each, reaching RabbitMQ through `broker_door`, so that a test can cut it
    off and start again, as a supervisor would, any process the outage stopped."""
    yield from _system(tmp_path_factory, rabbit_vhost, "each", broker_door.uri(rabbit_vhost))


@pytest.fixture(scope="module")
def system(genie_each):
    """The scenarios' system: the services one `genie run` each, so that a test may kill one, and the coordinator
    as whom the scenarios work. A module that needs another start has a `system` of its own."""
    return with_coordinator(genie_each)


# ---- what the scenarios send and check

def events_of(system: System, source: str) -> list[dict]:
    """A source's whole log through its catch-up RPC (CONTRACT §3), on the system's vhost."""
    from nameko.standalone.rpc import ClusterRpcProxy

    out: list[dict] = []
    with ClusterRpcProxy({"AMQP_URI": system.vhost.amqp_uri, "serializer": "json"}, timeout=60) as cluster:
        while True:
            page = getattr(cluster, source).events_since(out[-1]["position"] if out else 0, 5000)
            out.extend(page)
            if len(page) < 5000:
                return out


class Acks:
    """The events each 2xx answer said were recorded, and what the other answers were."""

    def __init__(self):
        self.events: list[dict] = []
        self.statuses: dict[int, int] = {}

    def add(self, response):
        self.statuses[response.status_code] = self.statuses.get(response.status_code, 0) + 1
        if 200 <= response.status_code < 300:
            self.events.extend(response.json().get("events", []))

    @property
    def ok(self) -> int:
        return sum(n for code, n in self.statuses.items() if 200 <= code < 300)


def check_logs(system: System, acks: Acks) -> dict[str, list[dict]]:
    """Every acknowledged event is in its source's log, at the position it was given; the logs are gap-free
    and end at the last position health reports."""
    logs = system.logs()
    last = system.last_positions()
    for source, log in logs.items():
        assert [e["position"] for e in log] == list(range(1, len(log) + 1)), f"{source}: gaps in the log"
        assert len(log) == last[source], f"{source}: health says {last[source]}, the log has {len(log)}"
    by_id = {e["event_id"]: e for log in logs.values() for e in log}
    missing = [e for e in acks.events if e["event_id"] not in by_id]
    assert not missing, f"{len(missing)} acknowledged events are not in the logs, e.g. {missing[:2]}"
    for e in acks.events:
        assert by_id[e["event_id"]]["position"] == e["position"] and by_id[e["event_id"]]["data"] == e["data"]
    return logs


def indicator_views(system: System, user: str, schools: list[str], periods=("2025-2026", "2026-2027")) -> dict:
    out = {}
    for scope in ["all", "province:OED"] + [f"school:{s}" for s in schools]:
        for period in periods:
            r = system.get(user, "/api/indicators", {"scope": scope, "period": period})
            assert r.status_code == 200, r.text
            body = r.json()
            out[(scope, period)] = {"positions": body["positions"],
                                    "indicators": {i["id"]: i for i in body["indicators"]}}
    return out


def check_indicators_equal_rebuild(system: System, user: str, schools: list[str]) -> dict:
    """Reporting's figures, caught up, are the figures made again from the logs by `genie rebuild reporting`."""
    system.settle()
    live = indicator_views(system, user, schools)
    system.rebuild_reporting()
    system.settle()
    rebuilt = indicator_views(system, user, schools)
    for key in live:
        assert live[key]["positions"] == rebuilt[key]["positions"], key
        diff = {i: (v, rebuilt[key]["indicators"].get(i)) for i, v in live[key]["indicators"].items()
                if v != rebuilt[key]["indicators"].get(i)}
        assert not diff, f"{key}: live and rebuilt figures differ: {diff}"
    return live


def burst(system: System, user: str, commands: list[tuple[str, dict]], acks: Acks, workers=6,
          on_progress=None, errors: list | None = None, halt=None, timeout=20):
    """Send `commands` over `workers` concurrent HTTP connections; record every answer. Stop early once
    `halt` (an eventlet Event) is sent."""
    import eventlet

    queue = list(reversed(commands))

    def worker():
        session = requests.Session()
        while queue and not (halt is not None and halt.ready()):
            path, body = queue.pop()
            try:
                r = system.post(user, path, body, session=session, timeout=timeout)
            except requests.RequestException as exc:
                if errors is not None:
                    errors.append(exc)
                continue
            acks.add(r)
            if on_progress:
                on_progress(acks)

    pool = eventlet.GreenPool(workers)
    for _ in range(workers):
        pool.spawn(worker)
    pool.waitall()


def province(tag: str, schools: int = 4) -> tuple[list[str], list[tuple[str, dict]]]:
    """Schools of a small province, registered with their census and connectivity (past and current year)."""
    codes = [f"{tag}S{i:02d}" for i in range(schools)]
    cmds = []
    for i, code in enumerate(codes):
        cmds.append(("/api/inventory/register_school", {
            "school_code": code, "name_ar": f"مدرسة {i}", "name_fr": f"École {i}", "cycle": "primary",
            "setting": ("urban", "rural")[i % 2], "commune": "Dakhla", "region_code": "DOE",
            "occurred_at": "2025-09-01T08:00:00+01:00"}))
    return codes, cmds


def with_coordinator(system: System) -> System:
    """`system` with the province's coordinator, "coord", as whom the scenarios work."""
    system.add_user("coord", "coordinator", "province:OED")
    return system


def registered_province(system: System, tag: str, schools: int = 4):
    """A small province registered by the coordinator, one command at a time: its schools, the commands that
    registered them, and the answers so far (an Acks the scenario goes on adding to)."""
    codes, setup = province(tag, schools)
    acks = Acks()
    burst(system, "coord", setup, acks, workers=1)
    return codes, setup, acks


def one_of_two_wins(answers: list, acks: Acks, refusal: str):
    """Of two answers to the same change sent at once, one is 201 and the other 409, refused with `refusal` or as
    a concurrent change; both are counted in `acks`."""
    assert sorted(a.status_code for a in answers) == [201, 409], [a.text for a in answers]
    loser = next(a for a in answers if a.status_code == 409).json()
    assert loser["code"] in (refusal, "concurrent_change"), loser
    for a in answers:
        acks.add(a)


def mixed_commands(tag: str, schools: list[str], n: int) -> list[tuple[str, dict]]:
    """`n` independent commands touching many indicators, half dated last school year, half now."""
    cmds = []
    for k in range(n):
        school = schools[k % len(schools)]
        past = k % 2 == 0
        when = {"occurred_at": f"2025-{10 + k % 3:02d}-{1 + k % 28:02d}T10:00:00+01:00"} if past else {}
        kind = k % 4
        if kind == 0:
            items = [{"asset_id": f"{tag}A{k:05d}{j}", "kind": ("laptop", "tablet", "projector")[j % 3],
                      "serial": f"{tag}SN{k:05d}{j}", "model": "M1", "warranty_months": 24, "bundle": "none"}
                     for j in range(1 + k % 3)]
            cmds.append(("/api/inventory/receive_delivery",
                         {"supplier": "Atlas", "delivery_ref": f"{tag}BL{k:05d}", "items": items, **when}))
        elif kind == 1:
            cmds.append(("/api/inventory/record_census", {
                "school_code": school, "school_year": "2025-2026" if past else "2026-2027",
                "pupils": 100 + k, "teachers": 5 + k % 7, **when}))
        elif kind == 2:
            connected = k % 3 != 0
            cmds.append(("/api/inventory/record_connectivity", {
                "school_code": school, "status": "connected" if connected else "disconnected", "link": "4g",
                "bandwidth_mbps": 30.0 if connected else 0.0, **when}))
        else:
            cmds.append(("/api/inventory/record_filtering", {"school_code": school, "active": k % 3 == 0, **when}))
    return cmds
