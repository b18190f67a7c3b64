"""clamd, for real, with the project's own EICAR signature database."""

import io
from pathlib import Path

import pytest

from shared.scanning import ScanFailed, ScannerUnavailable, Verdict, scan_stream
from tests.clamd import PrivateClamd
from tests.conftest import required_env
from tests.eicar import eicar_bytes


def test_eicar_is_found_with_the_projects_signature() -> None:
    result = scan_stream(required_env("CASEWAY_CLAMD_URL"), io.BytesIO(eicar_bytes()))
    assert result.verdict is Verdict.INFECTED
    assert result.signature is not None
    assert result.signature.startswith("Caseway.Test.EICAR")


def test_eicar_inside_other_bytes_is_found_too() -> None:
    stream = io.BytesIO(b"%PDF-1.4 harmless start " + eicar_bytes() + b" and more")
    assert scan_stream(required_env("CASEWAY_CLAMD_URL"), stream).verdict is Verdict.INFECTED


def test_an_ordinary_file_is_clean() -> None:
    result = scan_stream(required_env("CASEWAY_CLAMD_URL"), io.BytesIO(b"%PDF-1.4\nhello\n"))
    assert result.verdict is Verdict.CLEAN
    assert result.signature is None


def test_an_unreachable_scanner_is_reported_not_taken_as_clean() -> None:
    with pytest.raises(ScannerUnavailable):
        scan_stream("tcp://127.0.0.1:1", io.BytesIO(b"anything"))


@pytest.mark.parametrize("size", [20 * 1024, 3 * 1024 * 1024])
def test_a_stream_over_clamds_limit_is_a_refusal_not_an_outage(tmp_path: Path, size: int) -> None:
    """clamd refuses a stream over its StreamMaxLength either by closing the connection
    while it is still being sent or, when the whole stream was already sent, by answering
    "INSTREAM size limit exceeded": both are the file refused (counted towards giving up),
    never "clamd unavailable" (retried for ever). A small stream fits in the socket's
    buffer, so its answer is read: the second way, which was taken for an outage."""
    clamd = PrivateClamd(tmp_path, stream_max_length="10K")
    clamd.start()
    try:
        for _ in range(5):
            with pytest.raises(ScanFailed):
                scan_stream(clamd.url, io.BytesIO(b"x" * size))
    finally:
        clamd.stop()
