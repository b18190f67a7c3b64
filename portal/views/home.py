"""The portal's start page."""

from __future__ import annotations

from flask import Blueprint, render_template

from shared.web import services

blueprint = Blueprint("home", __name__)


@blueprint.get("/")
def index() -> str:
    settings = services().settings
    return render_template(
        "portal/home.html",
        phone=settings.contact_phone,
        address=settings.contact_address,
        email=settings.contact_email,
    )
