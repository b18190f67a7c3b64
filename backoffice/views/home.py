"""The back office's landing page: nothing but the service's name until staff sign in
(which comes with the casework issue); it shows nothing about the system behind it."""

from __future__ import annotations

from flask import Blueprint, render_template

blueprint = Blueprint("home", __name__)


@blueprint.get("/")
def index() -> str:
    return render_template("backoffice/home.html")
