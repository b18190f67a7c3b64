"""Health of the services Caseway depends on, for `/healthz` and the CLI.

Each check answers quickly (short timeouts) and never raises: a page must still be served
when Redis or clamd is down, and `/healthz` must say so.
"""

from __future__ import annotations

import socket
from dataclasses import asdict, dataclass
from typing import Any, cast

from redis import Redis
from redis.exceptions import RedisError
from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError

from shared.scanning import ScannerUnavailable, scanner_version

TIMEOUT_SECONDS = 2.0


@dataclass(frozen=True)
class Check:
    status: str  # "up" or "down"
    detail: str

    @property
    def is_up(self) -> bool:
        return self.status == "up"


def check_database(engine: Engine) -> Check:
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError as error:
        return Check("down", _first_line(error))
    return Check("up", engine.dialect.name)


def check_redis(redis_url: str) -> Check:
    try:
        client = Redis.from_url(
            redis_url, socket_timeout=TIMEOUT_SECONDS, socket_connect_timeout=TIMEOUT_SECONDS
        )
        client.ping()
        server = cast(dict[str, Any], client.info("server"))  # sync client: a dict
        version = str(server.get("redis_version", "unknown"))
        client.close()
    except (RedisError, OSError) as error:
        return Check("down", _first_line(error))
    return Check("up", f"Redis {version}")


def check_clamd(clamd_url: str) -> Check:
    try:
        return Check("up", scanner_version(clamd_url, timeout=TIMEOUT_SECONDS))
    except ScannerUnavailable as error:
        return Check("down", _first_line(error))


def report(engine: Engine, redis_url: str, clamd_url: str) -> tuple[dict[str, object], bool]:
    """The JSON body for /healthz and whether the app can serve (the database is up)."""
    checks = {
        "database": check_database(engine),
        "redis": check_redis(redis_url),
        "clamd": check_clamd(clamd_url),
    }
    all_up = all(check.is_up for check in checks.values())
    database_up = checks["database"].is_up
    status = "ok" if all_up else ("degraded" if database_up else "down")
    body: dict[str, object] = {
        "status": status,
        "checks": {k: asdict(v) for k, v in checks.items()},
    }
    return body, database_up


def port_is_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=TIMEOUT_SECONDS):
            return True
    except OSError:
        return False


def _first_line(error: BaseException) -> str:
    text_ = str(error).strip().splitlines()
    return (text_[0] if text_ else type(error).__name__)[:300]
