"""Work that would hold a service's one event loop (parsing a large file, hashing a password) done in an
operating-system thread instead, so that the service's other requests go on meanwhile."""
from __future__ import annotations


def aside(fn, *args):
    """`fn(*args)` in a real thread when eventlet runs the process, else here; its answer or its exception."""
    from eventlet import patcher

    if not patcher.is_monkey_patched("thread"):
        return fn(*args)
    from eventlet import tpool

    return tpool.execute(fn, *args)
