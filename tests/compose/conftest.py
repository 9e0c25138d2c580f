"""The production topology as Docker containers, reached only through the gateway's published port.

`scripts/compose-test.sh` (`make test-compose`) makes the images and runs this suite with COMPOSE_FILE and
COMPOSE_PROJECT_NAME set; the main suite leaves this folder out (tests/conftest.py).
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import time
from pathlib import Path

import pytest
import requests

from tests.e2e.conftest import PASSWORD, SERVICES, SOURCES, System, free_port

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()
INFRA = ("rabbitmq", "postgres")
APP_IMAGE = os.environ.get("GENIE_APP_IMAGE", "genie-coordination:local")


def readme_block(after: str) -> str:
    """The README's indented code block that follows the paragraph where `after` is."""
    at = README.index(after)
    lines = README[README.index("\n\n", at):].splitlines()
    while lines and not lines[0].strip():
        lines.pop(0)
    block = []
    for line in lines:
        if line.startswith("    ") or (not line.strip() and block):
            block.append(line[4:])
        else:
            break
    assert block, f"no code block after {after!r} in the README"
    return "\n".join(block).strip() + "\n"


def as_installed(commands: str) -> str:
    """The README says `docker compose` (Compose v2); Debian's package is `docker-compose` (v1), same verbs."""
    return re.sub(r"\bdocker compose\b", "docker-compose", commands)


