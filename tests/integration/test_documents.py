"""Documents through the portal, for real: uploads streamed into quarantine, typed by their
content, scanned by the real clamd in a real RQ worker, released or held, downloaded only
through the access check, removed before sending, and the sweep after outages."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from rq.job import Job, JobStatus
from sqlalchemy import select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from portal import create_portal
from shared import PROJECT_ROOT
from shared.config import Settings
from shared.jobs.queues import redis_connection
from shared.jobs.scans import job_id_for
from shared.models import AuditEvent, Case, Document, Notice, ScanState
from shared.storage import Area
from shared.storage.local import LocalStorage
from tests import samples
from tests.clamd import PrivateClamd
from tests.eicar import eicar_bytes
from tests.integration.test_cookies import CSRF, without_tokens
from tests.integration.test_filing import begin, errors, fill, send
from tests.journeys import ANSWERS, FORM_VERSION

EVIDENCE = "/file/application/evidence"
BEFORE_EVIDENCE = {k: v for k, v in ANSWERS["application"].items() if k in ("service", "details", "needed-by")}  # fmt: skip
AFTER_EVIDENCE = {k: v for k, v in ANSWERS["application"].items() if k not in BEFORE_EVIDENCE and k != "evidence"}  # fmt: skip


def worker_env(app: Flask, **overrides: str) -> dict[str, str]:
    settings: Settings = app.extensions["caseway"].settings
    return {
        **os.environ,
        "CASEWAY_ENV": "test",
        "CASEWAY_DOTENV": "/dev/null",
        "CASEWAY_DATABASE_URL": settings.database_url,
        "CASEWAY_REDIS_URL": settings.redis_url,
        "CASEWAY_CLAMD_URL": settings.clamd_url,
        "CASEWAY_STORAGE_DIR": str(settings.storage_dir),
        "CASEWAY_STORAGE_URL": settings.storage_url,
        "CASEWAY_S3_ENDPOINT_URL": settings.s3_endpoint_url or "",
        "CASEWAY_PORTAL_URL": settings.portal_url,
        **overrides,
    }


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, "-m", "shared.cli", *args], env=env, cwd=PROJECT_ROOT,
        capture_output=True, text=True, timeout=180, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return result


def work(app: Flask, **overrides: str) -> None:
    """A real `caseway worker --burst`: does every queued job, then exits."""
    run(worker_env(app, **overrides), "worker", "--burst")


def at_evidence(client: FlaskClient) -> None:
    begin(client)
    fill(client, BEFORE_EVIDENCE)


def upload(client: FlaskClient, content: bytes, name: str, **extra: str):  # type: ignore[no-untyped-def]
    csrf = CSRF.search(client.get(EVIDENCE).get_data(as_text=True))
    assert csrf
    fields = {"csrf_token": csrf.group(1), "form_version": FORM_VERSION["application"],
              "upload": "yes", **extra}  # fmt: skip
    # Encoded here, in memory: the test client's own encoding leaks a temporary file for
    # bodies over 500 KB.
    boundary, body = encode_multipart(
        {**fields, "evidence": FileStorage(io.BytesIO(content), name)}
    )
    return client.post(
        EVIDENCE, data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )


def documents_in(app: Flask) -> list[Document]:
    with app.extensions["caseway"].sessions() as session:
        return list(session.scalars(select(Document).order_by(Document.id)))


def storage_of(app: Flask) -> LocalStorage:
    storage: LocalStorage = app.extensions["caseway"].storage
    return storage


def files_under(path: Path) -> list[Path]:
    return [p for p in path.rglob("*") if p.is_file()] if path.exists() else []


def test_a_clean_pdf_is_released_and_downloads_as_an_attachment(portal: Flask) -> None:
    client = portal.test_client()
    at_evidence(client)
    content = samples.pdf(b"a clean letter")
    response = upload(client, content, "Letter to the council.pdf")
    assert response.status_code == 302
    page = client.get(EVIDENCE).get_data(as_text=True)
    assert "“Letter to the council.pdf” has been uploaded" in page
    assert "Checking for viruses" in page
    (document,) = documents_in(portal)
    assert document.scan_state is ScanState.AWAITING_SCAN
    assert document.content_type == "application/pdf"
    assert document.storage_key not in document.original_filename
    # Not servable before its scan, even to the person who sent it.
    assert client.get(f"/documents/{document.public_id}").status_code == 404
    assert client.get("/file/application/evidence/uploads").json["uploads"][0]["code"] == "checking"

    work(portal)

    (document,) = documents_in(portal)
    assert document.scan_state is ScanState.CLEAN
    assert storage_of(portal).exists(Area.RELEASED, document.storage_key)
    assert not storage_of(portal).exists(Area.QUARANTINE, document.storage_key)
    status = client.get("/file/application/evidence/uploads").json["uploads"][0]
    assert (status["code"], status["label"]) == ("ready", "Ready")
    with client.get(f"/documents/{document.public_id}") as download:
        assert download.status_code == 200
        body = download.data
    assert body == content
    assert (
        download.headers["Content-Disposition"]
        == 'attachment; filename="Letter to the council.pdf"'
    )
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert download.headers["Content-Type"] == "application/pdf"
    assert "no-store" in download.headers["Cache-Control"]
    assert f'href="/documents/{document.public_id}"' in client.get(EVIDENCE).get_data(as_text=True)


def test_eicar_is_held_in_quarantine_never_served_and_people_are_told(portal: Flask) -> None:
    client = portal.test_client()
    at_evidence(client)
    upload(client, eicar_bytes(), "invoice.txt")
    fill(client, {"evidence": {}, **AFTER_EVIDENCE})
    assert send(client).status_code == 302  # sent while the file is still being checked

    work(portal)

    (document,) = documents_in(portal)
    assert document.scan_state is ScanState.INFECTED
    assert document.scan_signature is not None
    assert document.scan_signature.startswith("Caseway.Test.EICAR")
    assert storage_of(portal).exists(Area.QUARANTINE, document.storage_key)
    assert not storage_of(portal).exists(Area.RELEASED, document.storage_key)
    assert client.get(f"/documents/{document.public_id}").status_code == 404
    with portal.extensions["caseway"].sessions() as session:
        case = session.scalars(select(Case)).one()
        assert document.case_id == case.id
        assert document.uploaded_by_party_id == case.applicant_id
        told = session.scalars(select(Notice).where(Notice.kind == "document_not_accepted")).one()
        assert told.recipient_party_id == case.applicant_id
        assert told.context["filename"] == "invoice.txt"
        audit = session.scalars(select(AuditEvent.action).where(
            AuditEvent.object_kind == "document", AuditEvent.object_id == str(document.id))).all()  # fmt: skip
        assert "document.scanned_infected" in audit
    # The citizen's case page says so, in words, without a link to the file.
    case_page = client.get(f"/cases/{case.reference}")
    assert case_page.headers["Location"] == "/sign-in"  # not signed in nor looked up
    track = client.get("/track").get_data(as_text=True)
    client.post("/track", data={"csrf_token": CSRF.search(track).group(1),  # type: ignore[union-attr]
                                "reference": case.reference, "email": "ana.silva@example.org"})  # fmt: skip
    page = client.get(f"/cases/{case.reference}").get_data(as_text=True)
    assert "invoice.txt" in page
    assert "We could not accept this file" in page
    assert f"/documents/{document.public_id}" not in page


def test_a_look_up_lists_the_files_but_only_signing_in_opens_them(portal: Flask) -> None:
    from tests.integration.test_tracking import answers_like_no_such_case, sign_in

    filer = portal.test_client()
    at_evidence(filer)
    upload(filer, samples.pdf(b"my tenancy"), "tenancy.pdf")
    fill(filer, {"evidence": {}, **AFTER_EVIDENCE})
    assert send(filer).status_code == 302
    work(portal)
    (document,) = documents_in(portal)
    with portal.extensions["caseway"].sessions() as session:
        reference = session.scalars(select(Case.reference)).one()
    # Knowing the reference and the address is not proof of reading its mail.
    client = portal.test_client()
    track = client.get("/track").get_data(as_text=True)
    client.post("/track", data={"csrf_token": CSRF.search(track).group(1),  # type: ignore[union-attr]
                                "reference": reference, "email": "ana.silva@example.org"})  # fmt: skip
    page = client.get(f"/cases/{reference}").get_data(as_text=True)
    assert "tenancy.pdf" in page
    assert "/documents/" not in page
    assert (
        'href="/sign-in">Sign in</a> to see what you told us and any decision, download your files'
        in page
    )
    download = f"/documents/{document.public_id}"
    assert answers_like_no_such_case(client, download, document.public_id)
    # The one-time link proves it.
    sign_in(portal, client, "ana.silva@example.org")
    assert f'href="{download}"' in client.get(f"/cases/{reference}").get_data(as_text=True)
    with client.get(download) as own:
        assert own.status_code == 200
        assert own.data == samples.pdf(b"my tenancy")


def test_infected_file_on_a_case_with_a_caseworker_tells_the_caseworker(portal: Flask) -> None:
    from shared.models import RoleCode, Team
    from shared.services import staff

    with portal.extensions["caseway"].sessions() as session, session.begin():
        team = Team(code="permits", name="Permits")
        session.add(team)
        session.flush()
        worker = staff.create_staff_user(
            session, email="cw@example.org", display_name="Cai", password="a long password 123",
            roles=[RoleCode.CASEWORKER], team=team,
        )  # fmt: skip
        worker_id, team_id = worker.id, team.id
    client = portal.test_client()
    at_evidence(client)
    upload(client, eicar_bytes(), "scan.txt")
    fill(client, {"evidence": {}, **AFTER_EVIDENCE})
    send(client)
    with portal.extensions["caseway"].sessions() as session, session.begin():
        session.scalars(select(Case)).one().team_id = team_id

    work(portal)

    with portal.extensions["caseway"].sessions() as session:
        held = session.scalars(select(Notice).where(Notice.kind == "document_held")).one()
        assert held.recipient_staff_id == worker_id
        assert held.context["signature"].startswith("Caseway.Test.EICAR")


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (
            samples.png(),
            "letter.pdf",
            "The selected file is a PNG file, but its name ends in .pdf. Rename it or choose another file",
        ),
        (
            samples.html(),
            "photo.png",
            "The selected file must be one of these types: PDF, JPG, PNG, HEIC, TXT, DOCX, ODT",
        ),
        (b"", "empty.pdf", "The selected file is empty"),
        (
            b"MZ\x90\x00" + bytes(200),
            "setup.exe",
            "The selected file must be one of these types: PDF, JPG, PNG, HEIC, TXT, DOCX, ODT",
        ),
    ],
)
def test_a_file_whose_content_is_not_what_it_claims_is_refused(
    portal: Flask, content: bytes, name: str, message: str
) -> None:
    client = portal.test_client()
    at_evidence(client)
    response = upload(client, content, name)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert errors(page) == [message]
    assert 'href="#evidence"' in page  # the error summary links to the file input
    assert documents_in(portal) == []
    settings: Settings = portal.extensions["caseway"].settings
    assert files_under(settings.storage_dir) == []  # nothing kept, not even in quarantine


@pytest.mark.parametrize(
    ("content", "name"),
    [(samples.pdf(), "a.pdf"), (samples.png(), "b.png"), (samples.jpeg(), "c.jpg"),
     (samples.heic(), "d.heic"), (b"Plain words.\n", "e.txt"), (samples.docx(), "f.docx"),
     (samples.odt(), "g.odt"), (samples.pdf(), "no extension")],
)  # fmt: skip
def test_every_allowed_kind_is_accepted(portal: Flask, content: bytes, name: str) -> None:
    client = portal.test_client()
    at_evidence(client)
    assert upload(client, content, name).status_code == 302
    (document,) = documents_in(portal)
    assert document.original_filename == name


def test_an_oversize_file_is_cut_off_while_it_streams(portal: Flask, tmp_path: Path) -> None:
    small = replace(portal.extensions["caseway"].settings, max_upload_bytes=1024 * 1024)
    app = create_portal(small)
    app.config["TESTING"] = True
    client = app.test_client()
    at_evidence(client)
    response = upload(client, samples.random_pdf(1024 * 1024 + 1), "big.pdf")
    assert errors(response.get_data(as_text=True)) == [
        "The selected file must be smaller than 1 MB"
    ]
    assert documents_in(app) == []
    assert files_under(small.storage_dir) == []
    # One byte under the limit is fine.
    assert upload(client, samples.random_pdf(1024 * 1024), "just.pdf").status_code == 302
    # Far too big to be worth reading: refused before the body is read, with a page that says so.
    huge = client.post(EVIDENCE, data=bytes(3 * 1024 * 1024 + 1),
                       content_type="multipart/form-data; boundary=x")  # fmt: skip
    assert huge.status_code == 413
    assert "The file you sent is too big" in huge.get_data(as_text=True)
    assert len(documents_in(app)) == 1
    app.extensions["caseway"].engine.dispose()


def test_names_are_made_safe_and_files_stored_under_generated_keys(portal: Flask) -> None:
    client = portal.test_client()
    at_evidence(client)
    long_name = "report " * 60 + ".pdf"
    for name in (
        "../../../etc/passwd.txt",
        "C:\\Users\\ana\\..\\evil.pdf",
        "fake\u202etxt.pdf",
        long_name,
    ):
        content = samples.pdf() if name.endswith(".pdf") else b"root:x:0:0\n"
        assert upload(client, content, name).status_code == 302, name
    names = [d.original_filename for d in documents_in(portal)]
    assert names[0] == "passwd.txt"
    # (werkzeug reads the backslashes of a quoted name as escapes; none survive either way)
    assert names[1].endswith("evil.pdf")
    assert names[2] == "faketxt.pdf"  # no right-to-left override to disguise the extension
    assert not any(sep in name for name in names for sep in ("/", "\\"))
    assert len(names[3]) <= 120
    assert names[3].endswith(".pdf")
    settings: Settings = portal.extensions["caseway"].settings
    stored = files_under(settings.storage_dir)
    assert len(stored) == 4
    assert all(re.fullmatch(r"[0-9a-f]{32}", p.name) for p in stored)
    assert all(p.is_relative_to(settings.storage_dir / "quarantine") for p in stored)


def test_another_citizens_document_is_not_found(portal: Flask) -> None:
    owner = portal.test_client()
    at_evidence(owner)
    upload(owner, samples.pdf(), "mine.pdf")
    work(portal)
    (document,) = documents_in(portal)
    with owner.get(f"/documents/{document.public_id}") as own:
        assert own.status_code == 200
    stranger = portal.test_client()
    at_evidence(stranger)  # has a draft of their own, not this one
    missing = stranger.get(f"/documents/{document.public_id}")
    nonexistent = stranger.get("/documents/not-a-real-id")
    assert missing.status_code == nonexistent.status_code == 404
    # The pages' CSRF tokens are signed with the second they were made, so they are left out.
    assert without_tokens(
        missing.get_data(as_text=True).replace(document.public_id, "not-a-real-id")
    ) == (without_tokens(nonexistent.get_data(as_text=True)))
    # Nor can they remove it through their own form.
    csrf = CSRF.search(stranger.get(EVIDENCE).get_data(as_text=True)).group(1)  # type: ignore[union-attr]
    removal = stranger.post(EVIDENCE, data={"csrf_token": csrf, "form_version": FORM_VERSION["application"],
                                            "remove": document.public_id})  # fmt: skip
    assert removal.status_code == 404
    assert documents_in(portal)[0].removed_at is None


def test_removing_an_upload_before_sending(portal: Flask) -> None:
    client = portal.test_client()
    at_evidence(client)
    upload(client, samples.pdf(), "wrong.pdf")
    upload(client, samples.png(), "right.png")
    wrong, right = documents_in(portal)
    csrf = CSRF.search(client.get(EVIDENCE).get_data(as_text=True)).group(1)  # type: ignore[union-attr]
    response = client.post(EVIDENCE, data={"csrf_token": csrf, "form_version": FORM_VERSION["application"],
                                           "remove": wrong.public_id})  # fmt: skip
    assert response.status_code == 302
    page = client.get(EVIDENCE).get_data(as_text=True)
    assert "“wrong.pdf” has been removed" in page
    assert "right.png" in page
    wrong, _ = documents_in(portal)
    assert wrong.removed_at is not None
    assert not storage_of(portal).exists(Area.QUARANTINE, wrong.storage_key)
    fill(client, {"evidence": {}, **AFTER_EVIDENCE})
    assert "right.png" in client.get("/file/application/check").get_data(as_text=True)
    send(client)
    with portal.extensions["caseway"].sessions() as session:
        case = session.scalars(select(Case)).one()
        attached = session.scalars(select(Document).where(Document.case_id == case.id)).all()
        assert [d.original_filename for d in attached] == ["right.png"]
        assert case.answers["evidence"] == [right.public_id]


def test_a_question_takes_only_as_many_files_as_it_allows(portal: Flask) -> None:
    client = portal.test_client()
    at_evidence(client)
    for number in range(5):
        assert upload(client, samples.pdf(), f"page {number}.pdf").status_code == 302
    sixth = upload(client, samples.pdf(), "page 5.pdf")
    assert errors(sixth.get_data(as_text=True)) == [
        "You can upload up to 5 files for this question. Remove one to upload another"
    ]
    assert len(documents_in(portal)) == 5


def test_continue_without_choosing_a_file_on_an_optional_question(portal: Flask) -> None:
    client = portal.test_client()
    at_evidence(client)
    nothing = upload(client, b"", "")
    assert errors(nothing.get_data(as_text=True)) == ["Select a file to upload"]
    fill(client, {"evidence": {}})
    assert documents_in(portal) == []


def test_clamd_down_leaves_the_file_waiting_and_the_sweep_releases_it_later(
    portal: Flask, tmp_path: Path
) -> None:
    clamd = PrivateClamd(tmp_path / "clamd")
    clamd.start()
    app = create_portal(replace(portal.extensions["caseway"].settings, clamd_url=clamd.url))
    app.config["TESTING"] = True
    client = app.test_client()
    at_evidence(client)
    clamd.stop()  # during the test, after the upload page was reached
    upload(client, samples.pdf(b"sent while clamd was away"), "letter.pdf")

    work(app, CASEWAY_CLAMD_URL=clamd.url)

    (document,) = documents_in(app)
    assert document.scan_state is ScanState.AWAITING_SCAN
    assert document.scan_problem
    assert document.scan_attempts == 0  # an outage is not the file's fault: never given up on
    assert storage_of(app).exists(Area.QUARANTINE, document.storage_key)
    assert client.get(f"/documents/{document.public_id}").status_code == 404
    job = Job.fetch(
        job_id_for(document.id),
        connection=redis_connection(app.extensions["caseway"].settings.redis_url),
    )
    assert job.get_status() is JobStatus.SCHEDULED  # RQ's own retry, with backoff

    clamd.start()
    try:
        swept = run(worker_env(app, CASEWAY_CLAMD_URL=clamd.url), "documents", "sweep")
        assert "1 scan" in swept.stdout
        work(app, CASEWAY_CLAMD_URL=clamd.url)
    finally:
        clamd.stop()
    (document,) = documents_in(app)
    assert document.scan_state is ScanState.CLEAN
    with client.get(f"/documents/{document.public_id}") as released:
        assert released.status_code == 200
    app.extensions["caseway"].engine.dispose()


def test_redis_down_at_upload_keeps_the_file_and_the_sweep_enqueues_it(portal: Flask) -> None:
    settings: Settings = portal.extensions["caseway"].settings
    app = create_portal(replace(settings, redis_url="redis://127.0.0.1:1/0"))
    app.config["TESTING"] = True
    client = app.test_client()
    at_evidence(client)
    assert upload(client, samples.pdf(), "letter.pdf").status_code == 302  # still accepted
    (document,) = documents_in(app)
    assert document.scan_state is ScanState.AWAITING_SCAN

    swept = run(worker_env(portal), "documents", "sweep")
    assert "1 scan" in swept.stdout
    work(portal)
    assert documents_in(app)[0].scan_state is ScanState.CLEAN
    app.extensions["caseway"].engine.dispose()


def test_a_file_clamd_cannot_scan_is_marked_scan_failed_retried_and_never_served(
    portal: Flask, tmp_path: Path
) -> None:
    clamd = PrivateClamd(tmp_path / "clamd", stream_max_length="1M")  # refuses longer streams
    clamd.start()
    try:
        app = create_portal(replace(portal.extensions["caseway"].settings, clamd_url=clamd.url))
        app.config["TESTING"] = True
        client = app.test_client()
        at_evidence(client)
        upload(client, samples.random_pdf(3 * 1024 * 1024), "survey.pdf")

        work(app, CASEWAY_CLAMD_URL=clamd.url)
    finally:
        clamd.stop()
    (document,) = documents_in(app)
    assert document.scan_state is ScanState.SCAN_FAILED
    assert document.scan_problem
    assert document.scan_attempts == 1
    assert storage_of(app).exists(Area.QUARANTINE, document.storage_key)
    assert client.get(f"/documents/{document.public_id}").status_code == 404
    job = Job.fetch(
        job_id_for(document.id),
        connection=redis_connection(app.extensions["caseway"].settings.redis_url),
    )
    assert job.get_status() is JobStatus.SCHEDULED  # tried again with backoff
    status = client.get("/file/application/evidence/uploads").json["uploads"][0]
    assert status["code"] == "checking"  # until the attempts run out
    app.extensions["caseway"].engine.dispose()


def test_documents_status_counts_by_scan_state(portal: Flask) -> None:
    client = portal.test_client()
    at_evidence(client)
    upload(client, samples.pdf(), "clean.pdf")
    upload(client, eicar_bytes(), "virus.txt")
    work(portal)
    upload(client, samples.pdf(b"later"), "waiting.pdf")
    lines = run(worker_env(portal), "documents", "status").stdout.splitlines()
    counts = dict(line.split() for line in lines)
    assert counts == {"awaiting_scan": "1", "clean": "1", "infected": "1", "scan_failed": "0"}
