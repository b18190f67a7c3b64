"""A caseworker's "My work": their open cases by due date, a page at a time, and the
tasks given to them."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from backoffice.auth import acting_staff, requires
from backoffice.sections.workflow import status_text
from shared.permissions import Permission
from shared.services import my_work
from shared.web import db_session

blueprint = Blueprint("my_work", __name__)


@blueprint.get("/my-work")
@requires(Permission.WORK_CASES)
def index() -> str:
    # A cursor that is not one of ours (typed, truncated, stale) shows the first page.
    found = my_work.my_work(
        db_session(),
        staff=acting_staff(),
        after=my_work.Cursor.parse(request.args.get("after")),
        before=my_work.Cursor.parse(request.args.get("before")),
    )
    return render_template("backoffice/my_work/index.html", work=found, status_text=status_text)
