"""The accessibility statement public-sector websites must publish."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, render_template

from shared.web import services

blueprint = Blueprint("accessibility", __name__)

# The date the browser suite (axe-core on every page, keyboard, reflow, right-to-left) was
# last run in full against a release and the statement reviewed; update with each review.
LAST_TESTED = date(2026, 11, 25)


@blueprint.get("/accessibility")
def statement() -> str:
    settings = services().settings
    return render_template(
        "portal/accessibility.html",
        last_tested=LAST_TESTED,
        organisation=settings.organisation_name,
        contact_email=settings.contact_email,
    )
