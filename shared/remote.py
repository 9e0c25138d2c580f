"""How the services meet on the bus. Imported by every service (through `shared.service`) and by every caller
that holds an RPC proxy.

Refusals cross it as themselves: an RPC caller gets the same exception, with its fields, not a bare
RemoteError string.

A broker that goes away ends no service. nameko's consumers reconnect by themselves, but a message handled
while the connection drops is acknowledged (or its answer sent) on a socket that is gone, and nameko takes the
error for a broken service and kills the container. Here such a message is left to the broker, which gives
it again once the consumer is back (an unacknowledged message is never lost), and an answer that cannot be
sent is given up: its caller is told the broker is out of reach, or times out.
"""
from __future__ import annotations

import logging

import amqp
from kombu.exceptions import OperationalError
from nameko.exceptions import deserialize_to_instance
from nameko.messaging import QueueConsumer
from nameko.rpc import ReplyListener, RpcConsumer, RpcProxy

from .errors import CommandRejected, ConcurrencyError, InvalidCommand

REFUSALS = (InvalidCommand, CommandRejected, ConcurrencyError)

for _refusal in REFUSALS:
    deserialize_to_instance(_refusal)

log = logging.getLogger(__name__)

# What a write to a broker connection that is gone raises: a socket error (reset, broken pipe, refused), the
# broker's own close (AMQP connection errors), or kombu's wrapping of either after its retries.
LOST_CONNECTION = tuple(dict.fromkeys(amqp.Connection.connection_errors)) + (OperationalError,)


def _routing(message) -> str:
    return (getattr(message, "delivery_info", None) or {}).get("routing_key", "?")


class SteadyQueueConsumer(QueueConsumer):
    """nameko's queue consumer, except that a message it cannot acknowledge or give back, its connection
    gone, is left to the broker instead of ending the service."""

    def ack_message(self, message):
        _or_left_to_broker(super().ack_message, message, "acknowledged")

    def requeue_message(self, message):
        _or_left_to_broker(super().requeue_message, message, "given back")


def _or_left_to_broker(settle, message, what: str) -> None:
    try:
        settle(message)
    except LOST_CONNECTION as exc:
        log.warning("message %s not %s, the broker connection is lost (%s: %s); the broker gives it again",
                    _routing(message), what, type(exc).__name__, exc)


class SteadyRpcConsumer(RpcConsumer):
    """Answers a service's RPC calls; an answer that cannot be sent, the broker gone, is given up and the call
    acknowledged if it still can be (the command it ran is in the log; running it again would repeat it).

    It shares nameko's key, so that a container with one bound (`answer_steadily`) answers every `@rpc`
    through it, whichever decorator the method was written with."""

    queue_consumer = SteadyQueueConsumer()

    @property
    def sharing_key(self):
        return RpcConsumer

    def handle_result(self, message, result, exc_info):
        try:
            return super().handle_result(message, result, exc_info)
        except LOST_CONNECTION as exc:
            log.warning("answer to %s not sent, the broker is out of reach (%s: %s)", _routing(message),
                        type(exc).__name__, exc)
            self.queue_consumer.ack_message(message)
            return result, exc_info


def answer_steadily(container) -> None:
    """Bind a SteadyRpcConsumer to `container` before its RPC entrypoints are bound (nameko binds a service's
    dependencies first; a dependency calls this from its `bind`), so that they all share it."""
    bound = container.shared_extensions.get(RpcConsumer)
    if bound is None:
        SteadyRpcConsumer().bind(container)
    elif not isinstance(bound, SteadyRpcConsumer):
        raise RuntimeError(f"{container.service_name}: the RPC entrypoints were bound before the steady "
                           f"consumer; they would end the service when the broker goes away")


class SteadyReplyListener(ReplyListener):
    """Receives the answers of a caller's RPC proxies through a SteadyQueueConsumer."""

    queue_consumer = SteadyQueueConsumer()


class SteadyRpcProxy(RpcProxy):
    """nameko's RPC proxy whose answers arrive through a SteadyReplyListener: an answer arriving as the broker
    goes away ends no caller."""

    rpc_reply_listener = SteadyReplyListener()
