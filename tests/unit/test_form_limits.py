"""Every answer that is kept in a column fits that column: a longer one would be accepted
on the page and then refused by PostgreSQL on sending, every time."""

from __future__ import annotations

import pytest
from sqlalchemy import String

from shared.casetypes.forms import form_case_types, form_for
from shared.models import Case, Draft, Party
from shared.services.filing import CONTACT_ANSWERS, PERSON_ANSWERS, summary_of


def column_length(column_name: str) -> int:
    column_type = Party.__table__.c[column_name].type
    assert isinstance(column_type, String)
    assert column_type.length is not None
    return int(column_type.length)


@pytest.mark.parametrize("case_type", sorted(form_case_types()))
def test_every_kept_answer_fits_its_column(case_type: str) -> None:
    definition = form_for(case_type)
    questions = {f.name: f for page in definition.pages for f in page.fields}
    for answer, column in {**CONTACT_ANSWERS, **PERSON_ANSWERS}.items():
        name, _dot, part = answer.partition(".")
        if name not in questions:
            continue
        longest = questions[name].longest_answer(part or None)
        assert longest is not None, f"{case_type}: {answer} has no length limit"
        assert longest <= column_length(column), (
            f"{case_type}: {answer} takes {longest} characters, party.{column} holds "
            f"{column_length(column)}"
        )


@pytest.mark.parametrize("case_type", sorted(form_case_types()))
def test_every_free_text_answer_has_a_limit(case_type: str) -> None:
    """Free text is kept on the draft and the case (JSON), and shown to staff: unbounded
    text would let one request store megabytes."""
    for page in form_for(case_type).pages:
        for question in page.fields:
            if question.type in ("text", "long_text", "email", "phone", "address"):
                assert question.longest_answer("town") is not None, question.name


def test_the_summary_fits_the_case() -> None:
    summary_type = Case.__table__.c["summary"].type
    assert isinstance(summary_type, String)
    definition = form_for("complaint")
    draft = Draft(answers={definition.summary_field: "x" * 5000})
    assert len(summary_of(definition, draft)) <= int(summary_type.length or 0)


def test_the_town_is_held_to_its_column() -> None:
    """The probe's case: 200 characters of town were accepted, then failed on PostgreSQL."""
    address = next(
        f for p in form_for("application").pages for f in p.fields if f.type == "address"
    )
    assert address.longest_answer("town") == column_length("address_town")


@pytest.mark.parametrize("case_type", sorted(form_case_types()))
def test_each_date_hint_shows_the_example_its_error_repeats(case_type: str) -> None:
    definition = form_for(case_type)
    for page in definition.pages:
        for question in page.fields:
            if question.type != "date":
                continue
            assert question.example, question.name
            for locale in definition.texts:
                hint = definition.text(f"{question.name}.hint", locale)
                assert question.example in hint, (case_type, question.name, locale)
