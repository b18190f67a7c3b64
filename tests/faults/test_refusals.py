"""A mail server that says no: 451 to MAIL FROM, 451 to RCPT TO, 550 after DATA, and one
that refuses every attempt. The notice records the server's own first refusal, as text;
its next attempt is due from the database (`next_attempt_at`), where the sweep finds it,
and it is sent once. Out of attempts it is undeliverable: `caseway notices status` lists
it for a person, and `caseway notices resend` sends it once.

Where in the conversation the server refuses does not depend on the database, so those
three run on SQLite only. Running out of attempts writes the new state and its audit row
under a row lock, so that one runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from shared import PROJECT_ROOT
from shared.jobs.notices import sweep_notices
from shared.jobs.queues import NOTICES, queue
from shared.models import NoticeState
from shared.services.notices import MAX_ATTEMPTS
from tests.mailserver import MailServer
from tests.workers import (
    CASEWAY,
    Processes,
    load,
    make_due,
    new_notice,
    outcome,
    run_burst,
    sweep,
    wait_for_state,
)

sqlite_only = pytest.mark.parametrize("backend", ["sqlite"])


@sqlite_only
@pytest.mark.parametrize(
    ("command", "reply"),
    [
        ("mail", "451 4.3.0 Sender temporarily rejected, try again later"),
        ("rcpt", "451 4.3.0 Mailbox busy, try again later"),
        ("data", "550 5.7.1 Message refused"),
    ],
    ids=["451-to-mail-from", "451-to-rcpt-to", "550-after-data"],
)
def test_a_refusal_is_recorded_as_the_server_sent_it_then_the_notice_is_sent_once(
    env: dict[str, str],
    sessions: sessionmaker[Session],
    mail: MailServer,
    command: str,
    reply: str,
) -> None:
    setattr(mail, f"refuse_{command}", reply)
    notice_id = new_notice(sessions)
    run_burst(env)
    failed = load(sessions, notice_id)
    # The server's first refusal, as text: not the reply to a later command ("503 need
    # MAIL command"), not bytes ("451 b'4.3.0 ...'").
    assert (failed.state, failed.attempts, failed.last_error) == (NoticeState.FAILED, 1, reply)
    assert failed.next_attempt_at is not None
    assert outcome(sessions, mail, [notice_id]) == {notice_id: (NoticeState.FAILED, 0)}

    mail.refuse_nothing()
    make_due(sessions, [notice_id])  # instead of waiting for it
    assert sweep(env) == 1
    run_burst(env)
    assert outcome(sessions, mail, [notice_id]) == {notice_id: (NoticeState.SENT, 1)}
    assert load(sessions, notice_id).attempts == 2


def notices_command(env: dict[str, str], *arguments: str) -> str:
    done = subprocess.run([*CASEWAY, "notices", *arguments], env=env, cwd=PROJECT_ROOT,
                          text=True, capture_output=True, check=True, timeout=120)  # fmt: skip
    return done.stdout


def wait_for_attempt(sessions: sessionmaker[Session], notice_id: int, attempt: int) -> None:
    """Until the notice's attempt number `attempt` has failed, and no further one started."""
    deadline = time.monotonic() + 120
    while True:
        notice = load(sessions, notice_id)
        if notice.state in (NoticeState.FAILED, NoticeState.UNDELIVERABLE):
            if notice.attempts >= attempt:
                assert notice.attempts == attempt  # one attempt each time, never two
                return
        assert time.monotonic() < deadline, f"attempt {attempt} not made within 120 s"
        time.sleep(0.1)


def test_a_notice_refused_on_every_attempt_waits_for_a_person_then_is_resent_once(
    env: dict[str, str],
    sessions: sessionmaker[Session],
    mail: MailServer,
    processes: Processes,
    tmp_path: Path,
) -> None:
    refusal = "550 5.1.1 <rhys@example.org>: Recipient address rejected"
    mail.refuse_rcpt = refusal
    processes.worker(env, tmp_path / "worker.log")
    notice_id = new_notice(sessions)
    wait_for_attempt(sessions, notice_id, 1)
    retrying = notices_command(env, "status")
    assert f"retrying: notice {notice_id}: attempt 2 of {MAX_ATTEMPTS} at " in retrying
    assert "needs attention" not in retrying

    sweeps = queue(NOTICES, env["CASEWAY_REDIS_URL"])
    for attempt in range(2, MAX_ATTEMPTS + 1):
        make_due(sessions, [notice_id])
        sweeps.enqueue(sweep_notices)  # as the scheduler does, a minute at a time
        # RQ's own retries of earlier attempts, coming due meanwhile, do not spend
        # attempts ahead of the notice's schedule.
        wait_for_attempt(sessions, notice_id, attempt)
    undeliverable = load(sessions, notice_id)
    assert undeliverable.last_error == refusal
    assert undeliverable.next_attempt_at is None
    assert outcome(sessions, mail, [notice_id]) == {notice_id: (NoticeState.UNDELIVERABLE, 0)}
    assert sweep(env) == 0  # no more attempts: it waits for a person

    status = notices_command(env, "status")
    assert "undeliverable     1" in status
    assert f"needs attention: notice {notice_id} (undeliverable): {refusal}" in status
    assert "caseway notices resend ID" in status

    mail.refuse_nothing()
    assert f"notice {notice_id} queued" in notices_command(env, "resend", str(notice_id))
    wait_for_state(sessions, notice_id, NoticeState.SENT)
    assert outcome(sessions, mail, [notice_id]) == {notice_id: (NoticeState.SENT, 1)}
