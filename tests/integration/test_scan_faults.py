"""The scan job failing at every step, for real: its commit refused after the file has
moved, and its process killed with SIGKILL between each step. Whatever was left, the
sweep and a real `caseway worker --burst` finish it: the document ends clean, its file in
the released area only, and nothing is served before its row says clean. Real clamd,
Redis, SQLite and PostgreSQL, local storage and an S3-compatible server (moto)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

import boto3
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, select
from sqlalchemy.orm import Session, sessionmaker

from portal import create_portal
from shared import PROJECT_ROOT
from shared.config import Settings
from shared.db import make_session_factory
from shared.jobs import context, scans
from shared.models import AuditEvent, ScanState
from shared.storage import Area, Storage, new_key
from shared.storage.local import LocalStorage
from tests import samples
from tests.eicar import eicar_bytes
from tests.integration.test_documents import at_evidence, documents_in, run, work, worker_env
from tests.integration.test_documents import upload as upload_on_form
from tests.s3server import CREDENTIALS, s3_server

CONTENT = samples.pdf(b"a letter that will be scanned more than once")


class CommitRefused(Exception):
    """The database refused the commit (a lost connection, a full disk)."""


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    with s3_server() as url:
        yield url


@pytest.fixture(params=["local", "s3"])
def portal(
    request: pytest.FixtureRequest, settings: Settings, fresh_database_url: str
) -> Iterator[Flask]:
    settings = replace(settings, database_url=fresh_database_url)
    if request.param == "s3":
        endpoint = request.getfixturevalue("s3_endpoint")
        monkeypatch = request.getfixturevalue("monkeypatch")
        for name, value in CREDENTIALS.items():
            monkeypatch.setenv(name, value)  # for the worker processes too
        bucket = f"caseway-faults-{new_key()[:8]}"
        boto3.client("s3", endpoint_url=endpoint).create_bucket(Bucket=bucket)
        settings = replace(settings, storage_url=f"s3://{bucket}/caseway",
                           s3_endpoint_url=endpoint)  # fmt: skip
    app = create_portal(settings)
    app.config["TESTING"] = True
    yield app
    app.extensions["caseway"].engine.dispose()


def storage_of(app: Flask) -> Storage:
    storage: Storage = app.extensions["caseway"].storage
    return storage


def uploaded(app: Flask, content: bytes = CONTENT, name: str = "letter.pdf") -> FlaskClient:
    """A resident's browser that has put one file on its form, awaiting its scan."""
    client = app.test_client()
    at_evidence(client)
    assert upload_on_form(client, content, name).status_code == 302
    return client


def sweep_and_work(app: Flask) -> None:
    """What repairs things in production: the scheduler's sweep, then a worker."""
    run(worker_env(app), "documents", "sweep")
    work(app)


def assert_released_once(app: Flask, client: FlaskClient) -> None:
    (document,) = documents_in(app)
    assert document.scan_state is ScanState.CLEAN
    assert storage_of(app).exists(Area.RELEASED, document.storage_key)
    assert not storage_of(app).exists(Area.QUARANTINE, document.storage_key)
    with client.get(f"/documents/{document.public_id}") as download:
        assert download.status_code == 200
        assert download.data == CONTENT
    assert verdicts(app, document.id) == ["document.scanned_clean"]


def verdicts(app: Flask, document_id: int) -> list[str]:
    with app.extensions["caseway"].sessions() as session:
        actions = session.scalars(
            select(AuditEvent.action).where(
                AuditEvent.object_kind == "document", AuditEvent.object_id == str(document_id)
            )
        )
        return [action for action in actions if action.startswith("document.scanned")]


def job_context(app: Flask, monkeypatch: pytest.MonkeyPatch) -> sessionmaker[Session]:
    """Run jobs in this process as a worker would run them for `app`, with a session
    factory of their own; returns that factory."""
    services = app.extensions["caseway"]
    sessions = make_session_factory(services.engine)
    monkeypatch.setattr(context, "settings", lambda: services.settings)
    monkeypatch.setattr(context, "storage", lambda: services.storage)
    monkeypatch.setattr(context, "sessions", lambda: sessions)
    return sessions


def test_a_commit_refused_after_the_move_is_repaired_by_the_sweep(
    portal: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = uploaded(portal)
    (document,) = documents_in(portal)

    def refuse(_session: Session) -> None:
        raise CommitRefused

    event.listen(job_context(portal, monkeypatch), "before_commit", refuse, once=True)
    with pytest.raises(CommitRefused):
        scans.scan_document(document.id)

    (document,) = documents_in(portal)
    assert document.scan_state is ScanState.AWAITING_SCAN  # the verdict was rolled back
    assert client.get(f"/documents/{document.public_id}").status_code == 404
    sweep_and_work(portal)
    assert_released_once(portal, client)


def test_an_infected_file_an_earlier_attempt_moved_out_goes_back_to_quarantine(
    portal: Flask,
) -> None:
    # As a clean verdict whose commit failed would leave it, before new signatures.
    client = uploaded(portal, eicar_bytes(), "invoice.txt")
    (document,) = documents_in(portal)
    storage_of(portal).move(document.storage_key, Area.QUARANTINE, Area.RELEASED)
    assert client.get(f"/documents/{document.public_id}").status_code == 404

    sweep_and_work(portal)

    (document,) = documents_in(portal)
    assert document.scan_state is ScanState.INFECTED
    assert storage_of(portal).exists(Area.QUARANTINE, document.storage_key)
    assert not storage_of(portal).exists(Area.RELEASED, document.storage_key)
    assert client.get(f"/documents/{document.public_id}").status_code == 404


# Where the scan job's process is killed: each step it takes, in order.
STEPS = ["before the scan", "after the scan", "after the move", "after the commit"]


def die(*_args: object) -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def then_die(step: Callable[..., Any]) -> Callable[..., Any]:
    def step_then_die(*args: object) -> None:
        step(*args)
        die()

    return step_then_die


def scan_and_die(step: str, document_id: int) -> None:
    """In a process of its own: the real scan job, killed with SIGKILL at `step`."""
    if step == "before the scan":
        scans.scan_stream = die  # type: ignore[assignment]
    elif step == "after the scan":
        scans.scan_stream = then_die(scans.scan_stream)  # type: ignore[assignment]
    elif step == "after the move":
        LocalStorage.move = then_die(LocalStorage.move)  # type: ignore[method-assign]
    else:
        event.listen(Session, "after_commit", die)
    scans.scan_document(document_id)


@pytest.mark.parametrize("step", STEPS)
def test_a_worker_killed_at_any_step_leaves_what_the_sweep_finishes(
    settings: Settings, fresh_database_url: str, step: str
) -> None:
    app = create_portal(replace(settings, database_url=fresh_database_url))
    app.config["TESTING"] = True
    client = uploaded(app)
    (document,) = documents_in(app)

    killed = subprocess.run(
        [sys.executable, "-c", "from tests.integration.test_scan_faults import scan_and_die; "
                               f"scan_and_die({step!r}, {document.id})"],
        env=worker_env(app), cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120,
        check=False,
    )  # fmt: skip
    assert killed.returncode == -signal.SIGKILL, killed.stderr

    with client.get(f"/documents/{document.public_id}") as download:
        assert download.status_code == (200 if step == "after the commit" else 404)  # if clean
    sweep_and_work(app)
    assert_released_once(app, client)
    app.extensions["caseway"].engine.dispose()
