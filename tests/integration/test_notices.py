"""Notices through the transactional outbox: real Redis, real RQ workers (as processes),
a real SMTP server; each test in a database of its own, SQLite and PostgreSQL. What
happens when something fails (refusals, Redis down or restarted, workers killed) is in
tests/faults/."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from shared import PROJECT_ROOT
from shared.db import make_engine, transaction
from shared.jobs.outbox import sessions_with_outbox
from shared.models import Notice, NoticeState, Party
from shared.notices.kinds import NoticeKind
from shared.services import notices, parties
from tests.mailserver import MailServer, running_mail_server
from tests.workers import (
    load,
    new_notice,
    queued,
    run_burst,
    sweep,
    worker_env,
)


@pytest.fixture
def mail() -> Iterator[tuple[MailServer, str]]:
    with running_mail_server() as server:
        yield server


@pytest.fixture
def env(fresh_database_url: str, redis_url: str, mail: tuple[MailServer, str]) -> dict[str, str]:
    return worker_env(database_url=fresh_database_url, redis_url=redis_url, smtp_url=mail[1])


@pytest.fixture
def sessions(env: dict[str, str]) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(env["CASEWAY_DATABASE_URL"])
    yield sessions_with_outbox(engine, env["CASEWAY_REDIS_URL"])
    engine.dispose()


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
