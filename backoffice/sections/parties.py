"""The parties of the case: the resident who made the request, then each other party as
a card, with "Remove" for those who work the case. They are added on a page of their
own (backoffice/views/parties.py)."""

from __future__ import annotations

from collections.abc import Mapping

from flask_wtf import FlaskForm

from backoffice.forms.parties import ROLE_NAMES
from shared.models import Case, StaffUser
from shared.services import case_parties
from shared.services.tasks import may_work_on
from shared.web import db_session


def section(found: Case, staff: StaffUser, forms: Mapping[str, FlaskForm]) -> dict[str, object]:
    listed = case_parties.parties_of(db_session(), case=found)
    return {
        "other_parties": [party for party in listed if party.role is not None],
        "party_role_names": ROLE_NAMES,
        "party_name": case_parties.display_name,
        "may_change_parties": may_work_on(staff, found),
        "page_forms": [],
    }
