"""Failed sign-ins slow down, then stop, per account and per client address.

Tiers of moving windows make the growing delay: the first failures are free, the next must wait for the
shortest window to slide, and after the longest tier's count every attempt waits for it. A throttled attempt
is answered at once (429 with the seconds to wait) and its password is never checked, so a flood costs
neither argon2 work nor a request slot held asleep.
"""
from __future__ import annotations

import logging
import math
import os
import time

from limits import parse_many
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

log = logging.getLogger(__name__)

ACCOUNT_LIMITS = "3/minute;10/hour"
ADDRESS_LIMITS = "20/5minutes;100/hour"


class Throttled(Exception):
    def __init__(self, retry_after: int):
        self.retry_after = retry_after  # seconds
        super().__init__(retry_after)


class LoginThrottle:
    def __init__(self, account_limits: str | None = None, address_limits: str | None = None):
        self.limiter = MovingWindowRateLimiter(MemoryStorage())
        self.by_account = parse_many(account_limits or os.environ.get("GATEWAY_LOGIN_LIMITS_ACCOUNT")
                                     or ACCOUNT_LIMITS)
        self.by_address = parse_many(address_limits or os.environ.get("GATEWAY_LOGIN_LIMITS_ADDRESS")
                                     or ADDRESS_LIMITS)

    def _keys(self, username: str, address: str | None):
        yield from ((item, "account", username.casefold()) for item in self.by_account)
        yield from ((item, "address", address or "unknown") for item in self.by_address)

    def check(self, username: str, address: str | None) -> None:
        """Raise Throttled if this account or address has failed too often lately."""
        waits = [self.limiter.get_window_stats(item, kind, key).reset_time - time.time()
                 for item, kind, key in self._keys(username, address) if not self.limiter.test(item, kind, key)]
        if waits:
            retry_after = max(1, math.ceil(max(waits)))
            log.warning("sign-in throttled: user %r from %s, retry after %d s", username, address, retry_after)
            raise Throttled(retry_after)

    def failed(self, username: str, address: str | None) -> None:
        for item, kind, key in self._keys(username, address):
            self.limiter.hit(item, kind, key)
        log.info("sign-in failed: user %r from %s", username, address)

    def succeeded(self, username: str) -> None:
        for item in self.by_account:
            self.limiter.clear(item, "account", username.casefold())
