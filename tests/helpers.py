"""Small helpers shared by the tests.

A busy machine makes things late, not wrong: waits poll a condition under a generous ceiling and never
sleep a fixed time, so that a passing test is as quick as the machine allows and only one that never gets
there fails.
"""
import time

import pytest

from shared.errors import CommandRejected

CEILING = 60.0  # seconds, for a condition that an idle machine meets in well under one
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
