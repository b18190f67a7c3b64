"""Queue names, the Redis connection and enqueuing, configured once for every caller."""

from __future__ import annotations

from functools import cache

from redis import Redis
from rq import Queue

from shared.config import load_settings

NOTICES = "notices"
SCANS = "scans"
MAINTENANCE = "maintenance"
# Listed in the order a worker serves them: what a citizen waits for comes first.
ALL_QUEUES = (SCANS, NOTICES, MAINTENANCE)


@cache
def redis_connection(redis_url: str | None = None) -> Redis:
    url = redis_url or load_settings().redis_url
    return Redis.from_url(url, socket_connect_timeout=2, socket_timeout=10)


def queue(name: str, redis_url: str | None = None) -> Queue:
    if name not in ALL_QUEUES:
        raise ValueError(f"unknown queue {name!r}; known: {', '.join(ALL_QUEUES)}")
    return Queue(name, connection=redis_connection(redis_url))
