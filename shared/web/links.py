"""Absolute addresses, for links that leave the page (emails, notices): always from the
app's configured public address, never from the request's Host header, which whoever sends
the request chooses (a sign-in link on their host would hand them the account)."""

from __future__ import annotations

from typing import Any

from flask import current_app, request


def absolute_url(endpoint: str, **values: Any) -> str:
    """`endpoint`'s address under CASEWAY_PORTAL_URL or CASEWAY_BACKOFFICE_URL."""
    base: str = current_app.config["CASEWAY_PUBLIC_URL"]
    # A map adapter of our own: url_for would use the request's host and script root.
    urls = current_app.url_map.bind("configured.invalid", script_name="/")
    if endpoint.startswith("."):
        endpoint = f"{request.blueprint}{endpoint}"
    return base.rstrip("/") + urls.build(endpoint, values)
