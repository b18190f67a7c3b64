"""Reply templates: texts staff start a message from, kept by administrators per language.

A template is a `code` with one text (title and body) in each language it has been
written in; staff are offered each code once, in the resident's language when it has
text there, else in English (DEFAULT_LOCALE).

Placeholders are `{reference}`, `{due_date}` and `{name}`. Saving refuses any other name
in braces, and any brace that is not part of a placeholder ("stray_brace": there is no
escape such as `{{`, a reply letter has no use for braces and a stray one is almost
always a mistyped placeholder), so filling never fails and never shows a half-placeholder.

Filling is one pass over the template's text: a value is never searched for placeholders
itself (a resident called "{reference}" stays so). A case with no due date yet keeps the
`{due_date}` placeholder as typed, for the caseworker to see and replace when editing,
rather than a blank in the middle of a sentence.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from babel.dates import format_date
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shared.config import load_settings
from shared.i18n import DEFAULT_LOCALE, formatting_locale, locales_for
from shared.models import Case, ReplyTemplate, StaffUser
from shared.services import audit, sla

PLACEHOLDERS = ("reference", "due_date", "name")
TITLE_MAX_LENGTH = 120  # the column's
# The same limit as a message body (shared/services/messages.py BODY_MAX_LENGTH): a
# template longer than a message could never be sent.
BODY_MAX_LENGTH = 5000
CODE_MAX_LENGTH = 60
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


class ReplyTemplateRefused(Exception):
    """A template text that cannot be saved or removed; `reason` says why.

    no_title, title_too_long, title_braces, empty, too_long, unknown_placeholder
    (`placeholders` names them), stray_brace, unknown_locale, stale, not_found
    """

    def __init__(self, reason: str, *, placeholders: tuple[str, ...] = ()) -> None:
        super().__init__(reason, *placeholders)
        self.reason = reason
        self.placeholders = placeholders


@dataclass
class TemplateGroup:
    """One code with its texts, for the administrators' list."""

    code: str
    texts: dict[str, ReplyTemplate] = field(default_factory=dict)

    @property
    def title(self) -> str:
        """The English title, else the first language's."""
        chosen = self.texts.get(DEFAULT_LOCALE) or next(iter(self.texts.values()))
        return chosen.title

    @property
    def present(self) -> list[str]:
        return [loc for loc in template_locales() if loc in self.texts]

    @property
    def missing(self) -> list[str]:
        return [loc for loc in template_locales() if loc not in self.texts]


def template_locales() -> tuple[str, ...]:
    """The languages a template may be written in: those the portal offers residents."""
    return locales_for("portal")


def templates_in(session: Session, *, locale: str) -> list[ReplyTemplate]:
    """One text per code: the locale's, else the English one (codes with neither are
    left out), ordered by title."""
    rows = session.scalars(
        select(ReplyTemplate).where(ReplyTemplate.locale.in_({locale, DEFAULT_LOCALE}))
    )
    chosen: dict[str, ReplyTemplate] = {}
    for row in rows:
        if row.code not in chosen or row.locale == locale:
            chosen[row.code] = row
    return sorted(chosen.values(), key=lambda t: (t.title.casefold(), t.code))


def fill(template: ReplyTemplate, *, case: Case, locale: str) -> str:
    """The template's body with the case's values in place of its placeholders.

    The due date is written in the template's own language (the language of the sentence
    it sits in: an English fallback for a French resident reads "3 March 2027"), which is
    `locale` whenever the template has text there."""
    written_in = template.locale or locale
    values = {"reference": case.reference, "name": case.applicant.display_name}
    if case.due_at is not None:
        date_locale = formatting_locale(written_in, load_settings().english_region)
        values["due_date"] = format_date(sla.service_date(case.due_at), "long", locale=date_locale)

    def replace(match: re.Match[str]) -> str:
        return values.get(match.group(1), match.group(0))

    return _PLACEHOLDER.sub(replace, template.body)


def check_text(*, title: str, body: str) -> tuple[str, str]:
    """The title and body as they would be saved (trimmed), or ReplyTemplateRefused."""
    title, body = title.strip(), body.strip()
    if not title:
        raise ReplyTemplateRefused("no_title")
    if len(title) > TITLE_MAX_LENGTH:
        raise ReplyTemplateRefused("title_too_long")
    if not body:
        raise ReplyTemplateRefused("empty")
    if len(body) > BODY_MAX_LENGTH:
        raise ReplyTemplateRefused("too_long")
    if "{" in title or "}" in title:  # the title only names the template: nothing fills it
        raise ReplyTemplateRefused("title_braces")
    unknown = tuple(dict.fromkeys(
        name for name in _PLACEHOLDER.findall(body) if name not in PLACEHOLDERS
    ))  # fmt: skip
    if unknown:
        raise ReplyTemplateRefused("unknown_placeholder", placeholders=unknown)
    outside = _PLACEHOLDER.sub("", body)
    if "{" in outside or "}" in outside:
        raise ReplyTemplateRefused("stray_brace")
    return title, body


