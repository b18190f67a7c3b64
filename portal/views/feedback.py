"""Feedback on the service itself, from the Beta banner's link."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_babel import get_locale
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from portal.forms import FeedbackForm
from portal.limits import PER_CLIENT_FEEDBACK, limiter
from shared.models import Satisfaction
from shared.services import feedback
from shared.web import redirects, unit_of_work

blueprint = Blueprint("feedback", __name__)


@blueprint.route("/feedback", methods=["GET", "POST"])
@limiter.limit(PER_CLIENT_FEEDBACK, methods=["POST"])
def give() -> str | Response:
    form = FeedbackForm()
    if not form.is_submitted():
        form.came_from.data = request.args.get("page", "")
    if form.validate_on_submit():
        with unit_of_work() as db:
            feedback.record_feedback(
                db,
                satisfaction=Satisfaction(form.satisfaction.data),
                improvement=form.improvement.data or "",
                locale=str(get_locale() or "en"),
                from_page=_page_of_ours(form.came_from.data),
            )
        return redirect(url_for(".thanks"))
    return render_template("portal/feedback/give.html", form=form)


@blueprint.get("/feedback/thank-you")
def thanks() -> str:
    return render_template("portal/feedback/thanks.html")


def _page_of_ours(path: str | None) -> str | None:
    """Which page the feedback is about, as its route ("/cases/<reference>"): the
    feedback stays anonymous even when the address held a case's reference."""
    safe = redirects.safe_return_path(path, "")
    if not safe:
        return None
    urls = current_app.url_map.bind("localhost")
    try:
        rule, _arguments = urls.match(urlsplit(safe).path, method="GET", return_rule=True)
    except HTTPException:
        return None
    return str(rule.rule)