class Stack(System):
    """The containers of one compose project. Same HTTP helpers as the end-to-end suite's System."""

    def __init__(self, tmp: Path, secrets: dict[str, str], services=SERVICES, **settings):
        self.tmp = tmp
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.env = dict(os.environ, **secrets, GATEWAY_PUBLISHED_PORT=str(self.port), **settings)
        self.project = self.env["COMPOSE_PROJECT_NAME"]
        self.services = services
        self.secrets = secrets
        self.procs, self.tokens = {}, {}
        self.http = requests.Session()

    # ---- compose

    def compose(self, *args, input=None, timeout=300, check=True, env=None) -> subprocess.CompletedProcess:
        done = subprocess.run(["docker-compose", *args], cwd=self.tmp, env=env or self.env, input=input,
                              capture_output=True, text=True, timeout=timeout)
        if check and done.returncode != 0:
            raise AssertionError(f"docker-compose {' '.join(args)} failed ({done.returncode}):\n"
                                 f"{done.stdout[-2000:]}\n{done.stderr[-3000:]}")
        return done

    def shell(self, commands: str, timeout=600) -> subprocess.CompletedProcess:
        """Commands as an operator types them, in the stack's working folder."""
        done = subprocess.run(["bash", "-euo", "pipefail", "-c", as_installed(commands)], cwd=self.tmp,
                              env=self.env, capture_output=True, text=True, timeout=timeout)
        if done.returncode != 0:
            raise AssertionError(f"{commands}\nfailed ({done.returncode}):\n{done.stdout[-2000:]}\n"
                                 f"{done.stderr[-3000:]}")
        return done

    def genie(self, service: str, *args, input=None, timeout=300) -> subprocess.CompletedProcess:
        """A `genie` command in a one-off container of `service`, with its settings."""
        return self.compose("run", "--rm", "-T", service, *args, input=input, timeout=timeout)

    def _containers(self, service: str | None = None) -> list[str]:
        """The ids of the project's containers (of one service; not one-off runs), asked of Docker: compose is
        slow to start."""
        labels = [f"com.docker.compose.project={self.project}", "com.docker.compose.oneoff=False"]
        if service:
            labels.append(f"com.docker.compose.service={service}")
        args = ["docker", "ps", "-aq"] + [arg for label in labels for arg in ("--filter", f"label={label}")]
        return subprocess.run(args, capture_output=True, text=True, check=True).stdout.split()

    def container(self, service: str) -> str:
        found = self._containers(service)
        assert found, f"no container for {service}"
        return found[0]

    def inspect(self, service: str) -> dict:
        out = subprocess.run(["docker", "inspect", self.container(service)], capture_output=True, text=True,
                             check=True).stdout
        return json.loads(out)[0]

    def health_status(self) -> dict[str, str]:
        out = {service: "absent" for service in INFRA + tuple(self.services)}
        ids = self._containers()
        if ids:
            found = json.loads(subprocess.run(["docker", "inspect", *ids], capture_output=True, text=True,
                                              check=True).stdout)
            for c in found:
                service = c["Config"]["Labels"].get("com.docker.compose.service")
                if service in out:
                    out[service] = c["State"].get("Health", {}).get("Status", c["State"]["Status"])
        return out

    def wait_healthy(self, timeout=120) -> float:
        """Seconds until every container is healthy; fails after `timeout`."""
        start = time.monotonic()
        status = {}
        while time.monotonic() - start < timeout:
            status = self.health_status()
            if all(s == "healthy" for s in status.values()):
                return time.monotonic() - start
            time.sleep(2)
        logs = self.compose("logs", "--tail=30", check=False).stdout[-6000:]
        raise AssertionError(f"not every container healthy within {timeout} s: {status}\n{logs}")

    # ---- the system, as the end-to-end suite sees it

    def health(self) -> dict:
        headers = {"Authorization": f"Bearer {next(iter(self.tokens.values()))}"} if self.tokens else {}
        return self.http.get(self.base + "/api/health", timeout=15, headers=headers).json()

    def add_user(self, username: str, role: str, scope: str | None = None) -> str:
        args = ["user", "add", username, "--role", role, "--password-stdin"] + (["--scope", scope] if scope else [])
        self.genie("gateway", *args, input=PASSWORD + "\n")
        return self.sign_in(username)

    def sign_in(self, username: str) -> str:
        answer = self.http.post(self.base + "/api/login", json={"username": username, "password": PASSWORD},
                                timeout=15)
        assert answer.status_code == 200, answer.text
        self.tokens[username] = answer.json()["token"]
        return self.tokens[username]

    def rebuild_reporting(self) -> str:
        return self.compose("exec", "-T", "reporting", "genie", "rebuild", "reporting", timeout=300).stdout

    def logs(self) -> dict[str, list[dict]]:
        """Every source's log, through `genie export-events` in its running container."""
        logs = {}
        for source in SOURCES:
            done = self.compose("exec", "-T", source, "sh", "-c", f"genie export-events {source} /tmp/log.jsonl "
                                ">/dev/null && cat /tmp/log.jsonl && rm /tmp/log.jsonl")
            logs[source] = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
        return logs


@pytest.fixture(scope="session")
def secrets(tmp_path_factory) -> dict[str, str]:
    """The settings made by the README's own recipe for .env."""
    where = tmp_path_factory.mktemp("env")
    subprocess.run(["bash", "-euo", "pipefail", "-c", readme_block("Make them once, beside the file:")],
                   cwd=where, check=True)
    env_file = where / ".env"
    assert oct(env_file.stat().st_mode & 0o777) == "0o600", "the README's .env must be readable by its owner only"
    values = dict(line.split("=", 1) for line in env_file.read_text().splitlines() if "=" in line)
    assert set(values) == {"RABBITMQ_PASSWORD", "POSTGRES_PASSWORD", "GATEWAY_SECRET"}
    return values


@pytest.fixture(scope="session")
def stack(tmp_path_factory, secrets):
    assert os.environ.get("COMPOSE_FILE") and os.environ.get("COMPOSE_PROJECT_NAME"), \
        "run through scripts/compose-test.sh"
    stack = Stack(tmp_path_factory.mktemp("stack"), secrets)
    stack.compose("down", "-v", "--remove-orphans", check=False)
    yield stack
    stack.compose("down", "-v", "--remove-orphans", timeout=180, check=False)
