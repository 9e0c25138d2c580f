"""Password hashing kept away from everyone else's requests.

argon2 is meant to be slow. Under eventlet a check in the request's own thread stops every other request while
it runs, so checks run in operating-system threads (argon2 releases the interpreter lock) at the lowest CPU
priority: a flood of wrong passwords then uses the cores only when nothing else wants them. Checks run one at a
time and only a few sign-ins may wait, so that they never hold all of the gateway's request slots; the others are
told to come back (`Busy`) at once. What a signed-in person asks (a new account, a new password) waits its turn
instead: it cannot come from a flood of strangers, and turning it away would lose what they typed.
"""
from __future__ import annotations

import os
import threading

from shared.aside import aside

HASHING_AT_ONCE = 1  # argon2 already spreads one check over every core (its parallelism lanes)
WAITING = 3
_low = threading.local()


class Busy(Exception):
    """Too many password checks are running or waiting: try again in a moment."""


class PasswordChecks:
    def __init__(self, waiting: int = WAITING):
        self.limit = HASHING_AT_ONCE + waiting
        self.in_flight = 0
        self.count_lock = threading.Lock()
        self.hashing = threading.Semaphore(HASHING_AT_ONCE)

    def run(self, fn, *args, wait: bool = False):
        """`fn(*args)` aside, after the checks before it; `Busy` when too many are under way, unless `wait`."""
        with self.count_lock:
            if self.in_flight >= self.limit and not wait:
                raise Busy()
            self.in_flight += 1
        try:
            with self.hashing:
                return aside(_at_low_priority, fn, *args)
        finally:
            with self.count_lock:
                self.in_flight -= 1


def _at_low_priority(fn, *args):
    from eventlet import patcher

    if patcher.is_monkey_patched("thread") and not getattr(_low, "done", False):
        try:  # Linux: the priority of this thread only (and of the threads argon2 starts from it)
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 19)
        except (AttributeError, OSError):
            pass
        _low.done = True
    return fn(*args)
