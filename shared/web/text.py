"""Text from a request that no database can store, refused before it reaches one.

PostgreSQL refuses a NUL character in text outright (a DataError mid-transaction), and a
lone surrogate cannot be encoded at all. Nobody types either: they come from scripts. A
form field with its own check says so next to the field; this guard catches every other
place text arrives (ids in addresses, hidden fields, query parameters), so no view has to
remember it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from flask import Flask, abort, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from wtforms import Field, ValidationError
from wtforms.validators import StopValidation

from shared.web.errors import render_error

UNSTORABLE_EXPLANATION = _l(
    "What you sent contains a character we cannot accept. Go back, remove it and try again."
)
_UNSTORABLE = re.compile(r"[\x00\ud800-\udfff]")
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def is_storable(text: str) -> bool:
    return _UNSTORABLE.search(text) is None


def no_control_characters(_form: object, field: Field) -> None:
    """A form check: characters that cannot be shown are refused with a message."""
    if isinstance(field.data, str) and _CONTROL_CHARACTERS.search(field.data):
        raise ValidationError(
            _("Remove the characters that cannot be shown, such as control characters")
        )


# Characters that only change the direction of the text around them: "gnp.exe" after
# U+202E shows as "exe.png". They are taken out of every text answer (as from file names);
# joiners (U+200C, U+200D), which some scripts need, are kept.
_DIRECTION_CONTROLS = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
ONLY_DIRECTION_CONTROLS = _l(
    "Enter your answer using letters, numbers or punctuation. The characters you entered "
    "only change the direction of text"
)


def without_direction_controls(value: object) -> object:
    """A WTForms filter for every free-text field."""
    return _DIRECTION_CONTROLS.sub("", value) if isinstance(value, str) else value


def not_only_direction_controls(_form: object, field: Field) -> None:
    """Something was typed, but nothing is left once direction controls are taken out."""
    typed = "".join(part for part in (field.raw_data or []) if isinstance(part, str))
    if typed.strip() and not str(field.data or "").strip():
        raise StopValidation(str(ONLY_DIRECTION_CONTROLS))


TEXT_FILTERS = (without_direction_controls,)


def install(app: Flask) -> None:
    app.before_request(_refuse_unstorable_text)
    app.add_template_filter(left_to_right, "ltr")


def left_to_right(value: object) -> Markup:
    """A reference number, email address or phone number inside text that may run right
    to left: isolated as left-to-right and never broken inside, so "NXV5-YHZM-G" is not
    shown as "YHZM-G" / "NXV5-" on a narrow Arabic page."""
    return Markup('<bdi dir="ltr" class="caseway-ltr">{}</bdi>').format(value)


def _refuse_unstorable_text() -> tuple[str, int] | None:
    if not all(is_storable(value) for value in _strings(request.view_args or {})):
        abort(404)  # an id that cannot exist: answered like any other unknown one
    sent = [*request.args.items(multi=True)]
    if request.method == "POST":
        sent += request.form.items(multi=True)
    if all(is_storable(key) and is_storable(value) for key, value in sent):
        return None
    return render_error(400, str(UNSTORABLE_EXPLANATION))


def _strings(values: dict[str, object]) -> Iterable[str]:
    return (value for value in values.values() if isinstance(value, str))
