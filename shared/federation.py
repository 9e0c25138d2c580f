"""An academy or the national tier fed by its upstreams' brokers through RabbitMQ's federation plugin.

Each upstream (a province's broker for an academy, an academy's for the
national tier) is declared on this deployment's own broker, with a policy that
federates the `<source>.events` exchanges from every one of them: what a
province publishes reaches its academy's exchanges, and from there the
national tier's (`max-hops` 2). The plugin keeps a queue on the upstream while
the link is down, and acknowledges only what the downstream confirmed, so the
link's outages lose nothing it had bound; what happened before the link
existed is read from the logs (`events_since`) by the projector's catch-up.
"""
from __future__ import annotations

import base64
import json
import logging
import time
from urllib.error import HTTPError, URLError
from urllib.parse import quote, unquote, urlsplit, urlunsplit
from urllib.request import Request, urlopen

from .config import SOURCES
from .relay import event_exchange

log = logging.getLogger(__name__)

PREFIX = "genie-"  # the upstreams this deployment declares (others on the broker are left alone)
POLICY = "genie-federation"
HOPS = {"academy": 1, "national": 2}  # province -> academy; province -> academy -> country


def vhost_of(amqp_uri: str) -> str:
    path = urlsplit(amqp_uri).path
    return unquote(path[1:]) if len(path) > 1 else "/"


def plugin_uri(amqp_uri: str) -> str:
    """An upstream's URI as the plugin must be given it to reach the vhost the services reach with it: kombu
    reads an empty path, or `/`, as the default vhost `/`, the plugin as the vhost "" (and is refused)."""
    parts = urlsplit(amqp_uri)
    return urlunsplit(parts._replace(path="/%2F")) if parts.path in ("", "/") else amqp_uri


class Management:
    """The few calls of RabbitMQ's management API the federation needs."""

    def __init__(self, uri: str, timeout: float = 10):
        parts = urlsplit(uri)
        self.base = f"{parts.scheme}://{parts.hostname}:{parts.port or 15672}"
        user, password = unquote(parts.username or "guest"), unquote(parts.password or "guest")
        self.auth = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
        self.timeout = timeout

    def call(self, method: str, path: str, body=None):
        data = json.dumps(body).encode() if body is not None else None
        request = Request(self.base + path, data=data, method=method,
                          headers={"Authorization": self.auth, "Content-Type": "application/json"})
        with urlopen(request, timeout=self.timeout) as answer:
            text = answer.read()
        return json.loads(text) if text else None


def declare(management: Management, amqp_uri: str, tier: str, upstreams: dict[str, str]) -> list[str]:
    """Make this broker's federation what the configuration says: one upstream per code, the policy over
    the event exchanges, and no upstream of ours left that the configuration no longer names."""
    vhost = quote(vhost_of(amqp_uri), safe="")
    for code, uri in upstreams.items():
        management.call("PUT", f"/api/parameters/federation-upstream/{vhost}/{PREFIX}{code}", {"value": {
            "uri": plugin_uri(uri), "ack-mode": "on-confirm", "max-hops": HOPS[tier], "reconnect-delay": 2,
            "trust-user-id": False}})
    wanted = {PREFIX + code for code in upstreams}
    for upstream in management.call("GET", f"/api/parameters/federation-upstream/{vhost}") or []:
        if upstream["name"].startswith(PREFIX) and upstream["name"] not in wanted:
            management.call("DELETE", f"/api/parameters/federation-upstream/{vhost}/{quote(upstream['name'])}")
    exchanges = "|".join(event_exchange(s).replace(".", r"\.") for s in SOURCES)
    management.call("PUT", f"/api/policies/{vhost}/{POLICY}", {
        "pattern": f"^({exchanges})$", "apply-to": "exchanges", "priority": 10,
        "definition": {"federation-upstream-set": "all"}})
    return sorted(wanted)


def links(management: Management, amqp_uri: str) -> dict[str, dict]:
    """Each upstream's links and their state (`running`, `starting`, `error` …), for health."""
    vhost = quote(vhost_of(amqp_uri), safe="")
    found: dict[str, dict] = {}
    for link in management.call("GET", f"/api/federation-links/{vhost}") or []:
        code = link.get("upstream", "")[len(PREFIX):]
        entry = found.setdefault(code, {"links": 0, "running": 0, "errors": []})
        entry["links"] += 1
        if link.get("status") == "running":
            entry["running"] += 1
        elif link.get("error"):
            entry["errors"].append(str(link["error"])[:200])
    return found


class LinkState:
    """The links' state as health shows it: asked with a short timeout and kept a few seconds, so that health
    answers at once however often it is asked, and within the timeout when the management API hangs."""

    def __init__(self, management: Management, amqp_uri: str, fresh: float = 5.0):
        self.management, self.amqp_uri, self.fresh = management, amqp_uri, fresh
        self._read: tuple[float, dict] | None = None

    def read(self) -> dict:
        if self._read is not None and time.monotonic() - self._read[0] < self.fresh:
            return self._read[1]
        try:
            found = links(self.management, self.amqp_uri)
        except Exception as exc:  # health says what is wrong rather than failing
            found = {"error": str(exc)[:200]}
        self._read = (time.monotonic(), found)
        return found


def declare_quietly(management: Management, amqp_uri: str, tier: str, upstreams: dict[str, str]) -> bool:
    """`declare`, saying in the log why not when the broker's management API cannot be reached."""
    try:
        declare(management, amqp_uri, tier, upstreams)
        return True
    except (HTTPError, URLError, OSError, ValueError) as exc:
        log.warning("cannot declare the federation from %s on this broker yet: %s", ", ".join(upstreams), exc)
        return False
