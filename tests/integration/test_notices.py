"""Notices through the transactional outbox: real Redis, real RQ workers (as processes),
a real SMTP server; each test in a database of its own, SQLite and PostgreSQL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from shared import PROJECT_ROOT
from shared.db import make_engine, make_session_factory, transaction
from shared.jobs.queues import NOTICES, queue
from shared.models import Notice, NoticeState, Party
from shared.notices.kinds import NoticeKind
from shared.services import notices, parties
from tests.mailserver import MailServer, running_mail_server

CLOSED_REDIS = "redis://127.0.0.1:1/0"


@pytest.fixture
def mail() -> Iterator[tuple[MailServer, str]]:
    with running_mail_server() as server:
        yield server


@pytest.fixture
def env(fresh_database_url: str, redis_url: str, mail: tuple[MailServer, str]) -> dict[str, str]:
    return {
        **os.environ,
        "CASEWAY_ENV": "test",
        "CASEWAY_DOTENV": "/dev/null",
        "CASEWAY_DATABASE_URL": fresh_database_url,
        "CASEWAY_REDIS_URL": redis_url,
        "CASEWAY_SMTP_URL": mail[1],
        "CASEWAY_MAIL_FROM": "Caseway <noreply@council.example>",
    }


@pytest.fixture
def sessions(env: dict[str, str]) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(env["CASEWAY_DATABASE_URL"])
    yield make_session_factory(engine, redis_url=env["CASEWAY_REDIS_URL"])
    engine.dispose()


def worker(env: dict[str, str], *, burst: bool = True) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "shared.cli", "worker", "--queue", NOTICES]
    return subprocess.Popen(
        command + (["--burst"] if burst else []), env=env, cwd=PROJECT_ROOT, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip


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


def run_burst(env: dict[str, str]) -> str:
    process = worker(env)
    output, _ = process.communicate(timeout=120)
    assert process.returncode == 0, output
    return output


def new_notice(sessions: sessionmaker[Session], *, locale: str = "en") -> int:
    with transaction(sessions) as session:
        party = parties.register_person(
            session, given_name="Rhys", family_name="Jones", email="rhys@example.org",
            preferred_locale=locale,
        )  # fmt: skip
        notice = notices.create_notice(
            session, kind=NoticeKind.NEW_MESSAGE, recipient=party,
            context={"recipient_name": "Rhys Jones", "reference": "ABCD-2345-X",
                     "case_url": "https://portal.example/cases/ABCD-2345-X"},
        )  # fmt: skip
        return notice.id


def load(sessions: sessionmaker[Session], notice_id: int) -> Notice:
    with sessions() as session:
        notice = session.get(Notice, notice_id)
        assert notice is not None
        return notice


def queued(env: dict[str, str]) -> int:
    return queue(NOTICES, env["CASEWAY_REDIS_URL"]).count


def sweep(env: dict[str, str]) -> None:
    """Run the periodic sweep as the scheduler would, with no grace period."""
    code = "from shared.jobs.notices import sweep_notices; print(sweep_notices(0))"
    subprocess.run([sys.executable, "-c", code], env=env, cwd=PROJECT_ROOT, check=True,
                   timeout=60)  # fmt: skip


def test_a_notice_whose_transaction_rolls_back_is_never_sent(
    env: dict[str, str], sessions: sessionmaker[Session], mail: tuple[MailServer, str]
) -> None:
    with sessions() as session:
        session.begin()
        party = parties.register_person(
            session, given_name="A", family_name="B", email="a@b.example"
        )
        notices.create_notice(
            session,
            kind=NoticeKind.CASE_CLOSED,
            recipient=party,
            context={"recipient_name": "A B", "reference": "X", "case_url": "u"},
        )
        session.rollback()
    assert queued(env) == 0
    sweep(env)
    run_burst(env)
    assert mail[0].messages == []
    with sessions() as session:
        assert session.scalars(select(Notice)).all() == []


def test_a_committed_notice_arrives_once_in_the_recipients_language(
    env: dict[str, str], sessions: sessionmaker[Session], mail: tuple[MailServer, str]
) -> None:
    notice_id = new_notice(sessions, locale="cy")
    assert queued(env) == 1  # enqueued by the commit itself
    run_burst(env)
    (message,) = mail[0].messages
    notice = load(sessions, notice_id)
    assert notice.state is NoticeState.SENT
    assert notice.sent_at is not None
    assert message["Message-ID"] == f"<{notice.idempotency_key}@council.example>"
    assert message["To"] == "rhys@example.org"
    assert message["Content-Language"] == "cy"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "ABCD-2345-X" in text
    assert "https://portal.example/cases/ABCD-2345-X" in html
    assert '<html lang="cy" dir="ltr">' in html
    assert "You have a new message" not in text  # Welsh, not English
    # The job once more (a duplicate enqueue, a retry): nothing is sent twice.
    from shared.jobs.notices import enqueue_send

    enqueue_send(notice_id, env["CASEWAY_REDIS_URL"])
    run_burst(env)
    assert len(mail[0].messages) == 1


def test_redis_down_at_the_state_change_loses_nothing(
    env: dict[str, str], mail: tuple[MailServer, str]
) -> None:
    engine = make_engine(env["CASEWAY_DATABASE_URL"])
    offline = make_session_factory(engine, redis_url=CLOSED_REDIS)
    notice_id = new_notice(offline)  # commits fine; the enqueue fails and is logged
    assert load(offline, notice_id).state is NoticeState.PENDING
    assert queued(env) == 0
    sweep(env)
    assert queued(env) == 1
    run_burst(env)
    assert len(mail[0].messages) == 1
    assert load(offline, notice_id).state is NoticeState.SENT
    engine.dispose()


def test_a_refusing_mail_server_gives_failed_with_the_reason_then_a_retry_succeeds(
    env: dict[str, str], sessions: sessionmaker[Session], mail: tuple[MailServer, str]
) -> None:
    mail[0].refuse_with = "550 5.1.1 Mailbox unavailable"
    notice_id = new_notice(sessions)
    run_burst(env)
    failed = load(sessions, notice_id)
    assert failed.state is NoticeState.FAILED
    assert failed.last_error == "550 5.1.1 Mailbox unavailable"
    assert mail[0].messages == []
    # RQ's Retry has scheduled the job again; bring it forward instead of waiting.
    from rq.registry import ScheduledJobRegistry

    notices_queue = queue(NOTICES, env["CASEWAY_REDIS_URL"])
    registry = ScheduledJobRegistry(queue=notices_queue)
    (job_id,) = registry.get_job_ids()
    mail[0].refuse_with = None
    notices_queue.enqueue_job(notices_queue.fetch_job(job_id))
    registry.remove(job_id)
    run_burst(env)
    sent = load(sessions, notice_id)
    assert sent.state is NoticeState.SENT
    assert sent.attempts == 2
    assert len(mail[0].messages) == 1


@pytest.mark.parametrize(
    ("hold_in", "state_when_killed"),
    [("mail", NoticeState.SENDING), ("data", NoticeState.TRANSMITTING)],
    ids=["killed-before-hand-over", "killed-during-hand-over"],
)
def test_a_worker_killed_mid_job_leads_to_exactly_one_email(
    env: dict[str, str],
    sessions: sessionmaker[Session],
    mail: tuple[MailServer, str],
    hold_in: str,
    state_when_killed: NoticeState,
) -> None:
    server, _ = mail
    server.hold_in = hold_in
    notice_id = new_notice(sessions)
    process = worker(env, burst=False)
    assert server.holding.wait(timeout=60), "the worker never reached the mail server"
    kill_tree(process.pid)  # the worker and its work horse, with no chance to clean up
    process.communicate(timeout=30)
    server.hold_in = None
    server.release.set()
    time.sleep(0.2)
    assert load(sessions, notice_id).state is state_when_killed

    sweep(env)
    run_burst(env)
    sweep(env)  # a second sweep must not resend either
    run_burst(env)

    assert len(server.messages) == 1
    final = load(sessions, notice_id)
    if hold_in == "mail":  # nothing had been handed over: sent again, once
        assert final.state is NoticeState.SENT
    else:  # it had arrived: never sent twice; flagged for a person to check
        assert final.state is NoticeState.DELIVERY_UNKNOWN
        assert "may have been delivered" in (final.last_error or "")


def test_notices_status_and_resend_from_the_command_line(
    env: dict[str, str], sessions: sessionmaker[Session], mail: tuple[MailServer, str]
) -> None:
    notice_id = new_notice(sessions)
    caseway = [sys.executable, "-m", "shared.cli", "notices"]
    status = subprocess.run([*caseway, "status"], env=env, cwd=PROJECT_ROOT, text=True,
                            capture_output=True, check=True)  # fmt: skip
    assert "pending           1" in status.stdout
    assert "oldest pending since" in status.stdout
    run_burst(env)
    first_key = load(sessions, notice_id).idempotency_key
    resent = subprocess.run([*caseway, "resend", str(notice_id)], env=env, cwd=PROJECT_ROOT,
                            text=True, capture_output=True, check=True)  # fmt: skip
    assert f"notice {notice_id} queued" in resent.stdout
    run_burst(env)
    assert len(mail[0].messages) == 2
    assert mail[0].messages[0]["Message-ID"] != mail[0].messages[1]["Message-ID"]
    assert load(sessions, notice_id).idempotency_key != first_key
    missing = subprocess.run([*caseway, "resend", "999999"], env=env, cwd=PROJECT_ROOT,
                             text=True, capture_output=True)  # fmt: skip
    assert missing.returncode == 1
    assert "there is no notice 999999" in missing.stderr


def test_a_party_without_email_gets_the_portal_copy_only(
    sessions: sessionmaker[Session], env: dict[str, str]
) -> None:
    with transaction(sessions) as session:
        party = Party(
            client_id="C-TEST", given_name="No", family_name="Email", preferred_locale="fr"
        )
        session.add(party)
        session.flush()
        notice = notices.create_notice(session, kind=NoticeKind.CASE_CLOSED, recipient=party,
                                       context={"recipient_name": "No Email", "reference": "R",
                                                "case_url": "u"})  # fmt: skip
        assert notice.state is NoticeState.SENT
        assert notice.locale == "fr"
    assert queued(env) == 0
