"""The messages that waited in the queue together, handed to the projector at once (`handle_many`): each
comes out as it would from `handle` one after another, and each contiguous run is one transaction."""
import pytest

from shared.catalogue import registry
from shared.db import make_engine
from shared.projector import Projector

from .test_projector_group import Seen, envelopes  # noqa: F401  (envelopes: a fixture)


class Refusing(Seen):
    """Position 4 never applies: its source stalls there."""

    name = "refusing"

    def apply(self, conn, env):
        if env["position"] == 4:
            raise RuntimeError("a handler that always fails on 4")
        super().apply(conn, env)


class Counting(Projector):
    """Keeps the positions of each transaction it committed."""

    def _commit(self, source, run):
        super()._commit(source, run)
        self.transactions.append([e["position"] for e in run])


def make(tmp_path, envelopes, projection, name):  # noqa: F811
    p = Counting(projection, make_engine(f"sqlite:///{tmp_path / name}"), registry,
                 lambda source, after, limit: envelopes[after:after + limit], retry_delays=(0.01,))
    p.setup()
    p.transactions = []
    return p


@pytest.fixture
def pair(tmp_path, envelopes):  # noqa: F811
    """Two projectors over the same log: one given batches, one given the same messages one by one."""
    def both(projection_cls=Seen):
        made = make(tmp_path, envelopes, projection_cls(), "batch.db"), make(tmp_path, envelopes,
                                                                             projection_cls(), "one.db")
        opened.extend(made)
        return made

    opened = []
    yield both
    for p in opened:
        p.engine.dispose()


def test_what_waited_together_is_applied_in_one_transaction(pair, envelopes):  # noqa: F811
    batch, _ = pair()
    assert batch.handle_many(envelopes) == ["applied"] * 6
    assert batch.transactions == [[1, 2, 3, 4, 5, 6]]
    assert batch.projection.read(batch.engine) == [1, 2, 3, 4, 5, 6]
    assert batch.positions["inventory"] == 6
    assert batch.handle_many([envelopes[0]]) == ["duplicate"]


def test_each_message_comes_out_as_from_handle_one_after_another(pair, envelopes):  # noqa: F811
    batch, one = pair()
    e = envelopes
    invalid = {"event_type": "equipment_assigned", "data": "nonsense"}
    messages = [e[2], e[2], "not json", invalid, e[3], e[4], e[0], e[5]]
    expected = ["applied", "duplicate", "dead_letter", "dead_letter", "applied", "applied", "duplicate", "applied"]
    assert [one.handle(m) for m in messages] == expected
    assert batch.handle_many(messages) == expected
    # The gap before 3 was filled from the log; 3 and those after it that waited were one transaction.
    assert batch.transactions == [[1, 2], [3, 4, 5, 6]]
    for p in (batch, one):
        assert p.projection.read(p.engine) == [1, 2, 3, 4, 5, 6]
        assert p.status()["dead_letters"] == 2 and p.positions["inventory"] == 6


def test_a_run_that_stalls_applies_those_before_and_says_so(pair, envelopes):  # noqa: F811
    batch, one = pair(Refusing)
    expected = ["applied", "applied", "applied", "stalled", "stalled", "stalled"]
    assert [one.handle(m) for m in envelopes] == expected
    assert batch.handle_many(envelopes) == expected
    for p in (batch, one):
        assert p.projection.read(p.engine) == [1, 2, 3]
        assert p.positions["inventory"] == 3 and p.status()["stalled"]["inventory"]["position"] == 4


def test_a_gap_the_log_cannot_fill_defers_the_message(pair, envelopes):  # noqa: F811
    batch, _ = pair()

    def unreachable(source, after, limit):
        raise ConnectionError("inventory is out of reach")

    batch.fetch = unreachable
    assert batch.handle_many([envelopes[0], envelopes[3]]) == ["applied", "deferred"]
    assert batch.projection.read(batch.engine) == [1]
