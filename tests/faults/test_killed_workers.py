"""Workers killed with SIGKILL, with their work horse, at the worst moments: just after a
notice failed (its retry was held by the dead worker's scheduler), while it was being
sent (nothing had left), and while it was being handed to the mail server (it may have
arrived). The notice is then sent exactly once, or, when it may have arrived, marked
delivery_unknown for a person to check: never two emails.

What is tested here is processes and the order of writes, not the database, so these
run on SQLite only.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from shared.models import NoticeState
from tests.mailserver import MailServer
from tests.workers import (
    Processes,
    kill_tree,
    load,
    new_notice,
    outcome,
    run_burst,
    sweep,
    wait_for_state,
)

pytestmark = pytest.mark.parametrize("backend", ["sqlite"])

# The scheduler sweeps at its start and every 60 s; a minute and the send itself.
SENT_WITHIN_SECONDS = 75


def test_a_notice_failed_just_before_its_worker_was_killed_is_sent_within_a_minute(
    env: dict[str, str],
    sessions: sessionmaker[Session],
    mail: MailServer,
    processes: Processes,
    tmp_path: Path,
) -> None:
    mail.stop()  # the mail server is down: the first attempt fails
    first = processes.worker(env, tmp_path / "first-worker.log")
    notice_id = new_notice(sessions)
    wait_for_state(sessions, notice_id, NoticeState.FAILED, timeout=120)
    kill_tree(first.pid)  # its retry, 10 s away, was held by this worker's scheduler
    first.wait(timeout=30)
    mail.start()

    started = time.monotonic()
    processes.worker(env, tmp_path / "new-worker.log")
    processes.start(["scheduler"], env, tmp_path / "scheduler.log")
    wait_for_state(sessions, notice_id, NoticeState.SENT, timeout=180)
    elapsed = time.monotonic() - started
    # A functional bound, not a speed test: the retry must not wait on the dead worker
    # (it once took 812 s); the sweep sends it on its next run.
    assert elapsed < SENT_WITHIN_SECONDS, f"sent {elapsed:.0f} s after the new worker started"
    assert outcome(sessions, mail, [notice_id]) == {notice_id: (NoticeState.SENT, 1)}


@pytest.mark.parametrize(
    ("hold_in", "state_when_killed", "final_state"),
    [
        ("mail", NoticeState.SENDING, NoticeState.SENT),
        ("data", NoticeState.TRANSMITTING, NoticeState.DELIVERY_UNKNOWN),
    ],
    ids=["killed-while-sending", "killed-while-transmitting"],
)
def test_a_worker_killed_mid_send_leads_to_exactly_one_email(
    env: dict[str, str],
    sessions: sessionmaker[Session],
    mail: MailServer,
    processes: Processes,
    tmp_path: Path,
    hold_in: str,
    state_when_killed: NoticeState,
    final_state: NoticeState,
) -> None:
    mail.hold_in = hold_in  # the server stalls there until the worker is dead
    notice_id = new_notice(sessions)
    process = processes.worker(env, tmp_path / "worker.log")
    assert mail.holding.wait(timeout=120), "the worker never reached the mail server"
    kill_tree(process.pid)  # the worker and its work horse, with no chance to clean up
    process.wait(timeout=30)
    mail.hold_in = None
    mail.release.set()
    assert load(sessions, notice_id).state is state_when_killed

    sweep(env)
    run_burst(env)
    sweep(env)  # a second sweep must not resend either
    run_burst(env)

    # Killed while sending: nothing had been handed over, so it is sent again, once.
    # Killed while transmitting: it arrived, so it is never sent again; a person checks.
    assert outcome(sessions, mail, [notice_id]) == {notice_id: (final_state, 1)}
    if final_state is NoticeState.DELIVERY_UNKNOWN:
        assert "may have been delivered" in (load(sessions, notice_id).last_error or "")
