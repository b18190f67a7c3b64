"""Dates on pages, in one style per page and the page's language; English in the way the
configured region writes it (CASEWAY_ENGLISH_REGION, default GB: "3 November 2025")."""

from __future__ import annotations

from datetime import date, datetime

from flask import Flask
from flask_babel import get_locale

from shared.i18n import DEFAULT_LOCALE, formatting_locale, long_date, long_date_time


def install(app: Flask, english_region: str) -> None:
    def page_locale() -> str:
        return formatting_locale(str(get_locale() or DEFAULT_LOCALE), english_region)

    def date_filter(value: date | datetime, _style: str = "long") -> str:
        # Every page writes dates long ("3 November 2025"): short forms such as 03/11/2025
        # read differently across the world, and one page should not mix the two.
        return long_date(value, page_locale())

    def date_time_filter(value: datetime, _style: str = "long") -> str:
        return long_date_time(value, page_locale())

    app.jinja_env.filters["dateformat"] = date_filter
    app.jinja_env.filters["datetimeformat"] = date_time_filter
    app.jinja_env.globals["page_date"] = date_filter
