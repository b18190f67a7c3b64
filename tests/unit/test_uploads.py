"""Receiving uploads: names made safe, the size limit while streaming, types by content."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.uploads import filetypes
from shared.uploads.filenames import MAX_LENGTH, extension_of, sanitise_filename
from shared.uploads.receiving import IncomingFile
from tests import samples


@pytest.mark.parametrize(
    ("raw", "safe"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\ana\\..\\evil.pdf", "evil.pdf"),
        ("..\\..\\boot.ini", "boot.ini"),
        ("report\u202efdp.exe", "reportfdp.exe"),
        ("tab\tand\nnewline.txt", "tabandnewline.txt"),
        ("   .hidden.txt  ", "hidden.txt"),
        ("", "document"),
        ("/", "document"),
        ("..", "document"),
        ("Café menu.pdf", "Café menu.pdf"),
        ("Cafe\u0301.pdf", "Café.pdf"),  # one form of each character (NFC)
        ("خطاب.pdf", "خطاب.pdf"),
    ],
)
def test_names_are_made_safe(raw: str, safe: str) -> None:
    assert sanitise_filename(raw) == safe


def test_a_long_name_keeps_its_extension() -> None:
    name = sanitise_filename("a" * 500 + ".pdf")
    assert len(name) == MAX_LENGTH
    assert name.endswith("a.pdf")


@given(st.text(max_size=400))
def test_any_name_comes_out_short_and_without_path_or_control_characters(raw: str) -> None:
    name = sanitise_filename(raw)
    assert 0 < len(name) <= MAX_LENGTH
    assert "/" not in name
    assert "\\" not in name
    assert not name.startswith(".")
    assert all(ch.isprintable() for ch in name)


def test_extensions_are_read_from_the_last_dot_only() -> None:
    assert extension_of("archive.tar.PDF") == "pdf"
    assert extension_of("README") == ""
    assert extension_of(".pdf") == ""


def test_an_oversize_upload_is_cut_off_while_it_streams(tmp_path: Path) -> None:
    incoming = IncomingFile(tmp_path, limit_bytes=1000)
    sizes_on_disk = []
    for _ in range(30):
        incoming.write(b"x" * 100)
        incoming.flush()
        sizes_on_disk.append(incoming.path.stat().st_size)
    assert incoming.too_large
    assert max(sizes_on_disk) <= 1000  # never more than the limit kept, at any moment
    assert sizes_on_disk[-1] == 0  # and nothing once it was passed
    incoming.close()
    assert list(tmp_path.iterdir()) == []


def test_an_upload_nobody_takes_is_deleted_when_closed(tmp_path: Path) -> None:
    incoming = IncomingFile(tmp_path, limit_bytes=1000)
    incoming.write(b"hello")
    incoming.close()
    assert list(tmp_path.iterdir()) == []


def test_a_finished_upload_keeps_its_hash_size_and_head(tmp_path: Path) -> None:
    incoming = IncomingFile(tmp_path, limit_bytes=10**6)
    content = samples.pdf(b"x" * 100_000)
    for start in range(0, len(content), 4096):
        incoming.write(content[start : start + 4096])
    path = incoming.finish()
    incoming.close()  # handed over: closing must not delete it
    assert path.read_bytes() == content
    assert incoming.size == len(content)
    assert incoming.head == content[: len(incoming.head)]
    assert filetypes.sniff(incoming.head) is filetypes.KINDS["pdf"]


@pytest.mark.parametrize(
    ("content", "kind"),
    [(samples.pdf(), "pdf"), (samples.png(), "png"), (samples.jpeg(), "jpeg"),
     (samples.heic(), "heic"), (b"Plain words.\n", "text"), (samples.docx(), "docx"),
     (samples.odt(), "odt"), (samples.html(), None), (b"MZ\x90\x00" + bytes(100), None)],
)  # fmt: skip
def test_kinds_are_told_by_content(content: bytes, kind: str | None) -> None:
    found = filetypes.sniff(content)
    assert (found.code if found else None) == kind
