"""Many people writing at once, on SQLite and PostgreSQL, with nothing mocked: threads in
several processes filing cases through the services (reading a draft, then writing to it,
as a request does), and the real portal under gunicorn with residents sending their forms
at the same moment. No error, nothing lost.

On SQLite a transaction that reads and then writes can only queue behind another writer
if it began as a write (`BEGIN IMMEDIATE`, `shared.db`); begun plainly, it is refused at
once with "database is locked".
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from shared.casetypes.forms import form_for
from shared.db import make_engine, make_session_factory
from shared.models import Case, Draft, Notice, Party
from shared.services import filing
from shared.services.casetypes import case_type_for
from tests.conftest import required_env
from tests.gunicorn import portal_under_gunicorn
from tests.ports import free_port
from tests.residents import CASES_EACH, Resident, file_at_once

PROCESSES = 3
THREADS = 4  # in each process
CASES = 3  # filed by each thread


def answers_for(name: str) -> list[dict[str, Any]]:
    """One person's answers, page by page, as the portal stores them on a draft."""
    return [
        {"service": "parking-permit"},
        {"details": f"A permit for {name}."},
        {"needed_by": "2027-06-01"},
        {"given_name": name, "family_name": "Concurrent", "date_of_birth": "1984-03-14"},
        {"email": f"{name}@example.org", "phone": ""},
        {"address": {"line_1": "1 Elm Street", "line_2": "", "town": "Cardiff",
                     "postcode": "CF10 1AA"}},
        {"contact_by": ["email"], "large_print": "no"},
    ]  # fmt: skip


def file_a_case(sessions: sessionmaker[Session], name: str) -> None:
    """What the portal's requests do, one transaction each: start a draft, save each page
    (read the draft, then write to it), send."""
    definition = form_for("application")
    with sessions() as session, session.begin():
        token = filing.start_draft(session, definition=definition, locale="en").token
    for answers in answers_for(name):
        with sessions() as session, session.begin():
            draft = filing.find_draft(session, token)
            assert draft is not None
            filing.record_answers(session, draft=draft, answers=answers, locale="en")
    with sessions() as session, session.begin():
        draft = filing.find_draft(session, token, lock=True)
        assert draft is not None
        filing.submit(
            session, draft=draft, definition=definition,
            case_type=case_type_for(session, "application"),
        )  # fmt: skip


def file_cases_in_threads(
    database_url: str, process: int, start: Any, results: multiprocessing.Queue[list[str]]
) -> None:
    """One process: THREADS threads filing CASES cases each; every thread of every process
    waits at `start` so they all write together. Puts the errors on `results`."""
    engine = make_engine(database_url)
    sessions = make_session_factory(engine)
    errors: list[str] = []

    def resident(thread: int) -> None:
        start.wait(timeout=120)
        for number in range(CASES):
            try:
                file_a_case(sessions, f"p{process}t{thread}c{number}")
            except Exception as error:  # noqa: BLE001 - every error is what the test counts
                errors.append(f"{type(error).__name__}: {str(error).splitlines()[0]}")

    threads = [threading.Thread(target=resident, args=(t,)) for t in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    engine.dispose()
    results.put(errors)


def count(sessions: sessionmaker[Session], model: type[Any]) -> int:
    with sessions() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


@pytest.fixture
def sessions(fresh_database_url: str) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(fresh_database_url)
    yield make_session_factory(engine)
    engine.dispose()


def test_threads_in_several_processes_file_cases_at_once(
    fresh_database_url: str, sessions: sessionmaker[Session]
) -> None:
    context = multiprocessing.get_context("spawn")  # no connection or lock crosses a fork
    start = context.Barrier(PROCESSES * THREADS)
    results: multiprocessing.Queue[list[str]] = context.Queue()
    processes = [
        context.Process(target=file_cases_in_threads,
                        args=(fresh_database_url, number, start, results))
        for number in range(PROCESSES)
    ]  # fmt: skip
    for process in processes:
        process.start()
    errors = [error for _ in processes for error in results.get(timeout=240)]
    for process in processes:
        process.join(timeout=60)

    filed = PROCESSES * THREADS * CASES
    assert errors == [], f"{len(errors)} errors in {filed} cases: {sorted(set(errors))}"
    assert [count(sessions, model) for model in (Draft, Case, Party, Notice)] == [filed] * 4
    with sessions() as session:
        for case in session.scalars(select(Case)):
            name = case.answers["given_name"]
            assert case.answers == {k: v for page in answers_for(name) for k, v in page.items()}


RESIDENTS = 8


@pytest.fixture
def portal_served(
    fresh_database_url: str, redis_url: str, tmp_path: Path
) -> Iterator[tuple[int, Path]]:
    port = free_port()
    log = tmp_path / "gunicorn.log"
    env = {
        **os.environ,
        "CASEWAY_ENV": "test",
        "CASEWAY_DOTENV": "/dev/null",
        "CASEWAY_INSTANCE_DIR": str(tmp_path / "instance"),
        "CASEWAY_DATABASE_URL": fresh_database_url,
        "CASEWAY_REDIS_URL": redis_url,
        "CASEWAY_CLAMD_URL": required_env("CASEWAY_CLAMD_URL"),
        "CASEWAY_PORTAL_URL": f"http://127.0.0.1:{port}",
    }
    with portal_under_gunicorn(env, port, log):
        yield port, log


def test_residents_sending_forms_at_once_to_the_portal_under_gunicorn(
    portal_served: tuple[int, Path], sessions: sessionmaker[Session]
) -> None:
    port, log = portal_served
    residents = [Resident(port, number) for number in range(RESIDENTS)]
    failures = file_at_once(residents)

    statuses = [status for r in residents for status in r.statuses]
    refused = [s for s in statuses if s[2] != (302 if s[0] == "POST" else 200)]
    assert failures == []
    assert refused == [], f"{len(refused)} of {len(statuses)} requests failed:\n{log.read_text()}"
    with sessions() as session:
        # Answers are encrypted at rest: read through the model, not by a JSON path in SQL.
        details = sorted(case.answers["details"] for case in session.scalars(select(Case)))
    assert details == sorted(
        f"From {r.address}, case {n}." for r in residents for n in range(CASES_EACH)
    )
