"""How the case reached us, and for a case a clerk recorded, who recorded it from what
(its "recorded" entry in the history)."""

from __future__ import annotations

from collections.abc import Mapping

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm

from backoffice.forms.intake import CHANNEL_NAMES
from shared.models import Case, CaseChannel, StaffUser

ONLINE = _l("Online")
RECORDED_FROM = {
    CaseChannel.PHONE: _l("Recorded by %(name)s from a phone call"),
    CaseChannel.POST: _l("Recorded by %(name)s from a letter or form sent by post"),
    CaseChannel.IN_PERSON: _l("Recorded by %(name)s when the resident came in person"),
}


def section(found: Case, staff: StaffUser, forms: Mapping[str, FlaskForm]) -> dict[str, object]:
    return {
        "channel_name": CHANNEL_NAMES.get(found.channel, ONLINE),
        "page_forms": [],
    }


def recorded_by(found: Case) -> str:
    if found.recorded_by is None or found.channel not in RECORDED_FROM:
        return str(_("Recorded by staff"))
    return str(RECORDED_FROM[found.channel] % {"name": found.recorded_by.display_name})
