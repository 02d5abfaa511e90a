"""Who is watching which simulation, so the broadcaster builds live messages only for those.

Building a turn's live message takes a few queries and a send; with hundreds of runs and a
handful of open pages that was most of the broadcaster's work, for nobody. Each live socket
registers itself in a sorted set per simulation (member: its channel name, score: when the
entry expires) *before* it reads its replay from the database, and renews the entry while
open. A turn committed before the registration is in that replay; one committed after it
finds the watcher. Entries of a crashed server expire on their own. When Redis cannot be
asked, everything counts as watched: a wasted message is cheap, a missing one is not.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Iterable

import redis
from django.conf import settings

log = logging.getLogger(__name__)

TTL_SECONDS = 120.0
RENEW_SECONDS = 40.0


def _key(simulation_id: int) -> str:
    return f"studio:live:watchers:{simulation_id}"


@functools.lru_cache(maxsize=4)
def _client(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, socket_timeout=5)  # thread-safe; its pool survives forks


def _redis() -> redis.Redis:
    return _client(settings.REDIS_URL)


def watch(simulation_id: int, channel: str) -> None:
    """Register (or renew) a watcher until TTL_SECONDS from now."""
    key = _key(simulation_id)
    now = time.time()
    pipe = _redis().pipeline()
    pipe.zremrangebyscore(key, "-inf", now)
    pipe.zadd(key, {channel: now + TTL_SECONDS})
    pipe.expire(key, int(TTL_SECONDS) + 1)
    pipe.execute()


def unwatch(simulation_id: int, channel: str) -> None:
    _redis().zrem(_key(simulation_id), channel)


def watched(simulation_ids: Iterable[int]) -> set[int]:
    """The simulations among ``simulation_ids`` with at least one live watcher."""
    ids = list(dict.fromkeys(simulation_ids))
    if not ids:
        return set()
    now = time.time()
    try:
        pipe = _redis().pipeline(transaction=False)
        for simulation_id in ids:
            pipe.zcount(_key(simulation_id), now, "+inf")
        counts = pipe.execute()
    except (redis.RedisError, OSError):
        log.warning("cannot ask Redis who watches; broadcasting to all", exc_info=True)
        return set(ids)
    return {simulation_id for simulation_id, n in zip(ids, counts, strict=True) if n}
