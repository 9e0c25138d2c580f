"""docker compose, really started: the production topology, and what it does when parts of it are broken.

The tests run in order on one stack (each leaves it up and healthy for the next): up, sign-in, a command
counted by reporting, a service killed, the broker killed for 30 s, down and up, down -v and the README's
restore, then the image itself.
"""
from __future__ import annotations

import os
import signal
import stat
import subprocess
import tarfile
import time

import eventlet
import pytest

from tests.e2e.conftest import SOURCES, Acks, burst, check_indicators_equal_rebuild, check_logs, \
    indicator_views, mixed_commands, province

from .conftest import APP_IMAGE, ROOT, readme_block

USER = "fatima"
TAG = "CMP"


def test_nothing_starts_without_the_passwords_and_the_secret(stack):
    empty = stack.tmp / "empty.env"
    empty.write_text("")
    for missing in stack.secrets:
        env = {k: v for k, v in stack.env.items() if k != missing}
        done = stack.compose("--env-file", str(empty), "up", "--no-start", env=env, check=False)
        assert done.returncode != 0, f"compose accepted a missing {missing}"
        assert f"set {missing} in .env" in done.stderr, done.stderr
    assert stack.compose("ps", "-q").stdout.strip() == "", "a container was made without the settings"


def test_up_every_container_healthy_within_two_minutes(stack):
    start = time.monotonic()
    stack.compose("up", "-d", "--build", timeout=900)
    built = time.monotonic() - start
    waited = stack.wait_healthy(timeout=120)
    print(f"\nup -d --build: {built:.0f} s (the images from the build cache), then every container healthy "
          f"in {waited:.0f} s")
    answer = stack.http.get(stack.base + "/api/health", timeout=15)
    assert answer.status_code == 200, answer.text


def test_a_user_made_with_compose_run_signs_in(stack):
    token = stack.add_user(USER, "coordinator", "province:OED")
    me = stack.http.get(stack.base + "/api/me", headers={"Authorization": f"Bearer {token}"}, timeout=15)
    assert me.status_code == 200 and me.json()["user"] == USER, me.text
    wrong = stack.http.post(stack.base + "/api/login", json={"username": USER, "password": "not it"}, timeout=15)
    assert wrong.status_code == 401


def test_a_command_through_the_gateway_reaches_reporting(stack):
    schools, setup = province(TAG, 3)
    acks = Acks()
    burst(stack, USER, setup + mixed_commands(TAG, schools, 40), acks, workers=2)
    assert acks.ok == len(setup) + 40, acks.statuses
    stack.settle(timeout=120)
    views = indicator_views(stack, USER, schools, periods=("2025-2026",))
    schools_counted = {i: v["value"] for i, v in views[("province:OED", "2025-2026")]["indicators"].items()}
    assert any(v not in (None, 0, 0.0) for v in schools_counted.values()), schools_counted


def _service_pid(stack, service) -> int:
    return stack.inspect(service)["State"]["Pid"]


def test_a_killed_service_is_restarted_and_nothing_is_lost(stack):
    schools = [f"{TAG}S{i:02d}" for i in range(3)]
    victim = "inventory"
    restarts = stack.inspect(victim)["RestartCount"]
    acks, errors = Acks(), []
    killed = eventlet.event.Event()

    def kill_mid_burst():
        while acks.ok < 30:
            eventlet.sleep(0.05)
        # The process dies as in a crash (what `docker kill` does to it, without Docker taking it for an
        # operator's stop, after which no restart policy applies).
        os.kill(_service_pid(stack, victim), signal.SIGKILL)
        killed.send(True)

    eventlet.spawn(kill_mid_burst)
    burst(stack, USER, mixed_commands(TAG + "K", schools, 200), acks, workers=2, errors=errors, timeout=10)
    killed.wait()
    stack.wait_healthy(timeout=120)
    assert stack.inspect(victim)["RestartCount"] == restarts + 1
    after = Acks()
    burst(stack, USER, mixed_commands(TAG + "K2", schools, 20), after, workers=2)
    assert after.ok == 20, after.statuses
    acks.events.extend(after.events)
    print(f"\nkilled {victim}: answers {acks.statuses}, {len(errors)} without answer; restarted by its policy")
    check_logs(stack, acks)
    check_indicators_equal_rebuild(stack, USER, schools[:2])


