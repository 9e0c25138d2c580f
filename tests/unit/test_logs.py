"""Structured logs: JSON lines with the service, the correlation id and the event id."""
import io
import json
import logging

import eventlet
import pytest
from sqlalchemy import MetaData

from shared import logs
from shared.catalogue import registry
from shared.commands import context
from shared.db import make_engine
from shared.events import Context, Event
from shared.projector import Projection, Projector
from shared.store import EventStore


@pytest.fixture
def captured():
    """What the root logger writes, one JSON object a line; the logging set-up is put back afterwards."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    out = io.StringIO()
    logs.configure("inventory", "INFO", stream=out)
    yield lambda: [json.loads(line) for line in out.getvalue().splitlines()]
    for h in list(root.handlers):
        root.removeHandler(h)
    for h in handlers:
        root.addHandler(h)
    root.setLevel(level)


def test_a_line_is_json_with_the_service_and_the_ids_given(captured):
    with logs.bound():  # outside any worker: no ids but those given
        logging.getLogger("shared.test").warning("école %s: %s", "OED001", "مدرسة الوحدة",
                                                 extra={"event_id": "e-1", "correlation_id": "c-1", "position": 7})
        try:
            raise ValueError("broken")
        except ValueError:
            logging.getLogger("shared.test").exception("failed")
    first, second = captured()
    assert first["service"] == "inventory" and first["level"] == "WARNING" and first["logger"] == "shared.test"
    assert first["message"] == "école OED001: مدرسة الوحدة"
    assert (first["event_id"], first["correlation_id"], first["position"]) == ("e-1", "c-1", 7)
    assert first["time"].endswith("+00:00")
    assert "ValueError: broken" in second["exception"] and second["event_id"] is None


def test_a_command_s_correlation_id_is_on_its_worker_s_logs_only(captured):
    def worker(correlation):
        context({"correlation_id": correlation, "actor": {"user": "fatima", "role": "coordinator"}})
        eventlet.sleep(0.01)  # the other worker runs meanwhile
        logging.getLogger("shared.test").info("done")

    pool = [eventlet.spawn(worker, c) for c in ("req-A", "req-B")]
    for g in pool:
        g.wait()
    eventlet.spawn(lambda: logging.getLogger("shared.test").info("elsewhere")).wait()
    # (only this test's logger: a thread of an earlier test may log meanwhile in this process)
    assert [(line["message"], line["correlation_id"]) for line in captured() if line["logger"] == "shared.test"] \
        == [("done", "req-A"), ("done", "req-B"), ("elsewhere", None)]


class _Nothing(Projection):
    name, sources = "nothing", ("inventory",)

    def define_tables(self, metadata: MetaData) -> None:
        pass


def test_each_recorded_event_and_each_handled_one_are_logged_with_their_ids(captured, tmp_path):
    store = EventStore(make_engine(f"sqlite:///{tmp_path / 'inventory.db'}"), "inventory", "OED", registry)
    store.create_schema()

    def record():
        with store.transaction() as tx:
            return tx.append("asset:A1", 0, [Event("equipment_assigned", {"asset_id": "A1", "school_code": "S1"}),
                                             Event("equipment_assigned", {"asset_id": "A1", "school_code": "S2"})],
                             Context(correlation_id="req-7"))

    recorded = eventlet.spawn(record).wait()
    lines = captured()
    assert [(line["message"], line["event_id"], line["correlation_id"]) for line in lines] == [
        (f"recorded equipment_assigned at position {e['position']}", e["event_id"], "req-7") for e in recorded]

    def unreachable(source, after, limit):
        raise ConnectionError("inventory is down")

    projector = Projector(_Nothing(), make_engine(f"sqlite:///{tmp_path / 'consumer.db'}"), registry, unreachable)
    projector.setup()
    assert eventlet.spawn(projector.handle, recorded[1]).wait() == "deferred"  # position 1 is missing
    gap = captured()[len(lines)]
    assert "cannot fill the gap" in gap["message"] and gap["level"] == "WARNING"
    assert (gap["event_id"], gap["correlation_id"]) == (recorded[1]["event_id"], "req-7")


def test_text_logs_for_people_when_asked(monkeypatch):
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    monkeypatch.setenv("LOG_FORMAT", "text")
    out = io.StringIO()
    try:
        logs.configure("training", stream=out)
        logging.getLogger("x").warning("plain")
    finally:
        for h in list(root.handlers):
            root.removeHandler(h)
        for h in handlers:
            root.addHandler(h)
        root.setLevel(level)
    assert " training x WARNING plain" in out.getvalue()
