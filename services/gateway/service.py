"""The gateway: the one door for people and programs. HTTP in, nameko RPC to the services."""
from __future__ import annotations

import os
import socket
import time

import eventlet
from nameko.exceptions import ContainerBeingKilled
from nameko.extensions import DependencyProvider
from nameko.web.handlers import HttpRequestHandler
from nameko.web.server import WebServer
from werkzeug.routing import Map, PathConverter

from shared import config
from shared.remote import SteadyRpcProxy  # remote errors arrive as our exceptions, a lost broker ends no request

from .accounts import Accounts, secret
from .api import Api
from .http import BrokerDown, failure
from .headers import protect
from .web import Web


def rpc_timeout() -> float:
    return float(os.environ.get("GATEWAY_RPC_TIMEOUT", "30"))


class GatewayTimeout(Exception):
    pass


class AnyPath(PathConverter):
    """Every path, even empty or with a line break, so that the API answers it, not the server's HTML."""
    regex = r"[\s\S]*"
    part_isolating = False


class DoorServer(WebServer):
    def make_url_map(self):
        url_map = Map(converters={"anything": AnyPath})
        for provider in self._providers:
            rule = provider.get_url_rule()
            rule.endpoint = provider
            url_map.add(rule)
        return url_map


class GatewayHttp(HttpRequestHandler):
    server = DoorServer()

    def response_from_exception(self, exc):
        # A request arriving while the service is going down (its supervisor starts it again): try again soon.
        if isinstance(exc, ContainerBeingKilled):
            return failure(exc)
        return super().response_from_exception(exc)


gateway_http = GatewayHttp.decorator


class Door(DependencyProvider):
    """The accounts and the request handlers, made once per service."""

    def setup(self):
        self.accounts = Accounts(config.database_url("gateway"))
        self.api = Api(None, self.accounts, secret())

    def get_dependency(self, worker_ctx):
        return self


class BrokerWatch(DependencyProvider):
    """Whether the broker is reachable now, known within about a second, so that a request during an
    outage is answered at once (503, try again) instead of waiting for an answer that cannot come."""

    interval = 1.0

    def setup(self):
        self.uri = self.container.config["AMQP_URI"]
        self.down_since: float | None = None
        self._running = True

    def start(self):
        self.container.spawn_managed_thread(self._watch)

    def stop(self):
        self._running = False

    kill = stop

    def _watch(self):
        from kombu import Connection

        while self._running:
            try:
                with Connection(self.uri, connect_timeout=2, heartbeat=0) as conn:
                    conn.connect()
                    self.down_since = None
                    while self._running:
                        try:
                            conn.drain_events(timeout=self.interval)  # a closed connection raises here
                        except socket.timeout:
                            pass
            except Exception:
                if self.down_since is None:
                    self.down_since = time.monotonic()
                eventlet.sleep(self.interval)

    @property
    def down(self) -> bool:
        return self.down_since is not None

    def get_dependency(self, worker_ctx):
        return self


class GatewayService:
    name = "gateway"
    door = Door()
    broker = BrokerWatch()
    inventory = SteadyRpcProxy("inventory")
    maintenance = SteadyRpcProxy("maintenance")
    resources = SteadyRpcProxy("resources")
    training = SteadyRpcProxy("training")
    reporting = SteadyRpcProxy("reporting")

    def _call(self, service, method, *args):
        # A service that is down must not hold the request for ever, nor a broker that went away.
        if self.broker.down:
            raise BrokerDown("the message broker is out of reach")
        limit = min(rpc_timeout(), 5) if method == "health" else rpc_timeout()  # health must answer quickly
        remote = getattr(getattr(self, service), method)

        def attempt():
            # The outcome is handed back, not raised: a refusal is no crash of a greenthread.
            try:
                return True, remote(*args)
            except Exception as exc:
                return False, exc

        call = eventlet.spawn(attempt)
        deadline = time.monotonic() + limit
        try:
            while True:
                try:
                    with eventlet.Timeout(BrokerWatch.interval / 4):
                        answered, value = call.wait()
                    if answered:
                        return value
                    raise value
                except eventlet.Timeout:
                    if self.broker.down:
                        raise BrokerDown("the message broker went away during the request")
                    if time.monotonic() > deadline:
                        raise GatewayTimeout(f"{service} did not answer")
        finally:
            call.kill()

    def _handle(self, request):
        began = time.perf_counter()
        api = self.door.api.bound(self._call)
        if request.path.startswith("/api/"):
            response = api.handle(request)
        else:
            response = Web(api).handle(request)
        # How long the answer took here, services included: what a page costs at the server (the benchmarks).
        response.headers["Server-Timing"] = f"app;dur={(time.perf_counter() - began) * 1000:.1f}"
        return protect(request, response)

    @gateway_http("GET,HEAD,POST,PUT,PATCH,DELETE,OPTIONS", "/<anything:path>")
    def anything(self, request, path):
        return self._handle(request)


def web_address() -> str:
    """Where the gateway listens: GATEWAY_HOST (default 127.0.0.1) and GATEWAY_PORT (default 8000)."""
    return f"{os.environ.get('GATEWAY_HOST', '127.0.0.1')}:{os.environ.get('GATEWAY_PORT', '8000')}"
