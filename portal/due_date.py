"""The resident's explanation of their case's date, in plain language and their language:
"We aim to decide by 14 March 2027: 20 working days from 12 February 2027, not counting
5 working days while we waited for information from you and the bank holiday on
3 March 2027."

Built from whole-sentence messages (ngettext where a number decides the words), with
dates in the page's style and lists joined the way the language joins them (Babel), so a
translator sees every sentence whole.
"""

from __future__ import annotations

import re

from babel.lists import format_list
from flask import current_app
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _

from shared.i18n import DEFAULT_LOCALE, formatting_locale
from shared.models import Case
from shared.services import sla
from shared.web import db_session
from shared.web.dates import page_date


def due_date_explanation(case: Case) -> list[str]:
    """The sentences explaining the date (none when the case has no SLA date to explain,
    or has been decided, closed or withdrawn)."""
    explained = sla.explain(db_session(), case=case)
    if explained is None or case.closed_at is not None or case.state == "decided":
        return []
    main = ngettext(
        "We aim to decide by %(due)s: %(num)d working day from %(start)s",
        "We aim to decide by %(due)s: %(num)d working days from %(start)s",
        explained.working_days + explained.extended,
        due=page_date(explained.due),
        start=page_date(explained.submitted),
    )
    not_counted = []
    if explained.paused:
        not_counted.append(ngettext(
            "%(num)d working day while we waited for information from you",
            "%(num)d working days while we waited for information from you",
            explained.paused,
        ))  # fmt: skip
    if explained.bank_holidays:
        not_counted.append(ngettext(
            "the bank holiday on %(dates)s",
            "the bank holidays on %(dates)s",
            len(explained.bank_holidays),
            dates=_joined([page_date(day) for day in explained.bank_holidays]),
        ))  # fmt: skip
    if explained.closures:
        not_counted.append(ngettext(
            "the day our offices were closed, %(dates)s",
            "the days our offices were closed, %(dates)s",
            len(explained.closures),
            dates=_joined([page_date(day) for day in explained.closures]),
        ))  # fmt: skip
    if not_counted:
        sentences = [_("%(aim)s, not counting %(not_counted)s.", aim=main,
                       not_counted=_joined(not_counted))]  # fmt: skip
    else:
        sentences = [_("%(aim)s.", aim=main)]
    if explained.extended:
        sentences.append(ngettext(
            "This includes %(num)d extra working day we needed to decide.",
            "This includes %(num)d extra working days we needed to decide.",
            explained.extended,
        ))  # fmt: skip
    if explained.clock_stopped_since:
        sentences.append(_(
            "While we wait for information from you, the date moves on by each working day "
            "we wait."
        ))  # fmt: skip
    return sentences


def _joined(items: list[str]) -> str:
    region: str = current_app.extensions["caseway"].settings.english_region
    locale = formatting_locale(str(get_locale() or DEFAULT_LOCALE), region)
    joined = str(format_list(items, locale=locale))
    return _welsh_and(joined) if locale == "cy" else joined


def _welsh_and(joined: str) -> str:
    """CLDR's Welsh list joins with a literal "a(c)", leaving the choice to the reader:
    "a'r" before the article, "ac" before a vowel, "a" otherwise (digits included)."""

    def choose(match: re.Match[str]) -> str:
        following = match.group(1)
        if following in ("yr ", "y "):
            return "a'r "
        if following[0].lower() in "aeiouwyâêîôûŵŷ":
            return "ac " + following
        return "a " + following

    return re.sub(r"a\(c\) (yr |y |.)", choose, joined)
