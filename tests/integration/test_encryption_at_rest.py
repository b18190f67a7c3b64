"""Encryption at rest, on SQLite and PostgreSQL: a dump and the stored files reveal none of
the sensitive values; rows and files from before encryption still read; duplicate
detection finds a resident by the keyed hash; and `caseway keys rotate` re-encrypts
everything under a new key while requests run, and carries on after an interruption."""

from __future__ import annotations

import itertools
import os
import random
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session, sessionmaker

from shared import PROJECT_ROOT
from shared.casetypes.forms import form_for
from shared.config import load_settings
from shared.db import make_engine, transaction
from shared.encryption import keys
from shared.models import Case, Document, Draft, Party, PossibleDuplicate, StaffUser
from shared.services import documents, filing, key_rotation
from shared.services.casetypes import case_type_for
from shared.storage import Area
from shared.storage.local import LocalStorage
from tests.factories import (
    RECORDED_ANSWERS,
    STAFF_TOTP_SECRET,
    make_case,
    make_document,
    make_party,
    make_staff,
)

BORN = date(1961, 7, 23)
HEALTH = "Registered blind since 2009; takes warfarin"
NI_NUMBER = "QQ123456C"
FILE_TEXT = b"Letter from the consultant about the diagnosis"


def keyring(*fernet_keys: str) -> keys.Keyring:
    """A keyring as the apps build one from CASEWAY_ENCRYPTION_KEYS (newest first)."""
    environ = {"CASEWAY_ENV": "test", "CASEWAY_ENCRYPTION_KEYS": ",".join(fernet_keys)}
    return keys.keyring_for(load_settings(environ))


@pytest.fixture
def restored_keyring() -> Iterator[None]:
    """Tests here change the process-wide keyring; the others need the run's key back."""
    before = keys.current()
    yield
    keys.configure(before)


def raw_dump(session: Session) -> str:
    """Every row of the tables holding encrypted values, read as plain SQL, as a dump is."""
    dumped: list[str] = []
    for table in ("party", '"case"', "draft", "document", "staff_user"):
        rows = session.execute(text(f"SELECT * FROM {table}")).all()  # noqa: S608
        dumped.extend(repr(tuple(row)) for row in rows)
    return "\n".join(dumped)


def stored_bytes(root: Path) -> bytes:
    return b"".join(path.read_bytes() for path in root.rglob("*") if path.is_file())


def test_a_dump_and_the_stored_files_reveal_nothing(session: Session, tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path / "storage")
    sensitive = {"date_of_birth": BORN.isoformat(), "health": HEALTH, "ni_number": NI_NUMBER}
    party = make_party(session, date_of_birth=BORN)
    case = make_case(session, applicant=party, answers=sensitive)
    session.add(Draft(token="a-draft", case_type_code="application", form_version="1",
                      answers=sensitive))  # fmt: skip
    document = make_document(session, storage, case=case, content=FILE_TEXT, filename="a.txt")
    member = make_staff(session, two_factor=True)  # an authenticator app's key
    session.flush()

    dump = raw_dump(session)
    for secret in (BORN.isoformat(), HEALTH, NI_NUMBER, "warfarin", STAFF_TOTP_SECRET):
        assert secret not in dump
    assert "enc:" in dump  # the values are there, sealed
    files = stored_bytes(tmp_path / "storage")
    assert files
    assert FILE_TEXT not in files
    assert b"consultant" not in files

    # Through the models nothing changed: plain values in, plain values out.
    session.expire_all()
    assert session.get(Party, party.id).date_of_birth == BORN  # type: ignore[union-attr]
    assert session.get(Case, case.id).answers == sensitive  # type: ignore[union-attr]
    assert session.get(StaffUser, member.id).totp_secret == STAFF_TOTP_SECRET  # type: ignore[union-attr]
    with documents.open_released(storage, session.get(Document, document.id)) as stream:  # type: ignore[arg-type]
        assert stream.read() == FILE_TEXT


