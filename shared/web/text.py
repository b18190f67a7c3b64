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
from wtforms import Field, ValidationError

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


def install(app: Flask) -> None:
    app.before_request(_refuse_unstorable_text)


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
