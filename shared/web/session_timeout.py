"""Session timeouts people are warned about and can extend (WCAG 2.2.1 Timing Adjustable).

Sessions last `session_timeout_seconds` from the last request. Pages with a form carry a
warning dialog (templates/components/session_timeout.html) that JavaScript opens before
the end; "Continue" posts here to extend. Without JavaScript nothing warns, and a form sent
after the timeout gets the "your session may have timed out" page instead of a failure.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, Flask, Response, render_template, request, session
from flask.sessions import SecureCookieSessionInterface, SessionMixin

blueprint = Blueprint("session", __name__, url_prefix="/session")
WARNING_SECONDS = 120


class _PagesRefreshSessions(SecureCookieSessionInterface):
    """Refreshing the cookie on every request also means on every stylesheet and icon,
    which a browser fetches alongside the next page: one that set out before a sign-in
    and came back after it would put the old cookie back and sign the person out again."""

    def should_set_cookie(self, app: Flask, session: SessionMixin) -> bool:
        if request.endpoint == "static":
            return False
        return super().should_set_cookie(app, session)


def configure(app: Flask, timeout_seconds: int) -> None:
    app.session_interface = _PagesRefreshSessions()
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(seconds=timeout_seconds)
    app.config["SESSION_REFRESH_EACH_REQUEST"] = True

    @app.before_request
    def _sessions_expire_after_inactivity() -> None:
        session.permanent = True

    @app.context_processor
    def _timeout_settings() -> dict[str, object]:
        return {
            "session_timeout_seconds": timeout_seconds,
            # Warn two minutes ahead, or a third of the way from the end of a short session.
            "session_warning_seconds": min(WARNING_SECONDS, timeout_seconds // 3),
        }

    app.register_blueprint(blueprint)


@blueprint.post("/extend")
def extend() -> Response:
    session.modified = True  # sends a fresh cookie, so the lifetime starts again
    return Response(status=204)


@blueprint.get("/timed-out")
def timed_out() -> str:
    return render_template("session_timed_out.html")
