"""A form's answers as the resident reads them back: one row per question, in the
order the form asked, in the resident's language. Check your answers, the case page's
"What you told us" and the PDF copy all show these same rows, so they never disagree."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from shared.casetypes.forms import Field, FormDefinition

LEFT_TO_RIGHT_TYPES = frozenset({"email", "phone"})


@dataclass(frozen=True)
class AnswerRow:
    question: str
    page_slug: str
    label: str
    lines: tuple[str, ...]  # empty: the question was not answered
    # An email address or phone number: kept left to right inside right-to-left text.
    left_to_right: bool = False


def answer_rows(
    definition: FormDefinition,
    answers: Mapping[str, Any],
    *,
    locale: str,
    file_names: Mapping[str, str],
    date_text: Callable[[date], str],
) -> list[AnswerRow]:
    """Every question on the pages these answers showed, with its answer as text.

    `file_names` maps a document's public id to its file name; a file removed since is
    left out rather than named by its id.
    """
    return [
        AnswerRow(
            question=question.name,
            page_slug=page.slug,
            label=definition.text(f"{question.name}.label", locale),
            lines=_lines(
                definition,
                question,
                answers.get(question.name),
                locale=locale,
                file_names=file_names,
                date_text=date_text,
            ),
            left_to_right=question.type in LEFT_TO_RIGHT_TYPES,
        )  # fmt: skip
        for page in definition.visible_pages(dict(answers))
        for question in page.fields
    ]


def _lines(
    definition: FormDefinition,
    question: Field,
    answer: Any,
    *,
    locale: str,
    file_names: Mapping[str, str],
    date_text: Callable[[date], str],
) -> tuple[str, ...]:
    if answer in (None, "", [], {}):
        return ()
    if question.type in ("choice", "yes_no"):
        return (definition.text(f"{question.name}.option.{answer}", locale),)
    if question.type == "multi_choice":
        return tuple(definition.text(f"{question.name}.option.{item}", locale) for item in answer)
    if question.type == "file":
        return tuple(file_names[item] for item in answer if item in file_names)
    if question.type == "date":
        try:
            return (date_text(date.fromisoformat(str(answer))),)
        except ValueError:  # kept as typed by an older form version
            return (str(answer),)
    if question.type == "address":
        return tuple(str(part) for part in answer.values() if part)
    return (str(answer),)
