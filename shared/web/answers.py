"""A resident's answers read back in the page's language: on check your answers, on the
case page ("What you told us") and in the PDF copy of the case."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from flask_babel import get_locale

from shared.casetypes.answers import AnswerRow, answer_rows
from shared.casetypes.forms import FormDefinition
from shared.models import Document
from shared.web.dates import page_date


def read_back(
    definition: FormDefinition, answers: Mapping[str, Any], documents: Iterable[Document]
) -> list[AnswerRow]:
    return answer_rows(
        definition, answers, locale=str(get_locale() or "en"),
        file_names={document.public_id: document.original_filename for document in documents},
        date_text=page_date,
    )  # fmt: skip