def test_rows_and_files_from_before_encryption_still_read(session: Session, tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path / "storage")
    party = make_party(session, given_name="Rhys", family_name="Jones", date_of_birth=BORN)
    case = make_case(session, applicant=party)
    document = make_document(session, storage, case=case, content=FILE_TEXT, filename="a.txt")
    # As 0025 leaves a database written before it: plain values, no hash, no wrapped key.
    session.execute(text("UPDATE party SET date_of_birth = :born, date_of_birth_hash = NULL "
                         "WHERE id = :id"), {"born": BORN.isoformat(), "id": party.id})  # fmt: skip
    session.execute(text('UPDATE "case" SET answers = :answers WHERE id = :id'),
                    {"answers": '{"health": "plain"}', "id": case.id})  # fmt: skip
    session.execute(text("UPDATE document SET wrapped_key = NULL WHERE id = :id"),
                    {"id": document.id})  # fmt: skip
    import io

    storage.put(Area.RELEASED, document.storage_key, io.BytesIO(FILE_TEXT))
    session.expire_all()

    assert session.get(Party, party.id).date_of_birth == BORN  # type: ignore[union-attr]
    assert session.get(Case, case.id).answers == {"health": "plain"}  # type: ignore[union-attr]
    with documents.open_released(storage, session.get(Document, document.id)) as stream:  # type: ignore[arg-type]
        assert stream.read() == FILE_TEXT

    # Duplicate detection still finds the plain row, not yet rotated.
    answers = {**RECORDED_ANSWERS, "given_name": "Rhys", "family_name": "JONES",
               "date_of_birth": BORN.isoformat(), "email": "rhys@example.org"}  # fmt: skip
    filed = submit(session, answers)
    assert duplicates_of(session, filed) == {party.id}


def test_duplicate_detection_compares_the_keyed_hash(session: Session) -> None:
    twin = make_party(session, given_name="Ana", family_name="Silva", date_of_birth=BORN)
    make_party(session, given_name="Ana", family_name="Silva", date_of_birth=date(1961, 7, 24))
    assert twin.date_of_birth_hash == keys.current().lookup_hash("date_of_birth", "1961-07-23")
    answers = {**RECORDED_ANSWERS, "given_name": "ana", "family_name": "Silva",
               "date_of_birth": BORN.isoformat(), "email": "ana2@example.org"}  # fmt: skip
    filed = submit(session, answers)
    assert duplicates_of(session, filed) == {twin.id}


def submit(session: Session, answers: dict[str, Any]) -> Case:
    definition = form_for("application")
    draft = filing.start_draft(session, definition=definition, locale="en")
    filing.record_answers(session, draft=draft, answers=answers, locale="en")
    return filing.submit(session, draft=draft, definition=definition,
                         case_type=case_type_for(session, "application"))  # fmt: skip


def duplicates_of(session: Session, case: Case) -> set[int]:
    found = session.scalars(select(PossibleDuplicate).where(PossibleDuplicate.case_id == case.id))
    return {d.other_party_id for d in found}


# ---------------------------------------------------------------- rotation


def seed(engine: Engine, storage: LocalStorage, count: int) -> list[int]:
    """`count` cases with their applicants and drafts, and a few documents; case ids."""
    with transaction(sessionmaker(bind=engine)) as session:
        ids = []
        for number in range(count):
            party = make_party(session, date_of_birth=date(1950 + number % 50, 1, 1 + number % 28))
            case = make_case(session, applicant=party, answers={"health": f"{HEALTH} {number}"})
            session.add(Draft(token=f"draft-{number}", case_type_code="application",
                              form_version="1", answers={"n": number}))  # fmt: skip
            if number % 40 == 0:
                make_document(session, storage, case=case, content=FILE_TEXT + b"%d" % number,
                              filename="a.txt")  # fmt: skip
            ids.append(case.id)
    return ids


def under_newest_key_only(engine: Engine, storage: LocalStorage, newest: str) -> None:
    """Every row decrypts with the newest key alone, and every sealed value names it."""
    keys.configure(keyring(newest))
    with Session(engine) as session:
        for target in key_rotation.TARGETS:
            assert key_rotation.remaining(session, target) == 0, target.label
        for case in session.scalars(select(Case)):
            assert case.answers["health"].startswith(HEALTH)
            assert case.applicant.date_of_birth is not None
        assert all(d.answers for d in session.scalars(select(Draft)))
        for document in session.scalars(select(Document)):
            with documents.open_released(storage, document) as stream:
                assert stream.read().startswith(FILE_TEXT)


def rotate(engine: Engine, batch: int = 20, between: threading.Event | None = None) -> int:
    """`keys rotate` as the command runs it; after the first batch of each column, it waits
    for `between` (a request done meanwhile), so the two surely overlap on a busy machine."""
    sessions = sessionmaker(bind=engine)

    def run_batch(target: key_rotation.Target, after: int) -> key_rotation.Batch:
        with transaction(sessions) as session:
            done = key_rotation.rotate_batch(session, target, after_id=after, limit=batch)
        if between is not None and after == 0:
            between.clear()
            assert between.wait(timeout=60), "no request completed during the rotation"
        return done

    return key_rotation.rotate_all(run_batch, lambda *_: None)


