"""Who is signed in to the back office, and what each view lets them do.

Every view declares what it needs: `@requires(Permission.X)`, or `@open_to_anyone` for
the few pages a person needs before signing in. A view that declares nothing is refused
to everyone (and tests/security/test_permissions.py fails for it).
Views of the shared core (health, language, session) are declared in SHARED_VIEWS.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import Flask, abort, g, request, session
from flask_login import LoginManager, UserMixin, current_user
from werkzeug.wrappers import Response

from shared.models import StaffUser
from shared.permissions import Permission, may
from shared.services import staff_sessions
from shared.web import db_session, unit_of_work

View = TypeVar("View", bound=Callable[..., Any])
OPEN = "open to anyone"

# Views the shared core adds to every app, with why each is open.
SHARED_VIEWS = {
    "static": "stylesheets, scripts and images",
    "health.healthz": "states only, for monitors; versions only for administrators",
    "language.choose": "choosing the language of the sign-in page",
    "language.choose_and_store": "stores a signed-in resident's language; nothing for staff",
    "session.extend": "keeping a session alive; it extends only an existing one",
    "session.timed_out": "the page saying a session has timed out",
}

login_manager = LoginManager()


class SignedIn(UserMixin):
    """Flask-Login's view of a member of staff. Its id carries the session version, so
    "sign out everywhere", a new password or deactivation ends every session at once, and
    this session's own key, so signing out ends this one on the server."""

    def __init__(self, staff: StaffUser, key: str) -> None:
        self.staff = staff
        self.key = key

    def get_id(self) -> str:
        return f"{self.staff.id}:{self.staff.session_version}:{self.key}"


def init(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "sign_in.sign_in"
    login_manager.login_message = None  # the sign-in page says what to do
    login_manager.session_protection = None  # the session version does this job
    app.before_request(_deny_undeclared_views)

    @app.context_processor
    def _staff() -> dict[str, object]:
        return {
            "staff": current_staff(),
            "may": lambda name: may(current_staff(), Permission(name)),
        }


@login_manager.user_loader  # type: ignore[untyped-decorator]
def _load(user_id: str) -> SignedIn | None:
    staff_id, version, key = (user_id.split(":", 2) + ["", ""])[:3]
    if not staff_id.isdigit() or not version.isdigit() or not key:
        return None  # also a cookie from before sessions were kept on the server
    found = staff_sessions.signed_in_staff(
        db_session(), staff_id=int(staff_id), version=int(version), key=key
    )
    return SignedIn(found, key) if found is not None else None


def acting_staff() -> StaffUser:
    """The signed-in person, in a view that @requires or is @signed_in."""
    staff = current_staff()
    if staff is None:
        abort(401)
    return staff


def current_staff() -> StaffUser | None:
    if "staff" not in g:
        g.staff = current_user.staff if current_user.is_authenticated else None
    found: StaffUser | None = g.staff
    return found


def requires(permission: Permission) -> Callable[[View], View]:
    """The view needs a signed-in member of staff holding `permission`; others who are
    signed in get 403, and anyone else is sent to sign in first."""

    def decorate(view: View) -> View:
        @wraps(view)
        def checked(*args: Any, **kwargs: Any) -> Any:
            staff = current_staff()
            if staff is None:
                return login_manager.unauthorized()
            if not may(staff, permission):
                abort(403)
            return view(*args, **kwargs)

        checked.permission = permission  # type: ignore[attr-defined]
        return checked  # type: ignore[return-value]

    return decorate


def signed_in(view: View) -> View:
    """Any signed-in member of staff (their own account, signing out)."""

    @wraps(view)
    def checked(*args: Any, **kwargs: Any) -> Any:
        if current_staff() is None:
            return login_manager.unauthorized()
        return view(*args, **kwargs)

    checked.permission = "signed in"  # type: ignore[attr-defined]
    return checked  # type: ignore[return-value]


def open_to_anyone(view: View) -> View:
    view.permission = OPEN  # type: ignore[attr-defined]
    return view


def declared_permission(app: Flask, endpoint: str) -> object | None:
    if endpoint in SHARED_VIEWS:
        return OPEN
    return getattr(app.view_functions.get(endpoint), "permission", None)


def _deny_undeclared_views() -> Response | None:
    from flask import current_app

    if request.endpoint is None:  # not found: the 404 page
        return None
    if declared_permission(current_app, request.endpoint) is None:
        abort(403)
    return None


def start_session(staff: StaffUser) -> None:
    """A new session for this person: nothing from before signing in is carried over
    (no fixation), except the language they chose."""
    from flask_login import login_user

    with unit_of_work() as db:
        key = staff_sessions.begin(db, staff=staff)
    _clear_session_keeping_language()
    login_user(SignedIn(staff, key))


def end_session() -> None:
    """Sign out: this session ends on the server as well as in the browser, so a copy of
    its cookie opens nothing afterwards."""
    from flask_login import logout_user

    if current_user.is_authenticated:
        with unit_of_work() as db:
            staff_sessions.end(db, staff=current_user.staff, key=current_user.key)
    logout_user()
    _clear_session_keeping_language()


def _clear_session_keeping_language() -> None:
    locale = session.get("locale")
    session.clear()
    if locale:
        session["locale"] = locale
