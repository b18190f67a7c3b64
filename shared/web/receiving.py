"""The request class both apps use, so uploaded files stream into an `IncomingFile`
(size limit enforced while the bytes arrive) instead of werkzeug's memory-then-temp spool."""

from __future__ import annotations

from typing import IO, cast

from flask import Request, current_app

from shared.uploads.receiving import IncomingFile

# Room for the other fields of a form that carries one file.
FORM_MARGIN_BYTES = 1024 * 1024


class UploadingRequest(Request):
    def _get_file_stream(
        self,
        total_content_length: int | None,
        content_type: str | None,
        filename: str | None = None,
        content_length: int | None = None,
    ) -> IO[bytes]:
        settings = current_app.extensions["caseway"].settings
        incoming = IncomingFile(settings.storage_dir / "incoming", settings.max_upload_bytes)
        self._incoming().append(incoming)
        return cast(IO[bytes], incoming)  # the part of a file werkzeug uses

    def _incoming(self) -> list[IncomingFile]:
        if "caseway.incoming" not in self.environ:
            self.environ["caseway.incoming"] = []
        files: list[IncomingFile] = self.environ["caseway.incoming"]
        return files

    def close(self) -> None:
        # Also the files of a request refused half-way through (413): werkzeug never
        # listed those, so it would not close them, and their spool files would stay.
        super().close()
        for incoming in self._incoming():
            incoming.close()


def max_request_bytes(max_upload_bytes: int) -> int:
    """What a request may carry before it is refused unread (413): twice the file limit, so
    a somewhat-too-big file still gets its message on the page, having been drained unkept."""
    return 2 * max_upload_bytes + FORM_MARGIN_BYTES
