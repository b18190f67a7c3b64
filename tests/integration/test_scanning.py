"""clamd, for real, with the project's own EICAR signature database."""

import io

import pytest

from shared.scanning import ScannerUnavailable, Verdict, scan_stream
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
