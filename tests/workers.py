"""Real `caseway` processes for the notice tests, and what they leave behind.

Workers (burst or resident), the scheduler and the sweep run as processes against a
committed database, the way they run in production; `kill_tree` stops a worker and its
work horse with SIGKILL. `outcome` reads each notice's final state and how many emails
reached its address.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterable
from datetime import timedelta
from pathlib import Path

from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from shared import PROJECT_ROOT
from shared.db import transaction
from shared.jobs.queues import NOTICES, queue
from shared.models import Notice, NoticeState
from shared.models.base import utcnow
from shared.notices.kinds import NoticeKind
from shared.services import notices, parties
from tests.mailserver import MailServer

CASEWAY = [sys.executable, "-m", "shared.cli"]
CLOSED_REDIS = "redis://127.0.0.1:1/0"
CONTEXT = {
    "recipient_name": "Resident",
    "reference": "ABCD-2345-X",
    "case_url": "https://portal.example/cases/ABCD-2345-X",
}


def worker_env(*, database_url: str, redis_url: str, smtp_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "CASEWAY_ENV": "test",
        "CASEWAY_DOTENV": "/dev/null",
        "CASEWAY_DATABASE_URL": database_url,
        "CASEWAY_REDIS_URL": redis_url,
        "CASEWAY_SMTP_URL": smtp_url,
        "CASEWAY_MAIL_FROM": "Caseway <noreply@council.example>",
    }


def start(
    arguments: list[str], env: dict[str, str], log: Path | None = None
) -> subprocess.Popen[str]:
    """`caseway ARGUMENTS`; its output goes to `log` when given (a long-running process
    would fill a pipe nobody reads and stall), else to a pipe for `communicate`."""
    if log is None:
        return subprocess.Popen([*CASEWAY, *arguments], env=env, cwd=PROJECT_ROOT, text=True,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT)  # fmt: skip
    with log.open("a") as output:
        return subprocess.Popen([*CASEWAY, *arguments], env=env, cwd=PROJECT_ROOT, text=True,
                                stdout=output, stderr=subprocess.STDOUT)  # fmt: skip


def worker(
    env: dict[str, str], *, burst: bool = True, log: Path | None = None
) -> subprocess.Popen[str]:
    return start(["worker", "--queue", NOTICES] + (["--burst"] if burst else []), env, log)


def descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def kill_tree(pid: int) -> None:
    """SIGKILL a worker and everything it started (RQ's work horse has a session of its own)."""
    for victim in [pid, *descendants(pid)]:
        try:
            os.kill(victim, signal.SIGKILL)
        except ProcessLookupError:
            pass


class Processes:
    """The processes a test starts, killed with whatever they started when the test ends,
    whether it passed or not, so none outlives it."""

    def __init__(self) -> None:
        self.started: list[subprocess.Popen[str]] = []

    def start(
        self, arguments: list[str], env: dict[str, str], log: Path | None = None
    ) -> subprocess.Popen[str]:
        process = start(arguments, env, log)
        self.started.append(process)
        return process

    def worker(self, env: dict[str, str], log: Path) -> subprocess.Popen[str]:
        """A resident worker (not burst), as in production."""
        return self.start(["worker", "--queue", NOTICES], env, log)

    def stop_all(self) -> None:
        for process in self.started:
            if process.poll() is None:
                kill_tree(process.pid)
            process.wait(timeout=30)
            if process.stdout is not None:
                process.stdout.close()


def run_burst(env: dict[str, str]) -> str:
    process = worker(env)
    output, _ = process.communicate(timeout=180)
    assert process.returncode == 0, output
    return output


SWEEP = "from shared.jobs.notices import sweep_notices; print(sweep_notices({}))"


def sweep(env: dict[str, str], *, stuck_after_seconds: float | None = 0) -> int:
    """Run the periodic sweep as the scheduler would (by default with no grace period for
    stale notices); returns how many notices it enqueued."""
    done = subprocess.run([sys.executable, "-c", SWEEP.format(stuck_after_seconds)], env=env,
                          cwd=PROJECT_ROOT, check=True, timeout=120, text=True,
                          capture_output=True)  # fmt: skip
    return int(done.stdout.split()[-1])


def new_notice(sessions: sessionmaker[Session], *, email: str = "rhys@example.org",
               locale: str = "en") -> int:  # fmt: skip
    with transaction(sessions) as session:
        party = parties.register_person(
            session, given_name="Rhys", family_name="Jones", email=email, preferred_locale=locale
        )
        notice = notices.create_notice(
            session, kind=NoticeKind.NEW_MESSAGE, recipient=party,
            context={**CONTEXT, "recipient_name": "Rhys Jones"},
        )  # fmt: skip
        return notice.id


def new_notices(sessions: sessionmaker[Session], count: int, *, prefix: str) -> list[int]:
    """`count` notices in one transaction, each to an address of its own."""
    with transaction(sessions) as session:
        created = [
            notices.create_notice_to_address(
                session,
                kind=NoticeKind.NEW_MESSAGE,
                address=f"{prefix}-{number}@example.org",
                locale="en",
                context=CONTEXT,
            )
            for number in range(count)
        ]
        return [notice.id for notice in created]


def load(sessions: sessionmaker[Session], notice_id: int) -> Notice:
    with sessions() as session:
        notice = session.get(Notice, notice_id)
        assert notice is not None
        return notice


def wait_for_state(
    sessions: sessionmaker[Session], notice_id: int, state: NoticeState, timeout: float = 120
) -> float:
    """Seconds until the notice reached `state`; fails after `timeout`."""
    started = time.monotonic()
    while load(sessions, notice_id).state is not state:
        assert time.monotonic() - started < timeout, f"not {state.value} within {timeout} s"
        time.sleep(0.1)
    return time.monotonic() - started


def make_due(sessions: sessionmaker[Session], notice_ids: Iterable[int]) -> None:
    """Bring failed notices' next attempt forward to now, instead of waiting minutes."""
    with transaction(sessions) as session:
        session.execute(
            update(Notice)
            .where(Notice.id.in_(list(notice_ids)))
            .values(next_attempt_at=utcnow() - timedelta(seconds=1))
        )


def queued(env: dict[str, str]) -> int:
    return queue(NOTICES, env["CASEWAY_REDIS_URL"]).count


def outcome(
    sessions: sessionmaker[Session], server: MailServer, notice_ids: Iterable[int]
) -> dict[int, tuple[NoticeState, int]]:
    """Each notice's state and the number of emails its address received (every notice in
    these tests has an address of its own)."""
    received = Counter(str(message["To"]) for message in list(server.messages))
    with sessions() as session:
        found = {notice_id: session.get(Notice, notice_id) for notice_id in notice_ids}
    return {
        notice_id: (notice.state, received[notice.recipient_address or ""])
        for notice_id, notice in found.items()
        if notice is not None
    }
