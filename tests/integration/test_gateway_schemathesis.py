"""Schemathesis against /api/openapi.json with the whole system behind the gateway: no 500, and no answer
that contradicts the description (status, content type, body schema). Bounded to stay under a minute."""
import subprocess
import sys
import time
from pathlib import Path

import eventlet

from tests.integration.test_gateway_http import start_with_schools

ROOT = Path(__file__).resolve().parents[2]
CHECKS = ("not_a_server_error,status_code_conformance,content_type_conformance,"
          "response_schema_conformance,response_headers_conformance")


def test_the_api_keeps_to_its_description(genie_env, runner_factory, rabbit_config, monkeypatch):
    base, coord = start_with_schools(runner_factory, rabbit_config, monkeypatch, "fatima")
    token = coord.session.headers["Authorization"]

    out_dir = ROOT / "test-artifacts"
    out_dir.mkdir(exist_ok=True)
    log = out_dir / "schemathesis.log"
    command = [str(Path(sys.executable).parent / "st"), "run", f"{base}/api/openapi.json",
               "--checks", CHECKS, "--max-examples", "3", "--phases", "examples,fuzzing", "--max-time", "35",
               "--seed", "8", "--no-shrink", "--request-timeout", "20",
               "-H", f"Authorization: {token}", "--suppress-health-check", "all", "--warnings", "off"]
    with open(log, "w") as out:
        child = subprocess.Popen(command, cwd=out_dir, stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 90
        while child.poll() is None and time.monotonic() < deadline:
            eventlet.sleep(0.2)  # the services under test keep answering meanwhile
        if child.poll() is None:
            child.kill()
    text = log.read_text()
    assert child.returncode == 0, text[-6000:]
