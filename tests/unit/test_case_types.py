"""Case types from configuration: the outcomes and reasons a decision may give."""

from __future__ import annotations

from pathlib import Path

import pytest

from shared.casetypes import CASE_TYPES_FILE, load_case_types
from shared.i18n import locales_for


def test_every_case_type_lists_outcomes_and_reasons_in_every_shipped_locale() -> None:
    for case_type in load_case_types():
        assert case_type.outcomes, case_type.code
        assert case_type.reasons, case_type.code
        assert case_type.categories, case_type.code  # triage files every case under one
        for words in (*case_type.outcomes.values(), *case_type.reasons.values(),
                      *case_type.categories.values()):  # fmt: skip
            assert set(locales_for("portal")) <= set(words), (case_type.code, words)


def test_words_fall_back_to_english_then_to_the_code() -> None:
    (application,) = (d for d in load_case_types() if d.code == "application")
    assert application.outcome_text("refused", "cy") == "Gwrthodwyd"
    assert application.outcome_text("refused", "xx") == "Refused"
    assert application.reason_text("no_such_reason", "en") == "no_such_reason"


def test_an_outcome_without_english_words_is_refused_at_load(tmp_path: Path) -> None:
    broken = tmp_path / "case_types.toml"
    broken.write_text(
        CASE_TYPES_FILE.read_text(encoding="utf-8").replace(
            'code = "refused"\nlabel.en = "Refused"', 'code = "refused"'
        ),
        encoding="utf-8",
    )
    with pytest.raises(ValueError, match="every outcome needs a code and label.en"):
        load_case_types(broken)
