"""Assisted intake's forms: how the case came in, then the case type's own questions
(shared.web.questions, the portal's fields and checks) on one page."""

from __future__ import annotations

from typing import Any, ClassVar

from babel import Locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired

from shared.casetypes.forms import ADDRESS_PARTS, Field, FormDefinition, Page
from shared.i18n import locales_for
from shared.models import CaseChannel
from shared.services import intake
from shared.web.questions import QuestionPage, answers_from, form_data_from, questions_form
from shared.web.widgets import RadioInput

CHANNEL_NAMES = {
    CaseChannel.PHONE: _l("Phone call"),
    CaseChannel.POST: _l("Post"),
    CaseChannel.IN_PERSON: _l("In person"),
}


class StartRecordingForm(FlaskForm):
    """The view gives the case types, in the clerk's language."""

    case_type = RadioField(
        _l("What is the case?"),
        validators=[InputRequired(_l("Select what the case is"))],
        widget=RadioInput(),
    )
    channel = RadioField(
        _l("How did it reach us?"),
        choices=[SelectChoice(channel.value, name) for channel, name in CHANNEL_NAMES.items()],
        validators=[InputRequired(_l("Select how the case reached us"))],
        widget=RadioInput(),
    )


class RecordedAnswers(QuestionPage):
    """The questions of every page of the case type's form that a clerk asks, on one
    page, and the language the resident wants us to write in. A question on a page the
    answers do not show (the portal would skip that page) is neither checked nor kept."""

    definition: ClassVar[FormDefinition]
    pages: ClassVar[tuple[Page, ...]] = ()
    language: RadioField

    def __init__(self, *args: Any, clerk_locale: str = "en", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.language.choices = [
            SelectChoice(code, language_name(code, clerk_locale)) for code in locales_for("notices")
        ]

    def validate(self, extra_validators: Any = None) -> bool:
        super().validate(extra_validators)
        shown = self.shown_pages()
        for page in self.pages:
            if page not in shown:
                for name in field_names(page):
                    self[name].errors = []
        self._errors = None  # WTForms caches the form's errors
        return not self.errors

    def shown_pages(self) -> list[Page]:
        typed: dict[str, Any] = {}
        for page in self.pages:
            typed.update(answers_from(self, page))
        return [page for page in self.pages if page.is_shown(typed)]

    def answers(self) -> dict[str, Any]:
        kept: dict[str, Any] = {}
        for page in self.shown_pages():
            kept.update(answers_from(self, page))
        return kept


def answers_form(definition: FormDefinition, locale: str) -> type[RecordedAnswers]:
    """The resident's questions, the language, then the case's: WTForms orders fields as
    they were made, and the error summary must list them in the page's order."""
    name = f"Recorded_{definition.case_type}"
    resident = questions_form(
        definition, intake.resident_pages(definition), locale, name=name,
        optional=intake.OPTIONAL_FOR_A_CLERK, base=RecordedAnswers,
    )  # fmt: skip
    with_language = type(name, (resident,), {"language": _language()})
    asked = questions_form(definition, intake.case_pages(definition), locale, name=name,
                           base=with_language)  # fmt: skip
    pages = tuple(intake.recorded_pages(definition))
    return type(name, (asked,), {"definition": definition, "pages": pages})


def _language() -> RadioField:
    return RadioField(
        _l("Which language should we write to them in?"),
        description=_l("Their acknowledgement, and every email about the case, will be in it."),
        validators=[InputRequired(_l("Select the language to write to them in"))],
        widget=RadioInput(),
    )


def prefilled(
    form_class: type[RecordedAnswers], answers: dict[str, Any], locale: str
) -> dict[str, Any]:
    """The form's fields as the draft holds them; the language only once answers were
    recorded, so a clerk always asks it."""
    data: dict[str, Any] = {}
    for page in form_class.pages:
        data.update(form_data_from(answers, page))
    if answers:
        data["language"] = locale
    return data


def field_names(page: Page) -> list[str]:
    names = []
    for question in page.fields:
        if question.type == "address":
            names += [f"{question.name}_{part}" for part in ADDRESS_PARTS]
        else:
            names.append(question.name)
    return names


def first_box(question: Field) -> str:
    """The id of the box a link to this question lands on (a date's day, an address's
    first line), as the error summary links them."""
    if question.type == "date":
        return f"{question.name}-day"
    if question.type == "address":
        return f"{question.name}_{ADDRESS_PARTS[0]}"
    return question.name


def language_name(code: str, clerk_locale: str) -> str:
    """The language's name in the clerk's language ("Welsh", "Chinese (Simplified)")."""
    name = Locale.parse(code).get_display_name(clerk_locale) or code
    return name[:1].upper() + name[1:]
