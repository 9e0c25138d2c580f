"""Small helpers shared by the tests.

A busy machine makes things late, not wrong: waits poll a condition under a generous ceiling and never
sleep a fixed time, so that a passing test is as quick as the machine allows and only one that never gets
there fails.
"""
import dataclasses
import time
import uuid
from contextlib import contextmanager

import pytest
from kombu import Connection, Exchange, Queue
from werkzeug.test import Client
from werkzeug.wrappers import Request

from services.gateway.accounts import Accounts
from services.gateway.api import Api
from services.gateway.web import Web

from shared.catalogue import registry
from shared.commands import UnitOfWork, parse_command
from shared.errors import CommandRejected
from shared.events import now

CEILING = 120.0  # seconds, for a condition that an idle machine meets in well under one
PROJECTION_CEILING = 120.0  # seconds, for a projection to read what was recorded


def wait_for(predicate, timeout=CEILING, interval=0.05):
    """Poll `predicate` until it returns something truthy; return that."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout}s")


def ticks_during(call, *args):
    """`call(*args)`'s result, and how many times another green thread ran while it did: a call made aside
    (in a thread of its own) leaves the event loop free, and the count shows it."""
    import eventlet

    ticks = []

    def ticker():
        while True:
            ticks.append(1)
            eventlet.sleep(0.001)

    thread = eventlet.spawn(ticker)
    eventlet.sleep(0)
    try:
        before = len(ticks)
        result = call(*args)
        return result, len(ticks) - before
    finally:
        thread.kill()


def answering(monkeypatch, services, answers: dict):
    """Let a fake service layer (the class `services`) answer the methods named in `answers` (a method's name ->
    a function of the call's arguments), each call recorded as the others are; any other call answered as before."""
    answered = services.__call__

    def call(self, service, method, *args):
        if method in answers:
            self.calls.append((service, method, args))
            return answers[method](*args)
        return answered(self, service, method, *args)

    monkeypatch.setattr(services, "__call__", call)


def refused(code, call, *args, error=CommandRejected):
    """`call(*args)` is refused by a business rule with `code` (a CommandRejected, or the `error` given, which
    carries a `code` too); the refusal."""
    with pytest.raises(error) as exc:
        call(*args)
    assert exc.value.code == code, exc.value
    return exc.value


def refused_message(code, call, *args):
    """`call(*args)` is refused by a business rule with `code`; what it says."""
    return refused(code, call, *args).message


def caught_up(read_positions, expected: dict, timeout=PROJECTION_CEILING) -> dict:
    """Wait until a projection stands at `expected` (source -> position) or beyond in every source named;
    `read_positions()` gives its positions (from its status or health). Return them."""
    last = {}

    def reached():
        last.update(read_positions())
        return all(last.get(source, 0) >= position for source, position in expected.items())

    try:
        wait_for(reached, timeout=timeout, interval=0.1)
    except AssertionError:
        raise AssertionError(f"the projection stands at {last}, not at {expected}, after {timeout}s") from None
    return dict(last)


class BusTap:
    """A queue bound to `source`'s exchange, made before the services publish: what really went on the bus, in the
    order it came, each message as RabbitMQ delivered it."""

    def __init__(self, amqp_uri, source):
        self.conn = Connection(amqp_uri)
        exchange = Exchange(f"{source}.events", type="topic", durable=True)
        self.queue = self.conn.SimpleQueue(Queue(f"test-tap.{source}.{uuid.uuid4().hex[:8]}", exchange=exchange,
                                                 routing_key="#", durable=False, auto_delete=True))
        self.received = []

    def take(self, wait=0.05) -> list:
        """Every message come by now, waiting at most `wait` seconds for each; they are added to `received`."""
        taken = []
        while True:
            try:
                message = self.queue.get(timeout=wait)
            except self.queue.Empty:
                break
            message.ack()
            taken.append(message.payload)
        self.received.extend(taken)
        return taken

    def drain(self, at_least=0, timeout=CEILING) -> list:
        """Every message received so far, once there are at least `at_least` of them."""

        def enough():
            self.take()
            return len(self.received) >= at_least

        wait_for(enough, timeout=timeout)
        return self.received

    def close(self):
        self.queue.close()
        self.conn.release()


@contextmanager
def bus_tap(amqp_uri, source):
    """A `BusTap` on `source`'s events for the time of the block."""
    tap = BusTap(amqp_uri, source)
    try:
        yield tap
    finally:
        tap.close()


# ---------------------------------------------------------------- a service's handlers without nameko or a database

class MemoryLog:
    """The part of a command's transaction a handler uses, in memory: streams read and appended at the version
    they were read at, each event checked against the contract's catalogue as the store checks it. `views`
    stands for the service's views: what its handlers ask of them."""

    def __init__(self, source: str, views=None, province_code: str = "OED"):
        self.source, self.views, self.province_code = source, views, province_code
        self.streams: dict[str, list[dict]] = {}
        self.conn = None
        self.store = self
        self.position = 0

    def read_stream(self, stream: str) -> list[dict]:
        return list(self.streams.get(stream, []))

    def stream_version(self, stream: str) -> int:
        return len(self.streams.get(stream, []))

    def reads_widely(self) -> None:
        """Nothing to check in memory: one command at a time."""

    def load(self, stream: str, evolve, state):
        history = self.read_stream(stream)
        for env in history:
            state = evolve(state, env)
        return state, len(history)

    def append(self, stream: str, version: int, events, ctx) -> list[dict]:
        recorded = self.streams.setdefault(stream, [])
        assert len(recorded) == version, f"{stream} appended after version {version}, found at {len(recorded)}"
        at = now()
        envelopes = []
        for e in events:
            registry.check_new(self.source, e)
            self.position += 1
            envelopes.append({"event_type": e.type, "data": e.data, "position": self.position, "stream_id": stream,
                              "occurred_at": (e.occurred_at or ctx.occurred_at or at).isoformat(),
                              "recorded_at": at.isoformat(), "actor": dict(ctx.actor)})
        recorded.extend(envelopes)
        return envelopes

    def events(self) -> list[dict]:
        """Every event recorded, in the log's order."""
        return sorted((e for stream in self.streams.values() for e in stream), key=lambda e: e["position"])


def handle(log: MemoryLog, handler, command: dict, meta: dict, unit=UnitOfWork, **parts):
    """Run a command's handler as the service does (parsed, typed, with its context), on a log in memory; `parts`
    are what the service gives its unit of work."""
    cmd, ctx = parse_command(handler, command, meta)
    return handler(cmd, unit(log, ctx, **parts))


def untyped_commands(handlers) -> dict:
    """The command handlers of a `handlers` module whose typed command does not have exactly the fields of its
    schema (but `occurred_at`, the context's), with the fields that differ."""
    found = {}
    for name, handler in vars(handlers).items():
        if callable(handler) and hasattr(handler, "schema"):
            given = set(handler.schema().fields) - {"occurred_at"}
            typed = {f.name for f in dataclasses.fields(handler.typed)} if handler.typed else set()
            if given != typed:
                found[name] = given ^ typed
    return found


# ---------------------------------------------------------------- the gateway over a fake service layer

def gateway_site(tmp_path, services, people, key: bytes) -> Client:
    """The gateway's API and pages over `services` (a fake service layer), as one test client. Each of
    `people` (name, role, scope) signs in with the password `password-<name>`."""
    accounts = Accounts(f"sqlite:///{tmp_path / 'gateway.db'}")
    for name, role, scope in people:
        accounts.add(name, "password-" + name, role, scope)
    api = Api(services, accounts, key)

    def app(environ, start_response):
        request = Request(environ)
        handler = api if request.path.startswith("/api/") else Web(api)
        return handler.handle(request)(environ, start_response)

    return Client(app)


def sign_in(client, name, next_="/"):
    """Signs `name` in through the page's form, and expects to be sent on to `next_`."""
    resp = client.post(f"/login?next={next_}", data={"username": name, "password": f"password-{name}"})
    assert resp.status_code == 303 and resp.headers["Location"] == next_
    return resp


def page_as(client, name, url) -> str:
    """The page at `url` as `name` sees it, signed in through the form first."""
    sign_in(client, name)
    return client.get(url).get_data(as_text=True)


def commands_without_a_form(client, tags: tuple, people: dict, query: str) -> tuple[list, list]:
    """The commands of /api/openapi.json tagged with one of `tags`, and those of them (with the role tried)
    that no form carrying their data-command reaches from the home page, signed in as a role that may run
    them: the first role of `people` (role -> user) named in the command's description that is not the
    coordinator. `query` fills the forms that first ask which school, session…"""
    spec = client.get("/api/openapi.json").json
    wanted = [path[len("/api/"):] for path, ops in spec["paths"].items()
              if "post" in ops and ops["post"].get("tags", [""])[0] in tags]
    missing = []
    for command in wanted:
        roles = spec["paths"][f"/api/{command}"]["post"]["description"].split(".")[0]
        role = next((r for r in people if r != "coordinator" and r in roles), "coordinator")
        client.get("/logout")
        sign_in(client, people[role])
        home = client.get("/").get_data(as_text=True)
        page = client.get(f"/forms/{command}?{query}").get_data(as_text=True)
        if f'data-command="{command}"' not in page or f'href="/forms/{command}"' not in home:
            missing.append((command, role))
    return wanted, missing
