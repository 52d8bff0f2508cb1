"""Django's Redis cache, made to step aside when Redis cannot be reached.

The cache holds nothing that cannot be lost: rate-limit counters (sign-in, verification
lookups) and values that are computed again. So while Redis is down a read misses, a write is
dropped, an add() (the lock rate limits take) succeeds and a counter starts afresh: rate limits
fail open, with a warning in the log, instead of every page that touches the cache answering 500.
"""

import logging
import time

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

log = logging.getLogger(__name__)

UNREACHABLE = (RedisConnectionError, RedisTimeoutError, OSError)
# One warning per process per this many seconds: an outage must not flood the log.
WARN_EVERY_SECONDS = 30.0

_last_warning = 0.0


def _unreachable(operation: str, exc: Exception) -> None:
    global _last_warning
    now = time.monotonic()
    if now - _last_warning >= WARN_EVERY_SECONDS:
        _last_warning = now
        log.warning(
            "the cache (Redis) is unreachable, %s skipped: rate limits are off until it is back: %s", operation, exc
        )


class ResilientRedisCache(RedisCache):
    """RedisCache whose reads miss and whose writes do nothing while Redis is unreachable."""

    def get(self, key, default=None, version=None):
        try:
            return super().get(key, default, version)
        except UNREACHABLE as exc:
            _unreachable("a read", exc)
            return default

    def get_many(self, keys, version=None):
        try:
            return super().get_many(keys, version)
        except UNREACHABLE as exc:
            _unreachable("a read", exc)
            return {}

    def has_key(self, key, version=None):
        try:
            return super().has_key(key, version)
        except UNREACHABLE as exc:
            _unreachable("a read", exc)
            return False

    def add(self, key, value, timeout=None, version=None):
        try:
            return super().add(key, value, timeout, version)
        except UNREACHABLE as exc:
            # As if it were added: rate limits take add() as a lock, and a lock never granted
            # would refuse everyone (allauth answers 429) instead of letting them through.
            _unreachable("a write", exc)
            return True

    def set(self, key, value, timeout=None, version=None):
        try:
            return super().set(key, value, timeout, version)
        except UNREACHABLE as exc:
            _unreachable("a write", exc)

    def set_many(self, data, timeout=None, version=None):
        try:
            return super().set_many(data, timeout, version)
        except UNREACHABLE as exc:
            _unreachable("a write", exc)
            return list(data)

    def touch(self, key, timeout=None, version=None):
        try:
            return super().touch(key, timeout, version)
        except UNREACHABLE as exc:
            _unreachable("a write", exc)
            return False

    def delete(self, key, version=None):
        try:
            return super().delete(key, version)
        except UNREACHABLE as exc:
            _unreachable("a delete", exc)
            return False

    def delete_many(self, keys, version=None):
        try:
            return super().delete_many(keys, version)
        except UNREACHABLE as exc:
            _unreachable("a delete", exc)

    def incr(self, key, delta=1, version=None):
        try:
            return super().incr(key, delta, version)
        except UNREACHABLE as exc:
            # A counter that cannot count starts afresh: whatever it limits is let through.
            _unreachable("a counter", exc)
            return delta

    def clear(self):
        try:
            return super().clear()
        except UNREACHABLE as exc:
            _unreachable("a clear", exc)
            return False
