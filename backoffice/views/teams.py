"""A supervisor's page of their team: caseload per person, overdue, due this week, the
oldest unassigned cases, and the success measures over a period they choose."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import format_decimal, format_percent
from werkzeug.wrappers import Response

from backoffice.auth import acting_staff, requires
from backoffice.forms.team import PeriodForm
from shared import access
from shared.permissions import Permission
from shared.services import team as team_service
from shared.web import db_session

blueprint = Blueprint("teams", __name__, url_prefix="/teams")


@blueprint.get("")
@requires(Permission.SEE_TEAMS)
def index() -> str | Response:
    teams = team_service.teams_visible_to(db_session(), staff=acting_staff())
    if len(teams) == 1:
        return redirect(url_for(".team", key=teams[0].code))
    return render_template("backoffice/teams/index.html", teams=teams)


@blueprint.get("/<key>")
@requires(Permission.SEE_TEAMS)
def team(key: str) -> str:
    try:
        found = team_service.team_for(db_session(), staff=acting_staff(), key=key)
    except access.NotFound:
        abort(404)
    form = PeriodForm(request.args)
    # Dates that are not real, in the future or the wrong way round: said on the page,
    # with what was typed, and no measures until they are put right.
    period = form.period() if form.validate() else None
    overview = team_service.team_overview(db_session(), team=found, period=period)
    return render_template(
        "backoffice/teams/team.html",
        overview=overview,
        form=form,
        format_decimal=format_decimal,
        format_percent=format_percent,
    )