@pytest.mark.usefixtures("restored_keyring")
def test_rotation_while_requests_read_and_write(fresh_database_url: str, tmp_path: Path) -> None:
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    engine = make_engine(fresh_database_url)
    storage = LocalStorage(tmp_path / "storage")
    keys.configure(keyring(old))
    case_ids = seed(engine, storage, 200)
    # The apps restarted with the new key first: they read both, write with the new one.
    keys.configure(keyring(new, old))
    sessions = sessionmaker(bind=engine)
    stop, failures, during = threading.Event(), [], [0]
    rotating, request_done = threading.Event(), threading.Event()
    # What each request thread last wrote to each case: no write may be lost to rotation.
    last_written: dict[tuple[int, int], int] = {}

    def requests(thread: int) -> None:
        chosen = random.Random(thread)  # noqa: S311
        for number in itertools.count():
            if stop.is_set():
                return
            try:
                with transaction(sessions) as session:
                    case_id = chosen.choice(case_ids)
                    case = session.get(Case, case_id, with_for_update=True)
                    assert case is not None
                    assert case.answers["health"].startswith(HEALTH)
                    assert case.applicant.date_of_birth is not None
                    case.answers = {**case.answers, f"seen by {thread}": number}
                    for document in session.scalars(select(Document).limit(2)):
                        with documents.open_released(storage, document) as stream:
                            assert stream.read().startswith(FILE_TEXT)
                last_written[(thread, case_id)] = number
                if rotating.is_set():
                    during[0] += 1
                    request_done.set()
            except Exception as error:  # noqa: BLE001 - every failure is the test's finding
                failures.append(repr(error))

    load = [threading.Thread(target=requests, args=(n,)) for n in range(3)]
    for thread in load:
        thread.start()
    try:
        time.sleep(0.2)
        rotating.set()
        rewritten = rotate(engine, between=request_done)
        rotating.clear()
    finally:
        stop.set()
        for thread in load:
            thread.join(timeout=60)
    assert failures == []
    assert during[0] > 0  # requests did run while the rotation did
    assert rewritten > 0
    under_newest_key_only(engine, storage, new)
    with Session(engine) as session:
        for (writer, case_id), number in last_written.items():
            assert session.get(Case, case_id).answers[f"seen by {writer}"] == number  # type: ignore[union-attr]
    engine.dispose()


@pytest.mark.usefixtures("restored_keyring")
def test_an_interrupted_rotation_carries_on_with_the_command(
    fresh_database_url: str, tmp_path: Path
) -> None:
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    engine = make_engine(fresh_database_url)
    storage = LocalStorage(tmp_path / "storage")
    keys.configure(keyring(old))
    seed(engine, storage, 60)
    keys.configure(keyring(new, old))
    target = next(t for t in key_rotation.TARGETS if t.label == "case.answers")
    with transaction(sessionmaker(bind=engine)) as session:  # one batch, then "killed"
        first = key_rotation.rotate_batch(session, target, after_id=0, limit=25)
    assert first.rewritten == 25
    with Session(engine) as session:
        assert key_rotation.remaining(session, target) == 35

    env = {**os.environ, "CASEWAY_ENV": "test", "CASEWAY_DOTENV": "/dev/null",
           "CASEWAY_DATABASE_URL": fresh_database_url,
           "CASEWAY_ENCRYPTION_KEYS": f"{new},{old}"}  # fmt: skip
    done = subprocess.run(
        [sys.executable, "-m", "shared.cli", "keys", "rotate", "--batch-size", "10"],
        env=env, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "case.answers: 35 re-encrypted" in done.stdout  # the 25 done are not done again
    assert "every value is under the newest key" in done.stdout
    again = subprocess.run(
        [sys.executable, "-m", "shared.cli", "keys", "rotate"], env=env, cwd=PROJECT_ROOT,
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert "done: 0 values re-encrypted" in again.stdout
    under_newest_key_only(engine, storage, new)
    engine.dispose()


def test_keys_new_prints_a_fernet_key() -> None:
    made = subprocess.run([sys.executable, "-m", "shared.cli", "keys", "new"], cwd=PROJECT_ROOT,
                          capture_output=True, text=True, timeout=60, check=True)  # fmt: skip
    Fernet(made.stdout.strip())  # raises if it is not one
