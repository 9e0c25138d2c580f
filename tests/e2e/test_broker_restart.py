"""A real broker restart under `genie up`: a RabbitMQ node of the test's own (its own node name, ports and data
directory on loopback; the machine's broker is not touched) is stopped with `rabbitmqctl stop_app` for 30 s and
started again, then killed with SIGKILL and started again, while commands stream through the gateway.

During the outage every command sent is answered 503 with `Retry-After` within 2 s (one still without an answer
when the outage ends counts as failed, not as unseen), the pages say that the system is temporarily unavailable
in their language, and health says the broker is what is down. After it every service is back without anyone
restarting it (no container died, `genie up` started none again), every command answered 2xx is in its log, and
reporting's figures equal those `genie rebuild reporting` makes from the logs (so nothing was applied twice).
"""
import os
import shutil
import signal
import subprocess
import time
import uuid
from pathlib import Path

import eventlet
import pytest
import requests

from services.gateway.api import COOKIE
from tests.helpers import wait_for

from .conftest import Acks, _system, check_indicators_equal_rebuild, check_logs, free_port, mixed_commands, province

pytestmark = pytest.mark.e2e

OUTAGE = 30
ANSWER_WITHIN = 2  # seconds for a command's 503 during an outage


class BrokerNode:
    """A RabbitMQ node of our own, on loopback ports of its own, with its data in `base`."""

    def __init__(self, base: Path):
        self.base = base
        base.mkdir(parents=True, exist_ok=True)
        base.chmod(0o777)  # the node runs as the rabbitmq user
        self.name = f"genie-e2e-{uuid.uuid4().hex[:8]}@localhost"
        self.port, dist = free_port(), free_port()
        (base / "enabled_plugins").write_text("[].\n")
        (base / "rabbitmq.conf").write_text(f"listeners.tcp.1 = 127.0.0.1:{self.port}\n")
        self.env = dict(os.environ, RABBITMQ_NODENAME=self.name, RABBITMQ_NODE_IP_ADDRESS="127.0.0.1",
                        RABBITMQ_NODE_PORT=str(self.port), RABBITMQ_DIST_PORT=str(dist),
                        RABBITMQ_MNESIA_BASE=str(base / "mnesia"), RABBITMQ_LOG_BASE=str(base / "log"),
                        RABBITMQ_ENABLED_PLUGINS_FILE=str(base / "enabled_plugins"),
                        RABBITMQ_CONFIG_FILE=str(base / "rabbitmq.conf"), RABBITMQ_PID_FILE=str(base / "pid"))
        self.proc = None
        self.amqp_uri = f"amqp://guest:guest@127.0.0.1:{self.port}/"

    def ctl(self, *args, timeout=120):
        return subprocess.run(["rabbitmqctl", "-n", self.name, "-q", *args], env=self.env, capture_output=True,
                              text=True, timeout=timeout)

    def start(self):
        (self.base / "pid").unlink(missing_ok=True)
        with open(self.base / "server.out", "ab") as out:
            self.proc = subprocess.Popen(["rabbitmq-server"], env=self.env, stdout=out, stderr=subprocess.STDOUT,
                                         start_new_session=True)
        wait_for(lambda: self.ctl("await_startup", "--timeout", "10", timeout=30).returncode == 0,
                 timeout=180, interval=1)

    def pid(self) -> int:
        return int((self.base / "pid").read_text().strip())

    def kill(self):
        pid = self.pid()
        os.kill(pid, signal.SIGKILL)
        wait_for(lambda: not Path(f"/proc/{pid}").exists(), timeout=30)
        self.proc.wait(timeout=30)

    def remove(self):
        if self.proc is not None and self.proc.poll() is None:
            self.ctl("stop", timeout=60)
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
        shutil.rmtree(self.base, ignore_errors=True)


class OwnVhost:
    """The default vhost of our node, as the system's fixtures expect a vhost."""

    name = "/"

    def __init__(self, node: BrokerNode):
        self.amqp_uri = node.amqp_uri


@pytest.fixture(scope="module")
def node():
    node = BrokerNode(Path("/tmp") / f"genie-broker-{uuid.uuid4().hex[:8]}")
    try:
        node.start()
        yield node
    finally:
        node.remove()


@pytest.fixture(scope="module")
def system(tmp_path_factory, node):
    for system in _system(tmp_path_factory, OwnVhost(node), "up", node.amqp_uri):
        system.add_user("coord", "coordinator", "province:OED")
        yield system


class Sent:
    """One command of the stream: when it was sent and, once answered, how long it took and the answer."""

    def __init__(self):
        self.at = time.monotonic()
        self.seconds = self.status = self.retry_after = None

    def answered(self, status=None, retry_after=None):
        self.seconds, self.status, self.retry_after = time.monotonic() - self.at, status, retry_after

    def __repr__(self):
        answer = ("unanswered" if self.seconds is None else f"{self.status} after {self.seconds:.2f}s"
                  if self.status else f"given up by the client after {self.seconds:.2f}s")
        return f"<sent at {self.at:.1f}: {answer}, Retry-After {self.retry_after}>"


