"""Dates on pages, in one style per page and the page's language; English in the way the
configured region writes it (CASEWAY_ENGLISH_REGION, default GB: "3 November 2025")."""

from __future__ import annotations

from datetime import date, datetime

from flask import Flask, current_app
from flask_babel import get_locale

from shared.i18n import DEFAULT_LOCALE, formatting_locale, long_date, long_date_time


def page_date(value: date | datetime, _style: str = "long") -> str:
    # Every page writes dates long ("3 November 2025"): short forms such as 03/11/2025
    # read differently across the world, and one page should not mix the two.
    return long_date(value, _page_locale())


def page_date_time(value: datetime, _style: str = "long") -> str:
    return long_date_time(value, _page_locale())


def install(app: Flask) -> None:
    """Flask-Babel's `dateformat` and `datetimeformat` filters, replaced by these."""
    app.jinja_env.filters["dateformat"] = page_date
    app.jinja_env.filters["datetimeformat"] = page_date_time


def _page_locale() -> str:
    region: str = current_app.extensions["caseway"].settings.english_region
    return formatting_locale(str(get_locale() or DEFAULT_LOCALE), region)
