"""The staff back office: triage, routing, casework and decisions."""

from __future__ import annotations

from flask import Flask
from flask_babel import get_locale

from backoffice.sections.sla import FLAG_TAGS
from shared.casetypes.access import check_field_access
from shared.config import Settings
from shared.models import Case, RoleCode
from shared.services import filing
from shared.web import create_app


def case_summary(case: Case) -> str:
    """A case's one-line summary in the reader's language (shared/services/filing.py)."""
    return filing.summary_in(case, str(get_locale() or "en"))


def create_backoffice(settings: Settings | None = None) -> Flask:
    from backoffice import auth, limits, roles
    from backoffice.views import (
        assignment,
        cases,
        decisions,
        documents,
        home,
        intake,
        messages,
        my_work,
        parties,
        queue,
        reassignment,
        reply_templates,
        routing_rules,
        sensitive,
        sign_in,
        single_sign_on,
        sla,
        staff,
        tasks,
        teams,
        triage,
        two_factor,
    )

    app = create_app(
        __name__, app_name="backoffice", layout="backoffice/layout.html", settings=settings
    )
    # "/cases/0//notes" is no address of ours: a 404, not a redirect that merges the slashes
    # and sends a forged form on to another case's address.
    app.url_map.merge_slashes = False
    check_field_access()  # sensitive fields' limits: a mistake stops the app here
    auth.init(app)
    limits.init(app, app.extensions["caseway"].settings.redis_url)
    for view in (
        home,
        sign_in,
        single_sign_on,
        staff,
        cases,
        decisions,
        tasks,
        documents,
        intake,
        reassignment,
        parties,
        sensitive,
        queue,
        assignment,
        my_work,
        messages,
        teams,
        sla,
        triage,
        routing_rules,
        reply_templates,
        two_factor,
    ):
        app.register_blueprint(view.blueprint)
    app.add_template_global(roles.role_names)
    app.add_template_global(case_summary)
    app.jinja_env.globals["sla_flag_tags"] = FLAG_TAGS

    def _administrator_asks() -> bool:
        staff_member = auth.current_staff()
        return staff_member is not None and staff_member.has_role(RoleCode.ADMINISTRATOR)

    # /healthz gives states to anyone, and versions only to a signed-in administrator.
    app.config["CASEWAY_HEALTH_DETAILS_FOR"] = _administrator_asks
    return app
