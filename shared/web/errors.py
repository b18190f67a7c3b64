"""Error pages in the app's own layout, translated, and never a stack trace."""

from __future__ import annotations

import logging

from flask import Flask, render_template
from flask.globals import request_ctx
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

log = logging.getLogger(__name__)

TITLES = {
    400: _l("Sorry, there is a problem with your request"),
    403: _l("You do not have permission to see this page"),
    404: _l("Page not found"),
    405: _l("Sorry, there is a problem with your request"),
    413: _l("The file you sent is too big"),
    429: _l("You have made too many requests"),
    500: _l("Sorry, there is a problem with the service"),
}
EXPLANATIONS = {
    400: _l("Go back, check what you entered and try again."),
    403: _l("If you think you should have access, contact your team leader."),
    404: _l(
        "If you typed the web address, check it is correct. "
        "If you pasted it, check you copied the whole address."
    ),
    405: _l("Go back, check what you entered and try again."),
    413: _l("Go back and choose a smaller file."),
    429: _l("Wait a few minutes and try again."),
    500: _l("Try again later. Nothing you entered has been saved unless you were told it was."),
}
CSRF_EXPLANATION = _l(
    "Your session may have timed out, or the form was sent from somewhere else. "
    "Go back, reload the page and try again."
)


def register(app: Flask) -> None:
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected_error)


def render_error(code: int, explanation: str | None = None) -> tuple[str, int]:
    """An error page in the app's layout, with an explanation other than the usual one."""
    if request_ctx.url_adapter is None:
        # A host this app does not serve (TRUSTED_HOSTS): no page of ours can be built
        # for it, and nobody who uses the service arrives this way.
        return "Bad request: unknown host\n", code
    shown = code if code in TITLES else 500
    body = render_template(
        "errors/error.html",
        title=TITLES[shown],
        explanation=explanation or EXPLANATIONS[shown],
    )
    return body, code


def _csrf_error(error: CSRFError) -> tuple[str, int]:
    return render_error(400, str(CSRF_EXPLANATION))


def _http_error(error: HTTPException) -> tuple[str, int]:
    return render_error(error.code or 500)


def _unexpected_error(error: Exception) -> tuple[str, int]:
    log.exception("unhandled error", exc_info=error)
    return render_error(InternalServerError.code)
