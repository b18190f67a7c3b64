"""Where to send a person back to after a choice (a language, cookies): only a page of
this app, judged the way a browser will read the address, never one an attacker wrote."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app
from werkzeug.exceptions import HTTPException
from werkzeug.routing import RequestRedirect

# Browsers delete tabs and line breaks anywhere in a URL before following it
# (WHATWG URL standard), so "/\t/evil.example" is followed as "//evil.example".
_DELETED_BY_BROWSERS = str.maketrans("", "", "\t\n\r")


def safe_return_path(candidate: str | None, default: str) -> str:
    """`candidate` if, as a browser would follow it, it is a GET page of this app;
    otherwise `default`."""
    if not candidate:
        return default
    path = candidate.translate(_DELETED_BY_BROWSERS)
    # Browsers also read "\" as "/", and a leading space or control character is trimmed;
    # a real path of ours never has either, so refusing them outright is simplest.
    if "\\" in path or any(ord(c) < 0x20 or c == "\x7f" for c in path):
        return default
    parts = urlsplit(path)
    if parts.scheme or parts.netloc or not path.startswith("/") or path.startswith("//"):
        return default
    return path if _is_a_page_of_this_app(parts.path) else default


def _is_a_page_of_this_app(path: str) -> bool:
    urls = current_app.url_map.bind("localhost")
    try:
        urls.match(path, method="GET")
    except RequestRedirect:
        return True  # e.g. a missing trailing slash: still ours
    except HTTPException:
        return False
    return True