def test_the_broker_killed_for_30_s_commands_503_then_everything_comes_back(stack):
    schools = [f"{TAG}S{i:02d}" for i in range(3)]
    rabbit = stack.container("rabbitmq")
    before = Acks()
    burst(stack, USER, mixed_commands(TAG + "B", schools, 20), before, workers=2)
    assert before.ok == 20, before.statuses
    subprocess.run(["docker", "kill", rabbit], check=True, capture_output=True)
    outage, unanswered = Acks(), []
    start = time.monotonic()
    while time.monotonic() - start < 30:
        burst(stack, USER, mixed_commands(f"{TAG}O{int(time.monotonic() - start):02d}", schools, 2), outage,
              workers=1, timeout=10, errors=unanswered)
        time.sleep(1)
    subprocess.run(["docker", "start", rabbit], check=True, capture_output=True)
    print(f"\nduring the 30 s without RabbitMQ the gateway answered {outage.statuses}")
    # Every command sent meanwhile is answered, and answered 503: none hangs, none is taken.
    assert not unanswered, unanswered
    assert outage.ok == 0 and set(outage.statuses) == {503}, outage.statuses
    assert sum(outage.statuses.values()) >= 20, outage.statuses
    waited = stack.wait_healthy(timeout=180)
    print(f"every container healthy again {waited:.0f} s after RabbitMQ came back")
    after = Acks()
    burst(stack, USER, mixed_commands(TAG + "A", schools, 20), after, workers=2)
    assert after.ok == 20, after.statuses
    before.events.extend(after.events)
    check_logs(stack, before)
    check_indicators_equal_rebuild(stack, USER, schools[:2])


def test_down_then_up_keeps_the_data_and_the_sign_ins(stack):
    schools = [f"{TAG}S{i:02d}" for i in range(3)]
    stack.settle()
    before = indicator_views(stack, USER, schools)
    token = stack.tokens[USER]
    stack.compose("down", timeout=180)
    assert stack.compose("ps", "-q").stdout.strip() == ""
    stack.compose("up", "-d", timeout=300)
    stack.wait_healthy(timeout=120)
    # The same signing secret after the containers were made again: a token issued before still works.
    me = stack.http.get(stack.base + "/api/me", headers={"Authorization": f"Bearer {token}"}, timeout=15)
    assert me.status_code == 200, me.text
    stack.settle()
    assert indicator_views(stack, USER, schools) == before


def test_down_v_then_the_readme_restore_gives_the_same_indicators(stack):
    schools = [f"{TAG}S{i:02d}" for i in range(3)]
    issued = stack.get(USER, "/api/reports/download", {"scope": "province:OED", "period": "2025-2026",
                                                       "format": "csv"})
    assert issued.status_code == 200, issued.text
    reports = stack.get(USER, "/api/reports").json()
    assert reports
    stack.settle()
    before = indicator_views(stack, USER, schools)
    logs_before = stack.logs()

    stack.shell(readme_block("To back them up with compose"))
    backups = stack.tmp / "backups"
    # The folder the README makes is its owner's only, and the files in it are the user's who ran the commands.
    assert stat.S_IMODE(backups.stat().st_mode) == 0o700
    for path in backups.iterdir():
        assert path.stat().st_uid == os.getuid(), path
    for source in SOURCES:
        lines = (backups / f"{source}.jsonl").read_text().splitlines()
        assert len(lines) == len(logs_before[source]), source
    stack.compose("down", "-v", timeout=180)
    volumes = subprocess.run(["docker", "volume", "ls", "-q"], capture_output=True, text=True).stdout
    assert os.environ["COMPOSE_PROJECT_NAME"] + "_postgres-data" not in volumes

    stack.shell(readme_block("To restore them with compose"))
    stack.wait_healthy(timeout=120)
    stack.shell(readme_block("then, once `docker compose ps` shows every service healthy"))
    stack.sign_in(USER)  # the accounts came back with their table
    stack.settle()
    assert indicator_views(stack, USER, schools) == before
    assert stack.logs() == logs_before
    assert stack.get(USER, "/api/reports").json() == reports  # the issued reports' list came back too


