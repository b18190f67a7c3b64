"""The portal's start page."""

from __future__ import annotations

from flask import Blueprint, render_template

blueprint = Blueprint("home", __name__)


@blueprint.get("/")
def index() -> str:
    return render_template("portal/home.html")
