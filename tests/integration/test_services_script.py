"""scripts/services.sh keeps each checkout's services to itself: two checkouts on one
machine get their own ports and run folders, and stopping one leaves the other running."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from redis import Redis

ROOT = Path(__file__).resolve().parents[2]


def _checkout(where: Path) -> Path:
    """The parts of a checkout services.sh uses: the script and the signature database."""
    (where / "scripts").mkdir(parents=True)
    shutil.copy2(ROOT / "scripts" / "services.sh", where / "scripts" / "services.sh")
    shutil.copytree(ROOT / "clamav", where / "clamav")
    return where


def _services(checkout: Path, command: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CASEWAY_")}
    # Both use the suite's PostgreSQL: this test is about Redis, clamd and the run folder.
    env["CASEWAY_TEST_POSTGRES_URL"] = os.environ["CASEWAY_TEST_POSTGRES_URL"]
    return subprocess.run(
        [str(checkout / "scripts" / "services.sh"), command],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def _exports(output: str) -> dict[str, str]:
    pairs = (line.removeprefix("export ").split("=", 1) for line in output.splitlines())
    return dict(pairs)


@pytest.mark.timeout(300)
def test_two_checkouts_run_side_by_side_and_stop_separately(tmp_path: Path) -> None:
    if "CASEWAY_TEST_POSTGRES_URL" not in os.environ:
        pytest.fail("CASEWAY_TEST_POSTGRES_URL is not set: run the suite through scripts/test.sh")
    first, second = _checkout(tmp_path / "one"), _checkout(tmp_path / "two")
    try:
        started = [_services(checkout, "start") for checkout in (first, second)]
        for result in started:
            assert result.returncode == 0, result.stderr
        env_one, env_two = (_exports(result.stdout) for result in started)
        assert env_one["CASEWAY_REDIS_URL"] != env_two["CASEWAY_REDIS_URL"]
        assert env_one["CASEWAY_CLAMD_URL"] != env_two["CASEWAY_CLAMD_URL"]
        for checkout in (first, second):  # the state lives with the checkout
            assert (checkout / ".run" / "services.env").is_file()
            assert (checkout / ".run" / "redis" / "redis.pid").is_file()

        stopped = _services(first, "stop")
        assert stopped.returncode == 0, stopped.stderr
        assert Redis.from_url(env_two["CASEWAY_REDIS_URL"]).ping()
        assert _services(second, "status").returncode == 0
        assert _services(first, "status").returncode == 1

        again = _services(first, "start")  # a restart finds the same ports again
        assert again.returncode == 0, again.stderr
        assert _exports(again.stdout) == env_one
    finally:
        for checkout in (first, second):
            _services(checkout, "stop")
