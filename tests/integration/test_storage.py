"""Storage behind one interface: the local folder and an S3-compatible object store (a
real moto server over HTTP) behave the same, and the whole upload pipeline runs on S3."""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import boto3
import pytest
from flask import Flask
from sqlalchemy import select

from portal import create_portal
from shared.config import Settings
from shared.models import Document, ScanState
from shared.storage import Area, Storage, new_key
from shared.storage.local import LocalStorage
from shared.storage.s3 import S3Storage
from tests import samples
from tests.ports import free_port
from tests.s3server import CREDENTIALS, s3_server

BUCKET = "caseway-documents"


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    with s3_server() as url:
        yield url


@pytest.fixture
def aws_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in CREDENTIALS.items():
        monkeypatch.setenv(name, value)


@pytest.fixture
def s3_bucket(s3_endpoint: str, aws_credentials: None) -> str:
    client = boto3.client("s3", endpoint_url=s3_endpoint)
    bucket = f"{BUCKET}-{new_key()[:8]}"
    client.create_bucket(Bucket=bucket)
    return bucket


@pytest.fixture(params=["local", "s3"])
def storage(request: pytest.FixtureRequest, tmp_path: Path) -> Storage:
    if request.param == "local":
        return LocalStorage(tmp_path / "storage")
    bucket = request.getfixturevalue("s3_bucket")
    endpoint = request.getfixturevalue("s3_endpoint")
    return S3Storage.from_url(f"s3://{bucket}/caseway", endpoint_url=endpoint)


def test_put_open_move_and_delete(storage: Storage) -> None:
    key = new_key()
    content = samples.random_pdf(300_000)
    assert storage.put(Area.QUARANTINE, key, io.BytesIO(content)) == len(content)
    assert storage.exists(Area.QUARANTINE, key)
    assert not storage.exists(Area.RELEASED, key)
    storage.move(key, Area.QUARANTINE, Area.RELEASED)
    assert not storage.exists(Area.QUARANTINE, key)
    with storage.open(Area.RELEASED, key) as stream:
        assert stream.read() == content
    storage.delete(Area.RELEASED, key)
    assert not storage.exists(Area.RELEASED, key)


def test_a_move_done_already_is_done(storage: Storage) -> None:
    # As a scan whose commit failed after the move finds it when it is tried again.
    key = new_key()
    storage.put(Area.QUARANTINE, key, io.BytesIO(b"scanned clean"))
    storage.move(key, Area.QUARANTINE, Area.RELEASED)
    storage.move(key, Area.QUARANTINE, Area.RELEASED)
    assert not storage.exists(Area.QUARANTINE, key)
    with storage.open(Area.RELEASED, key) as stream:
        assert stream.read() == b"scanned clean"
    with pytest.raises(FileNotFoundError):
        storage.move(new_key(), Area.QUARANTINE, Area.RELEASED)  # in neither area


def test_adopting_a_received_file(storage: Storage, tmp_path: Path) -> None:
    received = tmp_path / "upload.incoming"
    received.write_bytes(b"received bytes")
    key = new_key()
    storage.adopt(Area.QUARANTINE, key, received)
    assert not received.exists()  # taken over, not left behind
    with storage.open(Area.QUARANTINE, key) as stream:
        assert stream.read() == b"received bytes"


@pytest.mark.parametrize("key", ["../escape", "a/b", "", "key with space", "ключ"])
def test_only_generated_keys_are_accepted(storage: Storage, key: str) -> None:
    with pytest.raises(ValueError, match="generated"):
        storage.put(Area.QUARANTINE, key, io.BytesIO(b"x"))


def test_a_missing_file_is_reported_as_missing(storage: Storage) -> None:
    with pytest.raises(FileNotFoundError):
        storage.open(Area.RELEASED, new_key())


def test_the_upload_pipeline_on_s3(
    settings: Settings, s3_bucket: str, s3_endpoint: str, fresh_database_url: str
) -> None:
    from tests.integration.test_documents import at_evidence, upload, work

    s3_settings = replace(
        settings, database_url=fresh_database_url, storage_url=f"s3://{s3_bucket}/caseway",
        s3_endpoint_url=s3_endpoint,
    )  # fmt: skip
    app: Flask = create_portal(s3_settings)
    app.config["TESTING"] = True
    client = app.test_client()
    at_evidence(client)
    content = samples.random_pdf(2 * 1024 * 1024)
    assert upload(client, content, "survey.pdf").status_code == 302

    work(app, CASEWAY_S3_ENDPOINT_URL=s3_endpoint, **CREDENTIALS)

    with app.extensions["caseway"].sessions() as session:
        document = session.scalars(select(Document)).one()
    assert document.scan_state is ScanState.CLEAN
    objects = boto3.client("s3", endpoint_url=s3_endpoint).list_objects_v2(Bucket=s3_bucket)
    assert [o["Key"] for o in objects["Contents"]] == [f"caseway/released/{document.storage_key}"]
    with client.get(f"/documents/{document.public_id}") as download:
        assert download.status_code == 200
        assert download.data == content
    assert not list((settings.storage_dir / "incoming").glob("*"))  # nothing left on local disk
    app.extensions["caseway"].engine.dispose()


def test_an_unreachable_store_gives_a_message_on_the_page_and_keeps_nothing(
    settings: Settings, fresh_database_url: str, aws_credentials: None
) -> None:
    from tests.integration.test_documents import at_evidence, documents_in, errors, upload

    down = replace(
        settings, database_url=fresh_database_url, storage_url="s3://nowhere/caseway",
        s3_endpoint_url=f"http://127.0.0.1:{free_port()}",
    )  # fmt: skip
    app: Flask = create_portal(down)
    app.config["TESTING"] = True
    client = app.test_client()
    at_evidence(client)
    response = upload(client, samples.pdf(), "letter.pdf")
    assert response.status_code == 200
    assert errors(response.get_data(as_text=True)) == [
        "We could not save your file just now. Try again in a few minutes"
    ]
    assert documents_in(app) == []  # no row for a file that was never stored
    assert not list((settings.storage_dir / "incoming").glob("*"))
    app.extensions["caseway"].engine.dispose()