def test_the_image_runs_as_a_user_and_holds_no_secret(stack):
    config = subprocess.run(["docker", "image", "inspect", "-f", "{{json .Config}}", APP_IMAGE],
                            capture_output=True, text=True, check=True).stdout
    assert '"User":"genie"' in config
    uid = subprocess.run(["docker", "run", "--rm", "--entrypoint", "id", APP_IMAGE, "-u"],
                         capture_output=True, text=True, check=True).stdout.strip()
    assert uid != "0"
    for value in stack.secrets.values():
        assert value not in config
    _holds_none_of(APP_IMAGE, list(stack.secrets.values()))


def _holds_none_of(image: str, needles: list[str]) -> None:
    """No file of the image (every layer, as `docker save` gives it) contains any of `needles`."""
    saved = subprocess.Popen(["docker", "save", image], stdout=subprocess.PIPE)
    found = set()
    with tarfile.open(fileobj=saved.stdout, mode="r|") as outer:
        for member in outer:
            if not member.name.endswith("layer.tar"):
                continue
            with tarfile.open(fileobj=outer.extractfile(member), mode="r|") as layer:
                for entry in layer:
                    if entry.name.endswith(("/.env", ".secret", "build-ca/ca-certificates.crt")):
                        found.add(entry.name)
                    if entry.isfile() and entry.size < 5_000_000:
                        data = layer.extractfile(entry).read()
                        found.update(f"{entry.name} holds a secret" for n in needles if n.encode() in data)
    assert saved.wait() == 0
    assert not found, found


def test_the_image_rebuilt_without_cache_in_under_five_minutes(tmp_path):
    """From the sources as they would be on a server after `make setup`, with a .env and a var/ beside them."""
    context = tmp_path / "src"
    context.mkdir()
    files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=ROOT, capture_output=True,
                           text=True, check=True).stdout.split()
    files += [p for p in ("deploy/build-ca", "services/gateway/static/vendor") if (ROOT / p).exists()]
    with open(tmp_path / "src.tar", "wb") as out:
        subprocess.run(["tar", "-c", "-C", str(ROOT), *files], stdout=out, check=True)
    subprocess.run(["tar", "-x", "-C", str(context), "-f", str(tmp_path / "src.tar")], check=True)
    canary = "canary-" + os.urandom(8).hex()
    (context / ".env").write_text(f"GATEWAY_SECRET={canary}\n")
    (context / "var").mkdir()
    (context / "var" / "gateway.secret").write_text(canary)
    image = "genie-coordination:rebuilt"
    start = time.monotonic()
    bases = [f"{arg}={os.environ.get('GENIE_' + arg, 'genie-local/bookworm:base')}"
             for arg in ("PYTHON_IMAGE", "NODE_IMAGE")]
    built = subprocess.run(["docker", "build", "--no-cache", "-q", "--build-arg", bases[0], "--build-arg", bases[1],
                            "-t", image, str(context)], capture_output=True, text=True,
                           env=dict(os.environ, DOCKER_BUILDKIT="0"))
    assert built.returncode == 0, built.stderr[-3000:]
    took = time.monotonic() - start
    size = int(subprocess.run(["docker", "image", "inspect", "-f", "{{.Size}}", image], capture_output=True,
                              text=True, check=True).stdout)
    print(f"\nthe image rebuilt without cache in {took:.0f} s; its size: {size / 1e6:.0f} MB")
    try:
        assert took < 300
        _holds_none_of(image, [canary])
    finally:
        subprocess.run(["docker", "rmi", "-f", image], capture_output=True)
