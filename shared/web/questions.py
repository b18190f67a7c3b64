"""WTForms forms built from a case type's form definition: a page at a time on the
portal, several pages on one form for a clerk recording a case (assisted intake), with
the same fields and checks either way.

Each field type maps to a GOV.UK component through govuk-frontend-wtf widgets; labels,
hints and "not answered" messages come from the definition's texts in the page's
language, and the format messages from the catalogs.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    EmailField,
    Field,
    HiddenField,
    RadioField,
    SelectMultipleField,
    StringField,
    TelField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    Email,
    InputRequired,
    Length,
    Optional,
    Regexp,
    ValidationError,
)

from shared.casetypes import forms
from shared.casetypes.forms import ADDRESS_PARTS, FormDefinition, Page
from shared.web import widgets
from shared.web.text import (
    TEXT_FILTERS,
    no_control_characters,
    not_only_direction_controls,
)

PHONE = re.compile(r"^\+?[0-9 ()\-]{7,20}$")
ADDRESS_LABELS = {
    "line_1": _l("Address line 1"),
    "line_2": _l("Address line 2 (optional)"),
    "town": _l("Town or city"),
    "postcode": _l("Postcode (optional)"),
}
ADDRESS_MISSING = {
    "line_1": _l("Enter address line 1, typically the building and street"),
    "town": _l("Enter town or city"),
}


class QuestionPage(FlaskForm):  # type: ignore[misc]  # Flask-WTF is untyped
    # The version the page was drawn from: a stale or tampered page is noticed on submit.
    form_version = HiddenField()


def past_date(_form: FlaskForm, field: Field) -> None:
    if field.data is not None and field.data >= date.today():
        raise ValidationError(_("The date must be in the past"))


class RealDateField(DateField):  # type: ignore[misc]  # WTForms is untyped
    """Day, month and year in three boxes; "31 2 2026" is refused as not a real date, with
    the same example date as the question's hint."""

    def __init__(self, *args: Any, example: str | Callable[[], str] = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.example = example or "27 3 2026"  # a function: an example made when it is shown

    def process_formdata(self, valuelist: list[Any]) -> None:
        if not valuelist or not any(part.strip() for part in valuelist):
            self.data = None
            return
        try:
            day, month, year = (_date_part(part) for part in valuelist)
            self.data = date(year, month, day)
        except (ValueError, TypeError, OverflowError):
            self.data = None
            raise ValueError(
                _(
                    "Enter a real date, like %(example)s",
                    example=self.example() if callable(self.example) else self.example,
                )  # fmt: skip
            ) from None


def _date_part(typed: str) -> int:
    """A day, month or year as a number, bounded before conversion: "1e30" or twenty
    digits is not a date, and must not reach date() as a number it cannot hold."""
    part = typed.strip()
    if not part.isdecimal() or len(part) > 4:
        raise ValueError(typed)
    return int(part)


def page_form(definition: FormDefinition, page: Page, locale: str) -> type[QuestionPage]:
    return questions_form(definition, [page], locale, name=f"Page_{page.slug.replace('-', '_')}")


def questions_form(
    definition: FormDefinition,
    pages: Iterable[Page],
    locale: str,
    *,
    name: str,
    optional: Collection[str] = (),
    base: type[QuestionPage] = QuestionPage,
) -> type[QuestionPage]:
    """One form asking the questions of `pages`; those named in `optional` may be left
    unanswered (a resident recorded by a clerk need not have an email address)."""
    attributes: dict[str, Any] = {}
    for page in pages:
        for question in page.fields:
            if question.name in optional:
                question = replace(question, required=False)
            attributes.update(_fields_for(definition, question, locale))
    return type(name, (base,), attributes)


@dataclass(frozen=True)
class _Question:
    """A definition field with its texts in the page's language, and its common checks."""

    field: forms.Field
    label: str
    hint: str  # "" when there is none: None would be printed as the hint itself
    required_message: str
    checks: list[Any]


def _fields_for(definition: FormDefinition, question: forms.Field, locale: str) -> dict[str, Field]:
    def text(suffix: str) -> str:
        return definition.text(f"{question.name}.{suffix}", locale)

    needed = InputRequired(text("required")) if question.required else Optional()
    checks: list[Any] = [needed, not_only_direction_controls, no_control_characters]
    if question.max_length:
        checks.append(_no_longer_than(question.max_length))
    q = _Question(question, text("label"), text("hint"), text("required"), checks)
    if question.type == "address":
        return _address_fields(question)
    options = {v: text(f"option.{v}") or _yes_no(v) for v in question.options}
    return {question.name: _BUILDERS[question.type](q, options)}


def _text(q: _Question, _options: dict[str, str]) -> Field:
    return StringField(q.label, q.checks, description=q.hint, filters=TEXT_FILTERS,
                       widget=widgets.TextInput())  # fmt: skip


def _long_text(q: _Question, _options: dict[str, str]) -> Field:
    return TextAreaField(q.label, q.checks, description=q.hint, filters=TEXT_FILTERS,
                         widget=widgets.TextArea())  # fmt: skip


def _email(q: _Question, _options: dict[str, str]) -> Field:
    message = _("Enter an email address in the correct format, like name@example.com")
    checks = [*q.checks, Email(message, check_deliverability=False)]
    return EmailField(q.label, checks, description=q.hint, widget=widgets.TextInput(),
                      filters=TEXT_FILTERS,
                      render_kw={"autocomplete": "email", "spellcheck": "false"})  # fmt: skip


def _phone(q: _Question, _options: dict[str, str]) -> Field:
    message = _("Enter a phone number, like 01632 960 001 or +44 808 157 0192")
    checks = [*q.checks, Regexp(PHONE, message=message)]
    return TelField(q.label, checks, description=q.hint, widget=widgets.TextInput(),
                    filters=TEXT_FILTERS,
                    render_kw={"autocomplete": "tel"})  # fmt: skip


def _date(q: _Question, _options: dict[str, str]) -> Field:
    checks: list[Any] = [q.checks[0]]
    if q.field.past_only:
        checks.append(past_date)
    return RealDateField(q.label, checks, description=q.hint, widget=widgets.DateInput(),
                         example=q.field.example)  # fmt: skip


def _choice(q: _Question, options: dict[str, str]) -> Field:
    choices = [SelectChoice(value, label) for value, label in options.items()]
    return RadioField(q.label, [q.checks[0]], choices=choices, description=q.hint,
                      widget=widgets.RadioInput())  # fmt: skip


def _multi_choice(q: _Question, options: dict[str, str]) -> Field:
    choices = [SelectChoice(value, label) for value, label in options.items()]
    return SelectMultipleField(q.label, [q.checks[0]], choices=choices, description=q.hint,
                               widget=widgets.CheckboxesInput())  # fmt: skip


_BUILDERS = {
    "text": _text,
    "long_text": _long_text,
    "email": _email,
    "phone": _phone,
    "date": _date,
    "choice": _choice,
    "yes_no": _choice,
    "multi_choice": _multi_choice,
}


def _address_fields(question: forms.Field) -> dict[str, Field]:
    fields = {}
    for part in ADDRESS_PARTS:
        # GOV.UK address pattern: each missing part says which it is, once, at that field.
        needed = ADDRESS_MISSING.get(part) if question.required else None
        checks: list[Any] = [
            InputRequired(str(needed)) if needed else Optional(),
            not_only_direction_controls,
            no_control_characters,
            _no_longer_than(question.longest_answer(part)),
        ]
        fields[f"{question.name}_{part}"] = StringField(
            ADDRESS_LABELS[part], checks, filters=TEXT_FILTERS, widget=widgets.TextInput()
        )
    return fields


def _no_longer_than(limit: int | None) -> Length:
    return Length(max=limit or -1, message=_("Enter %(max)d characters or fewer", max=limit or 0))


def _yes_no(value: str) -> str:
    return str(_("Yes") if value == "yes" else _("No"))


def answers_from(form: QuestionPage, page: Page) -> dict[str, Any]:
    """The page's answers as stored on the draft: JSON values only."""
    answers: dict[str, Any] = {}
    for question in page.fields:
        if question.type == "address":
            answers[question.name] = {
                part: (getattr(form, f"{question.name}_{part}").data or "").strip()
                for part in ADDRESS_PARTS
            }
            continue
        value = getattr(form, question.name).data
        if isinstance(value, date):
            value = value.isoformat()
        elif isinstance(value, str):
            value = value.strip()
        answers[question.name] = value
    return answers


def form_data_from(answers: dict[str, Any], page: Page) -> dict[str, Any]:
    """What the draft holds, as the page's form expects it to be prefilled."""
    data: dict[str, Any] = {}
    for question in page.fields:
        value = answers.get(question.name)
        if question.type == "address":
            for part in ADDRESS_PARTS:
                data[f"{question.name}_{part}"] = (value or {}).get(part, "")
        elif question.type == "date" and value:
            data[question.name] = date.fromisoformat(value)
        else:
            data[question.name] = value
    return data
