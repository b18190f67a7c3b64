"""Masked answers on the "What they told us" section, and masked fields of the residents'
records on the triage page: for those who may reveal one, the form to reveal it with a
reason (backoffice/views/sensitive.py answers it)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from flask import request
from flask_babel import get_locale
from flask_wtf import FlaskForm

from backoffice.forms.sensitive import PARTY_FIELD_LABELS, RevealForm, reveal_form
from shared.casetypes.forms import form_for
from shared.models import Case, StaffUser
from shared.services import masking
from shared.web import db_session


def section(found: Case, staff: StaffUser, forms: Mapping[str, FlaskForm]) -> dict[str, object]:
    hidden = hidden_labels(found, staff)
    form = forms.get("reveal")
    if form is None and hidden and masking.may_reveal(staff):
        form = reveal_form(hidden, back_to=request.path)
    return {
        "hidden_answers": hidden,
        "revealed_answers": revealed_labels(found, staff),
        "reveal_form": form if masking.may_reveal(staff) else None,
        "reveal_minutes": masking.REVEAL_MINUTES,
        "page_forms": [form] if isinstance(form, RevealForm) else [],
    }


def hidden_labels(found: Case, staff: StaffUser) -> dict[str, str]:
    """The answers masked for this person that were answered: question -> its label."""
    definition = form_for(found.case_type.code)
    hidden = masking.hidden_questions(db_session(), staff=staff, case=found,
                                      definition=definition)  # fmt: skip
    locale = str(get_locale() or "en")
    return {
        name: definition.text(f"{name}.label", locale)
        for name in hidden
        if found.answers.get(name) not in (None, "", [], {})
    }


def revealed_labels(found: Case, staff: StaffUser) -> list[tuple[str, datetime]]:
    """The answers this person revealed, shown to them for now: (label, until when)."""
    definition = form_for(found.case_type.code)
    locale = str(get_locale() or "en")
    shown = masking.revealed_fields(db_session(), staff=staff, case=found)
    return [
        (definition.text(f"{name}.label", locale), until)
        for name, until in shown.items()
        if not name.startswith(masking.PARTY_FIELD_PREFIX)
    ]


def hidden_party_labels(found: Case, staff: StaffUser) -> dict[str, str]:
    """The fields of residents' records masked for this person on this case:
    party_field_key -> its label."""
    hidden = masking.hidden_party_fields(db_session(), staff=staff, case=found)
    return {masking.party_field_key(name): str(PARTY_FIELD_LABELS[name]) for name in hidden}


def particulars(
    found: Case, staff: StaffUser, forms: Mapping[str, FlaskForm], *, back_to: str
) -> dict[str, object]:
    """For a page showing residents' records (the triage page's possible duplicates, at
    `back_to`): their fields as this person sees them, those they revealed, and the form
    to reveal a masked one."""
    revealed = masking.revealed_fields(db_session(), staff=staff, case=found)
    hidden = hidden_party_labels(found, staff)
    form = forms.get("reveal")
    if form is None and hidden and masking.may_reveal(staff):
        form = reveal_form(hidden, back_to=back_to)
    prefix = masking.PARTY_FIELD_PREFIX
    return {
        # A record's field as this person sees it now: masked, unless they revealed it.
        "party_field": lambda party, name: masking.party_field(
            staff, found, party, name, revealed=revealed
        ),  # fmt: skip
        "revealed_particulars": [
            (str(PARTY_FIELD_LABELS[name.removeprefix(prefix)]), until)
            for name, until in revealed.items()
            if name.startswith(prefix) and name.removeprefix(prefix) in PARTY_FIELD_LABELS
        ],
        "reveal_form": form if masking.may_reveal(staff) and (hidden or form is not None) else None,
        "reveal_minutes": masking.REVEAL_MINUTES,
    }
