"""Locales Caseway ships, how a request's locale is chosen, and text direction."""

from __future__ import annotations

from functools import cache

from babel import Locale
from flask import current_app, request

DEFAULT_LOCALE = "en"
# A new locale is a catalog under translations/ and one entry here.
SHIPPED_LOCALES: tuple[str, ...] = ("en",)


def select_locale() -> str:
    """Flask-Babel's selector: the browser's preference among the shipped locales."""
    shipped = current_app.config.get("CASEWAY_LOCALES", SHIPPED_LOCALES)
    return request.accept_languages.best_match(shipped) or DEFAULT_LOCALE


@cache
def text_direction(locale: str) -> str:
    """ "rtl" for right-to-left scripts (Arabic, Hebrew, ...), else "ltr"."""
    return "rtl" if Locale.parse(locale).character_order == "right-to-left" else "ltr"


@cache
def autonym(locale: str) -> str:
    """The language's name in itself, as a language switcher shows it."""
    name = Locale.parse(locale).get_display_name(locale) or locale
    return name[:1].upper() + name[1:]
