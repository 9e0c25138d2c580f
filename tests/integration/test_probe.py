"""`genie health <service>`, the containers' health check: an answer from the running service, or why not."""
import socket
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

from services.inventory.service import InventoryService
from genie.probe import http_health, rpc_health


def test_a_running_service_answers_and_one_that_is_not_running_does_not(run_services, rabbit_config):
    run_services(InventoryService)
    assert rpc_health("inventory", rabbit_config["AMQP_URI"]) is None
    why = rpc_health("training", rabbit_config["AMQP_URI"], timeout=1)
    assert why == "no answer within 1 s"


def test_no_broker_is_said(rabbit_config):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    why = rpc_health("inventory", f"amqp://guest:guest@127.0.0.1:{port}/", timeout=1)
    assert why and "refused" in why.lower(), why


def test_the_gateway_is_alive_when_it_answers_http_whatever_it_says():
    class Degraded(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(503)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Degraded)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    address = f"127.0.0.1:{server.server_address[1]}"
    try:
        assert http_health(address) is None
    finally:
        server.shutdown()
        server.server_close()
    assert http_health(address, timeout=1) is not None  # nothing listens there any more


def test_the_command_exits_1_with_the_reason(rabbit_config):
    env = {"AMQP_URI": "amqp://guest:guest@127.0.0.1:1/", "PATH": "/usr/bin:/bin"}
    done = subprocess.run([sys.executable, "-m", "genie.cli", "health", "reporting"], env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert done.stderr.startswith("genie: reporting: ")


def test_a_service_that_cannot_reach_the_broker_does_not_print_its_password():
    env = {"AMQP_URI": "amqp://genie:s3cret-pw@127.0.0.1:1/", "PATH": "/usr/bin:/bin", "LOG_FORMAT": "text"}
    done = subprocess.run([sys.executable, "-m", "genie.cli", "run", "inventory"], env=env, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 2
    assert "RabbitMQ is not reachable at amqp://genie:**@127.0.0.1:1/" in done.stderr
    assert "s3cret-pw" not in done.stdout + done.stderr
