"""A command reads and decides without the writer lock, which it takes to append: what it read is checked
then, and a conflict is decided once more under the lock. On SQLite and on PostgreSQL."""
import threading

import pytest
from sqlalchemy import select

from shared.commands import UnitOfWork, execute
from shared.errors import CommandRejected, ConcurrencyError
from shared.events import Context, Event

from .test_store import Placements


def assigned(asset="A1", school="S1"):
    return Event("equipment_assigned", {"asset_id": asset, "school_code": school})


def count(state, env):
    return state + 1


def test_a_stream_that_moved_after_it_was_read_refuses_the_append_and_writes_nothing(store):
    store.views = Placements()
    store.views.create(store.engine)
    with pytest.raises(ConcurrencyError) as exc:
        with store.transaction(deciding=True) as late:
            _, version = late.load("asset:A1", count, 0)
            with store.transaction(deciding=True) as early:  # decides and commits while the other decides
                _, v = early.load("asset:A1", count, 0)
                early.append("asset:A1", v, [assigned(school="S1")], Context())
            late.append("asset:A9", 0, [assigned("A9", "S9")], Context())
            late.append("asset:A1", version, [assigned(school="S2")], Context())
    assert "asset:A1" in str(exc.value) or "log of inventory" in str(exc.value)
    assert [e["data"]["school_code"] for e in store.read_stream("asset:A1")] == ["S1"]
    assert store.read_stream("asset:A9") == [] and store.last_position() == 1
    with store.engine.connect() as conn:  # the read models as the log says: the refused one left no trace
        assert dict(conn.execute(select(store.views.placements)).all()) == {"A1": "S1"}


def test_a_decision_on_the_read_models_is_refused_when_the_log_moved_since(store):
    """Another stream moved, but the decision read more than its streams: it decided on what is no longer so."""
    with pytest.raises(ConcurrencyError):
        with store.transaction(deciding=True) as late:
            UnitOfWork(late, Context()).conn.execute(select(store.events.c.position).limit(1)).all()
            with store.transaction(deciding=True) as early:
                early.append("asset:A2", 0, [assigned("A2")], Context())
            late.append("asset:A1", 0, [assigned()], Context())
    assert store.read_stream("asset:A1") == [] and store.last_position() == 1


def test_a_decision_that_read_only_its_streams_commits_beside_another_stream(store, database):
    """What moved is not what it read: PostgreSQL lets both commit; SQLite, one writer since the read, refuses."""
    committed = False
    try:
        with store.transaction(deciding=True) as late:
            _, version = late.load("asset:A1", count, 0)
            with store.transaction(deciding=True) as early:
                early.append("asset:A2", 0, [assigned("A2")], Context())
            late.append("asset:A1", version, [assigned()], Context())
        committed = True
    except ConcurrencyError:
        pass
    assert committed == database.startswith("postgresql")
    assert store.last_position() == (2 if committed else 1)


def _racing(store, handler, commands=2):
    """`commands` runs of `handler` at once through the command runner: each decides on its first attempt
    only after all have read, so that they really overlap. Returns each outcome and the attempts made."""
    barrier = threading.Barrier(commands, timeout=20)
    attempts, outcomes = [], []
    local = threading.local()

    def decided_together(uow):
        attempts.append(1)
        if not getattr(local, "waited", False):
            local.waited = True
            barrier.wait()

    def run(school):
        try:
            execute(store, handler, {"school": school, "together": decided_together}, Context(), UnitOfWork)
            outcomes.append("ok")
        except CommandRejected:
            outcomes.append("rejected")

    threads = [threading.Thread(target=run, args=(f"S{i}",)) for i in range(commands)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sorted(outcomes), len(attempts)


def assign_once(cmd, uow):
    """The domain allows one assignment only."""
    loaded = uow.load("asset:A1", count, 0)
    cmd["together"](uow)
    if loaded.state:
        raise CommandRejected("already_assigned", "A1 is already assigned.")
    return uow.record(loaded, [assigned(school=cmd["school"])])


def assign_again(cmd, uow):
    """The domain allows any number of assignments, each after the one before."""
    loaded = uow.load("asset:A1", count, 0)
    cmd["together"](uow)
    return uow.record(loaded, [assigned(school=cmd["school"])])


def test_two_commands_on_the_same_stream_at_once_exactly_one_wins(store):
    outcomes, attempts = _racing(store, assign_once)
    assert outcomes == ["ok", "rejected"]
    assert attempts == 3  # the loser decided once more, under the lock, on the winner's event
    assert len(store.read_stream("asset:A1")) == 1


def test_two_commands_on_the_same_stream_at_once_both_win_in_sequence(store):
    outcomes, attempts = _racing(store, assign_again)
    assert outcomes == ["ok", "ok"] and attempts == 3
    history = store.read_stream("asset:A1")
    assert [e["stream_version"] for e in history] == [1, 2]
    assert [e["position"] for e in store.events_since(0, 10)] == [1, 2]
    assert {e["data"]["school_code"] for e in history} == {"S0", "S1"}


def test_commands_on_many_streams_at_once_keep_positions_whole(store):
    """Eight at once, each on its own stream: every one recorded, positions without a gap."""
    def assign_own(cmd, uow):
        loaded = uow.load(f"asset:{cmd['school']}", count, 0)
        cmd["together"](uow)
        return uow.record(loaded, [assigned(cmd["school"], cmd["school"])])

    outcomes, attempts = _racing(store, assign_own, commands=8)
    assert outcomes == ["ok"] * 8 and 8 <= attempts <= 16
    assert [e["position"] for e in store.events_since(0, 100)] == list(range(1, 9))


def test_a_read_model_row_written_meanwhile_is_a_conflict_not_a_fault(store):
    """A decision that writes a read model's row another command wrote since (a calendar's next version, a
    resolution) is refused as a conflict, so that the runner decides it again under the lock."""
    store.views = Placements()
    store.views.create(store.engine)
    table = store.views.placements
    with pytest.raises(ConcurrencyError):
        with store.transaction(deciding=True) as late:
            late.reads_widely()
            with store.transaction(deciding=True) as early:
                early.conn.execute(table.insert().values(asset_id="A1", school_code="S1"))
            late.conn.execute(table.insert().values(asset_id="A1", school_code="S2"))
    with store.engine.connect() as conn:
        assert dict(conn.execute(select(table)).all()) == {"A1": "S1"}


def test_a_command_that_met_a_conflict_decides_under_the_lock_for_a_moment(store):
    """Deciding twice costs more than waiting where commands keep crossing: after a conflict, the same command
    takes the lock first for a moment, then decides without it again."""
    _racing(store, assign_again)
    locked = []

    def noting(uow):
        locked.append(uow.tx.locked)

    execute(store, assign_again, {"school": "S2", "together": noting}, Context(), UnitOfWork)
    store.contended.clear()  # the moment has passed
    execute(store, assign_again, {"school": "S3", "together": noting}, Context(), UnitOfWork)
    assert locked == [True, False]
    assert len(store.read_stream("asset:A1")) == 4
