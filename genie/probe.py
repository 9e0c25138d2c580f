"""Whether one running service answers: the containers' health check (`python3 -m genie.probe SERVICE`,
or `genie health SERVICE`).

Cheap on purpose, since it runs every few seconds in every container: kombu only, one RPC to the service's
`health` method the way nameko sends it, or one HTTP request to the gateway; no other import.
"""
from __future__ import annotations

import os
import socket
import sys
import time
import uuid

RPC_EXCHANGE = "nameko-rpc"  # nameko's default, which the services use


def rpc_health(service: str, uri: str, timeout: float = 5.0) -> str | None:
    """None if `service` answered its health RPC within `timeout` seconds, else why not."""
    from kombu import Connection, Exchange, Queue

    exchange = Exchange(RPC_EXCHANGE, type="topic", durable=True)
    reply_key = str(uuid.uuid4())
    answers = []

    def received(body, message):
        answers.append(body)
        message.ack()

    deadline = time.monotonic() + timeout
    try:
        with Connection(uri, connect_timeout=timeout) as conn:
            reply = Queue(f"rpc.reply-probe-{reply_key}", exchange=exchange, routing_key=reply_key,
                          exclusive=True, auto_delete=True)
            with conn.Consumer(reply, callbacks=[received], accept=["json"]):
                conn.Producer().publish({"args": [], "kwargs": {}}, exchange=exchange,
                                        routing_key=f"{service}.health", reply_to=reply_key,
                                        correlation_id=str(uuid.uuid4()), serializer="json")
                while not answers:
                    conn.drain_events(timeout=max(deadline - time.monotonic(), 0.01))
    except socket.timeout:
        return f"no answer within {timeout:g} s"
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    body = answers[0]
    if body.get("error"):
        return f"health answered an error: {body['error'].get('exc_type')}"
    return None


def http_health(address: str, timeout: float = 5.0) -> str | None:
    """None if the gateway answers HTTP at `address` (host:port), whatever it says of the others."""
    from urllib import error, request

    try:
        with request.urlopen(f"http://{address}/api/health", timeout=timeout):
            return None
    except error.HTTPError:
        return None  # it answered
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"


def probe(service: str) -> str | None:
    from shared import config

    if service == "gateway":
        return http_health(f"127.0.0.1:{os.environ.get('GATEWAY_PORT', '8000')}")
    return rpc_health(service, config.amqp_uri())


def main(service: str) -> int:
    """Exit status 0 if `service` answers, 1 if not (said on standard error)."""
    why = probe(service)
    print(f"genie: {service}: {why or 'answers'}", file=sys.stderr if why else sys.stdout)
    return 1 if why else 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python3 -m genie.probe SERVICE")
    sys.exit(main(sys.argv[1]))
