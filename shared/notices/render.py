"""Rendering a notice in its recipient's language, outside any Flask app (workers too).

Each kind is a template in templates/notices/<kind>.html that sets `subject`,
`paragraphs`, an optional `action` (a link) and `portal` (the short copy shown in the
portal). The same translated strings then fill the plain-text and the HTML email.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from typing import Any

from babel.support import Translations
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

from shared import PROJECT_ROOT
from shared.casetypes import load_case_types
from shared.casetypes.forms import form_case_types, form_for
from shared.config import load_settings
from shared.i18n import (
    DEFAULT_LOCALE,
    TRANSLATIONS_DIR,
    formatting_locale,
    locales_for,
    long_date,
    text_direction,
)
from shared.notices.kinds import NoticeKind

TEMPLATES_DIR = PROJECT_ROOT / "templates"


@dataclass(frozen=True)
class RenderedNotice:
    locale: str
    subject: str
    text: str
    html: str
    portal: str
    # For a kind residents can answer by email (with the message in the email): the line
    # above which their reply goes; the worker then signs a Reply-To address.
    reply_separator: str | None = None


def notice_locale(preferred: str | None) -> str:
    """The recipient's language if notices ship in it, else the default."""
    return preferred if preferred in locales_for("notices") else DEFAULT_LOCALE


def render_notice(kind: NoticeKind, locale: str, context: dict[str, Any]) -> RenderedNotice:
    locale = notice_locale(locale)
    env = _environment(locale)
    values = {**context, "case_type_label": _case_type_label(context.get("case_type"), locale)}
    module = env.get_template(f"notices/{kind.value}.html").make_module(values)
    # The kind's texts come out of an autoescaping template as HTML (Markup): the HTML part
    # uses them as they are; the plain-text part, the subject and the portal copy are not
    # HTML, so they get the text back ("O'Brien", not "O&#39;Brien").
    paragraphs = [_html(p) for p in getattr(module, "paragraphs", [])]
    action = getattr(module, "action", None)
    parts = {
        "subject": _plain(getattr(module, "subject", "")),
        "lang": locale.replace("_", "-"),
        "dir": text_direction(locale),
    }
    text_action = {"text": _plain(action["text"]), "url": action["url"]} if action else None
    # The message itself, as the writer's plain text (escaped by the HTML layout), and the
    # separator above it: only for a kind that carries a message to reply to.
    body = getattr(module, "message_body", None)
    body = str(body).strip() if body else None
    separator = _plain(getattr(module, "reply_separator", "")) if body else None
    replies = {"reply_separator": separator or None, "message_body": body}
    return RenderedNotice(
        locale=locale,
        subject=str(parts["subject"]),
        text=env.get_template("notices/_email.txt").render(
            {**parts, **replies}, paragraphs=[p.unescape() for p in paragraphs], action=text_action
        ),
        html=env.get_template("notices/_email.html").render(
            {**parts, **replies}, paragraphs=paragraphs, action=action
        ),
        portal=_plain(getattr(module, "portal", "")),
        reply_separator=separator or None,
    )


def _plain(value: object) -> str:
    """Text from an autoescaping template, as text."""
    return value.unescape().strip() if isinstance(value, Markup) else str(value).strip()


def _html(value: object) -> Markup:
    return value.strip() if isinstance(value, Markup) else escape(str(value).strip())


def warm_up() -> None:
    """Load every locale's catalog and compile every notice template once, in a worker's
    parent process, so each forked work horse starts with them instead of rebuilding."""
    for locale in locales_for("notices"):
        env = _environment(locale)
        for kind in NoticeKind:
            env.get_template(f"notices/{kind.value}.html")
        env.get_template("notices/_email.txt")
        env.get_template("notices/_email.html")


@cache
def _environment(locale: str) -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,  # a context value missing is an error, not a blank
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    translations = Translations.load(str(TRANSLATIONS_DIR), [locale])
    env.install_gettext_translations(translations, newstyle=True)  # type: ignore[attr-defined]
    written_as = formatting_locale(locale, load_settings().english_region)
    env.filters["long_date"] = lambda value: long_date(_as_date(value), written_as)
    return env


def _as_date(value: str | date | datetime) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(value[:10])


def _case_type_label(code: object, locale: str) -> str:
    """The case type's name for itself ("Complaint"), from its form's texts; the
    configured label ("Make a complaint") for a type with no form."""
    if isinstance(code, str) and code in form_case_types():
        name = form_for(code).text("request.name", locale)
        if name:
            return name
    for case_type in load_case_types():
        if case_type.code == code:
            return case_type.labels.get(locale) or case_type.labels.get(DEFAULT_LOCALE, "")
    return ""
