"""Small helpers shared by the tests."""
import time

import pytest

from shared.errors import CommandRejected


def wait_for(predicate, timeout=20, interval=0.05):
    """Poll `predicate` until it returns something truthy; return that."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout}s")


def refused(code, call, *args):
    """`call(*args)` is refused by a business rule with `code`; the refusal."""
    with pytest.raises(CommandRejected) as exc:
        call(*args)
    assert exc.value.code == code, exc.value
    return exc.value


def refused_message(code, call, *args):
    """`call(*args)` is refused by a business rule with `code`; what it says."""
    return refused(code, call, *args).message
