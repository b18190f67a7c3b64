"""Serving a document: always as an attachment, under its sanitised name, never sniffed
by the browser into something it can run, and never kept in a shared cache."""

from __future__ import annotations

from typing import BinaryIO

from flask import send_file
from werkzeug.wrappers import Response

from shared.models import Document


def attachment(stream: BinaryIO, document: Document) -> Response:
    reply = send_file(
        stream,
        mimetype=document.content_type,
        as_attachment=True,
        download_name=document.original_filename,
        max_age=0,
        etag=document.sha256,
    )
    reply.headers["Cache-Control"] = "private, no-store"
    reply.headers["X-Content-Type-Options"] = "nosniff"
    return reply