class Stream:
    """Commands sent without pause over a few connections; each kept from the moment it is sent, so that one
    that never gets its answer is seen too."""

    def __init__(self, system, commands, workers=3):
        self.system, self.queue = system, list(reversed(commands))
        self.acks, self.sent = Acks(), []
        self.halt = eventlet.event.Event()
        self.pool = eventlet.GreenPool(workers)
        for _ in range(workers):
            self.pool.spawn(self._worker)

    def _worker(self):
        session = requests.Session()
        while self.queue and not self.halt.ready():
            path, body = self.queue.pop()
            sent = Sent()
            self.sent.append(sent)
            try:
                r = self.system.post("coord", path, body, session=session, timeout=30)
            except requests.RequestException:
                sent.answered()
                eventlet.sleep(0.2)
                continue
            sent.answered(r.status_code, r.headers.get("Retry-After"))
            self.acks.add(r)
            if r.status_code == 503:
                eventlet.sleep(0.2)  # as a client told to try again would, a little later

    def ok_since(self, since) -> int:
        return sum(1 for s in self.sent if s.at >= since and s.status and 200 <= s.status < 300)

    def during(self, start, end) -> list[Sent]:
        """Every command sent from `start` to `end`, each once it has had its `ANSWER_WITHIN` seconds (the
        broker still down meanwhile), and any other command still unanswered by then."""
        window = [s for s in self.sent if start <= s.at < end]
        due = max((s.at for s in window), default=end) + ANSWER_WITHIN
        while time.monotonic() < due and any(s.seconds is None for s in window):
            eventlet.sleep(0.05)
        return window + [s for s in self.sent if s.at < start and s.seconds is None]

    def stop(self):
        self.halt.send()
        self.pool.waitall()


UNAVAILABLE = {"fr": "Le système est momentanément indisponible", "ar": "النظام غير متاح مؤقتا"}


def page_says_unavailable(system, lang, seen: dict) -> bool:
    r = requests.get(system.base + f"/?lang={lang}", timeout=10, cookies={COOKIE: system.tokens["coord"]})
    seen[lang] = (r.status_code, r.headers.get("Retry-After"), r.text[:2000])
    return (r.status_code == 503 and UNAVAILABLE[lang] in r.text and f'lang="{lang}"' in r.text
            and "Retry-After" in r.headers)


def outage_checks(system, stream, start, seconds):
    """While the broker is down: pages and health say so; return the answers to commands sent meanwhile."""
    seen = {}
    try:
        wait_for(lambda: page_says_unavailable(system, "fr", seen) and page_says_unavailable(system, "ar", seen),
                 timeout=10, interval=0.5)
    except AssertionError:
        raise AssertionError(f"the pages do not say the system is unavailable: {seen}") from None
    print(f"\nthe pages say the system is unavailable {time.monotonic() - start:.1f}s into the outage")
    health = system.get("coord", "/api/health", timeout=10).json()
    assert health["broker"] == "unreachable" and health["status"] == "degraded", health
    assert all(s["status"] == "unreachable" for s in health["services"].values())
    eventlet.sleep(max(0.0, start + seconds - time.monotonic()))
    return stream.during(start, time.monotonic())


def check_outage_answers(sent, what):
    assert len(sent) >= 10, f"{what}: too few commands sent during the outage to tell: {sent}"
    unanswered = [s for s in sent if s.seconds is None]
    late = [s for s in sent if s.seconds is not None and (s.status != 503 or s.seconds > ANSWER_WITHIN
                                                          or not s.retry_after)]
    slowest = max((s.seconds for s in sent if s.seconds is not None), default=float("nan"))
    print(f"\n{what}: {len(sent)} commands during the outage, slowest answer {slowest:.2f}s")
    assert not unanswered, f"{what}: {len(unanswered)} commands left without an answer: {unanswered[:5]}"
    assert not late, f"{what}: answers that were not a 503 with Retry-After within {ANSWER_WITHIN} s: {late[:5]}"


def test_the_broker_stopped_then_killed_during_a_stream_of_commands(system, node):
    schools, setup = province("BR")
    for path, body in setup:
        assert system.post("coord", path, body).status_code == 201
    stream = Stream(system, mixed_commands("BR", schools, 20000))
    try:
        wait_for(lambda: stream.acks.ok >= 100, timeout=120)

        assert node.ctl("stop_app").returncode == 0
        stopped = time.monotonic()
        check_outage_answers(outage_checks(system, stream, stopped, OUTAGE), "stop_app")
        assert node.ctl("start_app").returncode == 0
        started = time.monotonic()
        wait_for(lambda: stream.ok_since(started) >= 50, timeout=240, interval=0.5)
        print(f"commands accepted again {time.monotonic() - started:.1f}s after start_app")

        node.kill()
        killed = time.monotonic()
        check_outage_answers(outage_checks(system, stream, killed, 10), "SIGKILL")
        node.start()
        started = time.monotonic()
        wait_for(lambda: stream.ok_since(started) >= 50, timeout=240, interval=0.5)
        print(f"commands accepted again {time.monotonic() - started:.1f}s after the killed node was started")
    finally:
        stream.stop()
    statuses = stream.acks.statuses
    print(f"answers: {statuses}")
    assert set(statuses) <= {201, 503}, statuses
    # Every service came back by itself: each rode the outages in its own process, none started again.
    system.wait_ready(timeout=240)
    log = system.log_tail("up", n=10**9).splitlines()
    deaths = [line[:600] for line in log if "thread exited with error" in line
              or line.startswith("genie: ") and " exited (" in line]
    assert not deaths, f"services died during the outages: {deaths}"
    check_logs(system, stream.acks)
    check_indicators_equal_rebuild(system, "coord", schools[:2])
    assert system.health()["services"]["reporting"]["dead_letters"] == 0
