"""The relay: publishes the log to `<source>.events`, in position order, once confirmed.

The log is the outbox. A command only writes to its database; the relay then
publishes what is not yet published, persistent, waits for the broker's
confirms of the whole batch, and only then moves `published_position`. If the
broker is away, nothing is lost: the relay retries until it is back.

Several instances of a service each run a relay; only the one holding the
log's lease (`shared.lease`) publishes, the others stand by and take over
when it stops renewing it.
"""
from __future__ import annotations

import logging
import socket
import time

import amqp
import orjson
from kombu import Connection

from .lease import Lease
from .store import EventStore

log = logging.getLogger(__name__)


def event_exchange(source: str) -> str:
    return f"{source}.events"


class Relay:
    def __init__(self, store: EventStore, amqp_uri: str, batch_size: int = 1000, confirm_timeout: float = 30,
                 lease_ttl: float = 5.0):
        self.store = store
        self.lease = Lease(store.engine, store.source, ttl=lease_ttl)
        self.amqp_uri = amqp_uri
        self.batch_size = batch_size
        self.confirm_timeout = confirm_timeout
        self.exchange = event_exchange(store.source)
        self._conn: Connection | None = None
        self._channel = None
        self._acked = 0
        self._nacked = False
        self._sent = 0
        self.last_error: str | None = None

    # ---- the broker connection

    def _connect(self):
        if self._channel is not None:
            return self._channel
        conn = Connection(self.amqp_uri, connect_timeout=5, heartbeat=0)
        conn.connect()
        channel = conn.channel()
        # Same declaration as nameko's event exchanges, so both can declare it.
        channel.exchange_declare(self.exchange, "topic", durable=True, auto_delete=False)
        channel.confirm_select()
        channel.events["basic_ack"].add(self._on_ack)
        channel.events["basic_nack"].add(self._on_nack)
        self._conn, self._channel = conn, channel
        self._acked = self._sent = 0
        self._nacked = False
        return channel

    def close(self) -> None:
        conn, self._conn, self._channel = self._conn, None, None
        if conn is not None:
            try:
                conn.release()
            except Exception:  # the broker may already be gone
                pass

    def _on_ack(self, delivery_tag, multiple):
        self._acked = max(self._acked, delivery_tag)

    def _on_nack(self, delivery_tag, multiple):
        self._nacked = True

    # ---- publishing

    def publish_pending(self) -> int:
        """Publish one batch of unpublished events; return how many were confirmed."""
        after = self.store.published_position()
        envelopes = self.store.events_since(after, self.batch_size)
        if not envelopes:
            return 0
        try:
            channel = self._connect()
            for env in envelopes:
                body = orjson.dumps(env)
                message = amqp.Message(body, content_type="application/json", content_encoding="utf-8",
                                       delivery_mode=2, message_id=env["event_id"])
                channel.basic_publish(message, exchange=self.exchange, routing_key=env["event_type"])
                self._sent += 1
            self._wait_for_confirms()
        except Exception:
            self.close()
            raise
        self.store.mark_published(envelopes[-1]["position"])
        self.last_error = None
        return len(envelopes)

    def _wait_for_confirms(self) -> None:
        deadline = time.monotonic() + self.confirm_timeout
        while self._acked < self._sent and not self._nacked:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("the broker did not confirm the batch in time")
            try:
                self._conn.drain_events(timeout=min(remaining, self.lease.ttl / 3))
            except socket.timeout:
                # A broker slow to confirm (its disk busy) must not cost the lease: a standby would take it and
                # publish the same events again while this relay still waits.
                if not self.lease.hold():
                    raise RuntimeError("the relay's lease was taken while the broker confirmed") from None
        if self._nacked:
            raise RuntimeError("the broker refused a message of the batch")

    def run(self, wake, stopping, idle_wait: float = 0.5, max_backoff: float = 10,
            standby_wait: float = 1.0) -> None:
        """Publish until `stopping` is set; `wake` is set after each new commit."""
        try:
            self._run(wake, stopping, idle_wait, max_backoff, standby_wait)
        finally:
            self.close()
            self.lease.release()

    def _run(self, wake, stopping, idle_wait, max_backoff, standby_wait) -> None:
        backoff = 0.5
        while not stopping.is_set():
            wake.clear()
            if not self.lease.hold():
                self.close()  # a standby keeps no broker connection
                stopping.wait(standby_wait)
                continue
            try:
                published = self.publish_pending()
                backoff = 0.5
            except Exception as exc:  # broker away: the events wait in the log
                self.last_error = f"{type(exc).__name__}: {exc}"
                log.warning("relay %s cannot publish: %s", self.exchange, self.last_error)
                # A standby that reaches the broker may publish meanwhile: the lease is not kept by one that
                # cannot (it takes the lease again after its wait if nobody else did).
                self.close()
                self.lease.release()
                stopping.wait(backoff)
                backoff = min(backoff * 2, max_backoff)
                continue
            if not published:
                wake.wait(idle_wait)