def find(session: Session, *, code: str, locale: str) -> ReplyTemplate | None:
    return session.scalar(
        select(ReplyTemplate).where(ReplyTemplate.code == code, ReplyTemplate.locale == locale)
    )


def save_template(
    session: Session,
    *,
    code: str,
    locale: str,
    title: str,
    body: str,
    actor: StaffUser,
    expected_updated_at: str | None = None,
) -> ReplyTemplate:
    """Create or change one language's text of a template.

    `expected_updated_at` is the version the administrator edited (its `updated_at` in ISO
    form), or "" when they were writing a text that did not exist yet: a text changed,
    created or removed by someone else since is refused as "stale" rather than
    overwritten. None skips the check (scripts, seeding)."""
    if locale not in template_locales():
        raise ReplyTemplateRefused("unknown_locale")
    title, body = check_text(title=title, body=body)
    existing = session.scalar(
        select(ReplyTemplate)
        .where(ReplyTemplate.code == code, ReplyTemplate.locale == locale)
        .with_for_update()
    )
    if expected_updated_at is not None:
        current = existing.updated_at.isoformat() if existing is not None else ""
        if current != expected_updated_at:
            raise ReplyTemplateRefused("stale")
    before = snapshot(existing) if existing is not None else None
    if existing is None:
        existing = ReplyTemplate(code=code, locale=locale, title=title, body=body,
                                 updated_by_staff_id=actor.id)  # fmt: skip
        try:
            with session.begin_nested():  # two people writing the same new text at once
                session.add(existing)
                session.flush()
        except IntegrityError:
            raise ReplyTemplateRefused("stale") from None
        action = "reply_template.added"
    else:
        existing.title, existing.body, existing.updated_by_staff_id = title, body, actor.id
        action = "reply_template.changed"
        session.flush()
    audit.record(session, actor=actor, action=action, object_kind="reply_template",
                 object_id=_object_id(code, locale),
                 details={"before": before, "after": snapshot(existing)})  # fmt: skip
    return existing


def add_template(
    session: Session, *, locale: str, title: str, body: str, actor: StaffUser
) -> ReplyTemplate:
    """A new template with its first language's text; its code is made from the title
    (ASCII, lower case, hyphens), made unique with a number when taken."""
    title, body = check_text(title=title, body=body)
    return save_template(session, code=new_code(session, title), locale=locale, title=title,
                         body=body, actor=actor, expected_updated_at="")  # fmt: skip


def new_code(session: Session, title: str) -> str:
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    base = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")[: CODE_MAX_LENGTH - 4]
    base = base.strip("-") or "template"  # a title in a non-Latin script
    taken = set(session.scalars(
        select(ReplyTemplate.code).where(ReplyTemplate.code.startswith(base))
    ))  # fmt: skip
    code, number = base, 1
    while code in taken:
        number += 1
        code = f"{base}-{number}"
    return code


def remove_template(session: Session, *, code: str, locale: str, actor: StaffUser) -> None:
    """Delete one language's text (the template's other languages stay)."""
    existing = session.scalar(
        select(ReplyTemplate)
        .where(ReplyTemplate.code == code, ReplyTemplate.locale == locale)
        .with_for_update()
    )
    if existing is None:
        raise ReplyTemplateRefused("not_found")
    before = snapshot(existing)
    session.delete(existing)
    session.flush()
    audit.record(session, actor=actor, action="reply_template.removed",
                 object_kind="reply_template", object_id=_object_id(code, locale),
                 details={"before": before, "after": None})  # fmt: skip


def all_templates(session: Session) -> list[TemplateGroup]:
    """Every code with its texts, ordered by title."""
    groups: dict[str, TemplateGroup] = {}
    for row in session.scalars(select(ReplyTemplate).order_by(ReplyTemplate.code)):
        groups.setdefault(row.code, TemplateGroup(row.code)).texts[row.locale] = row
    return sorted(groups.values(), key=lambda g: (g.title.casefold(), g.code))


def texts_of(session: Session, *, code: str) -> TemplateGroup | None:
    """One code with its texts; None when it has none."""
    rows = list(session.scalars(select(ReplyTemplate).where(ReplyTemplate.code == code)))
    if not rows:
        return None
    return TemplateGroup(code, {row.locale: row for row in rows})


def snapshot(template: ReplyTemplate) -> dict[str, Any]:
    return {"code": template.code, "locale": template.locale, "title": template.title,
            "body": template.body}  # fmt: skip


def _object_id(code: str, locale: str) -> str:
    # Code and locale, not the row id: a text removed and written again keeps one history.
    return f"{code}/{locale}"
