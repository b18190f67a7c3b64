"""The kinds of file Caseway accepts, recognised by their content with libmagic.

Neither the file's extension nor the browser's declared Content-Type is trusted; a file
whose content and extension disagree (a PNG named .pdf) is refused, because whoever opens
it later would be misled about what it is.
"""

from __future__ import annotations

from dataclasses import dataclass

import magic


@dataclass(frozen=True)
class FileKind:
    code: str
    label: str  # as people know it; the same in every language
    content_type: str  # what it is served as
    sniffed_as: frozenset[str]
    extensions: frozenset[str]


KINDS = {
    kind.code: kind
    for kind in (
        FileKind(
            "pdf", "PDF", "application/pdf", frozenset({"application/pdf"}), frozenset({"pdf"})
        ),
        FileKind(
            "jpeg",
            "JPG",
            "image/jpeg",
            frozenset({"image/jpeg"}),
            frozenset({"jpg", "jpeg", "jpe"}),
        ),
        FileKind("png", "PNG", "image/png", frozenset({"image/png"}), frozenset({"png"})),
        FileKind(
            "heic",
            "HEIC",
            "image/heic",
            frozenset({"image/heic", "image/heif", "image/heic-sequence"}),
            frozenset({"heic", "heif"}),
        ),
        FileKind("text", "TXT", "text/plain", frozenset({"text/plain"}), frozenset({"txt"})),
        FileKind(
            "docx",
            "DOCX",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            frozenset({"application/vnd.openxmlformats-officedocument.wordprocessingml.document"}),
            frozenset({"docx"}),
        ),
        FileKind(
            "odt",
            "ODT",
            "application/vnd.oasis.opendocument.text",
            frozenset({"application/vnd.oasis.opendocument.text"}),
            frozenset({"odt"}),
        ),
    )  # fmt: skip
}
DEFAULT_ALLOWED = tuple(KINDS)


def sniff(head: bytes) -> FileKind | None:
    """The kind the content says it is, among the kinds Caseway knows, or None."""
    content_type = magic.from_buffer(head, mime=True)
    return next((kind for kind in KINDS.values() if content_type in kind.sniffed_as), None)


def labels(codes: tuple[str, ...]) -> str:
    """The kinds as a list people read in any language: "PDF, JPG, PNG"."""
    return ", ".join(KINDS[code].label for code in codes)
