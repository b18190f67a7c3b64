"""The back office's first page once signed in: who you are, what your roles let you do,
and "sign out everywhere"."""

from __future__ import annotations

from flask import Blueprint, render_template

from backoffice.auth import acting_staff, signed_in
from shared.permissions import permissions_of

blueprint = Blueprint("home", __name__)


@blueprint.get("/")
@signed_in
def index() -> str:
    return render_template("backoffice/home.html", permissions=permissions_of(acting_staff()))
