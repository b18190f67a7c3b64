"""Locales Caseway ships, how a request's locale is chosen, and text direction.

The shipped locales and, per app, the completeness each must reach are configuration
(translations/locales.toml): a new locale is a catalog and one line there.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache, lru_cache
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.dates import (
    format_date,
    format_datetime,
    get_date_format,
    get_datetime_format,
    get_time_format,
)

from shared import PROJECT_ROOT

DEFAULT_LOCALE = "en"
TRANSLATIONS_DIR = PROJECT_ROOT / "translations"
LOCALES_FILE = TRANSLATIONS_DIR / "locales.toml"
APPS = ("portal", "backoffice", "notices")
# Chinese written in these territories uses Traditional characters by default.
TRADITIONAL_CHINESE_TERRITORIES = frozenset({"TW", "HK", "MO"})


@dataclass(frozen=True)
class ShippedLocale:
    code: str
    thresholds: dict[str, int]  # app -> minimum percent translated

    @property
    def html_lang(self) -> str:
        return self.code.replace("_", "-")


@cache
def shipped_locales(path: Path = LOCALES_FILE) -> tuple[ShippedLocale, ...]:
    with path.open("rb") as config:
        table = tomllib.load(config)["locales"]
    return tuple(ShippedLocale(code, dict(apps)) for code, apps in table.items())


def locales_for(app: str) -> tuple[str, ...]:
    """The locales an app offers, the default first."""
    return tuple(loc.code for loc in shipped_locales() if app in loc.thresholds)


def negotiate(accepted: list[str], offered: tuple[str, ...]) -> str | None:
    """The first of the browser's languages (best first) that an offered locale serves."""
    for tag in accepted:
        try:
            wanted = Locale.parse(tag.replace("-", "_"))
        except (ValueError, UnknownLocaleError):
            continue
        for code in offered:
            if _serves(Locale.parse(code), wanted):
                return code
    return None


def _serves(offered: Locale, wanted: Locale) -> bool:
    if offered.language != wanted.language:
        return False
    if offered.language != "zh":
        return True
    script = wanted.script or (
        "Hant" if wanted.territory in TRADITIONAL_CHINESE_TERRITORIES else "Hans"
    )
    return (offered.script or "Hans") == script


@cache
def text_direction(locale: str) -> str:
    """ "rtl" for right-to-left scripts (Arabic, Hebrew, ...), else "ltr"."""
    return "rtl" if Locale.parse(locale).character_order == "right-to-left" else "ltr"


@cache
def autonym(locale: str) -> str:
    """The language's name in itself, as a language switcher shows it."""
    parsed = Locale.parse(locale)
    name = parsed.language_name or locale
    if parsed.script:  # "中文" alone does not say which script
        name = parsed.get_display_name(locale) or name
    return name[:1].upper() + name[1:]


def formatting_locale(locale: str, english_region: str) -> str:
    """The locale that formats dates and numbers: English is written the way its region
    writes it (en_GB: "3 November 2025", not the American "November 3, 2025")."""
    return f"en_{english_region}" if locale == DEFAULT_LOCALE else locale


def long_date(value: date | datetime, locale: str) -> str:
    # Babel formats a datetime by its date alone: one cached answer per day and locale
    # (a list of fifty cases asks for the same few days again and again).
    return _long_date(value.date() if isinstance(value, datetime) else value, locale)


@lru_cache(maxsize=8192)
def _long_date(day: date, locale: str) -> str:
    return format_date(day, "long", locale=locale)


def long_date_time(value: datetime, locale: str) -> str:
    """A date and time in one style with the page's dates ("29 November 2026, 19:25"),
    the way the locale joins a long date and a short time."""
    parsed = Locale.parse(locale)
    joined = str(get_datetime_format("long", locale=parsed))
    pattern = joined.replace("{1}", get_date_format("long", locale=parsed).pattern).replace(
        "{0}", get_time_format("short", locale=parsed).pattern
    )
    return format_datetime(value, pattern, tzinfo=UTC, locale=parsed)
