"""The case's SLA: its policy, due date, days paused and extended, and its flag; for a
supervisor (Permission.ASSIGN), the form to extend it."""

from __future__ import annotations

from collections.abc import Mapping

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm

from backoffice.forms.sla import ExtensionForm
from shared.models import Case, StaffUser
from shared.models.base import utcnow
from shared.permissions import Permission, may
from shared.services import sla
from shared.sla.calendar import AREA_NAMES, DEFAULT_AREA
from shared.sla.policies import load_policies
from shared.web import db_session

# How the case's history titles an extension; its note is the reason.
SLA_EVENT_TITLES = {"sla_extended": _l("Due date extended")}
FLAG_TAGS = {
    "overdue": (_l("Overdue"), "govuk-tag--red"),
    "due_soon": (_l("Due soon"), "govuk-tag--yellow"),
}


def section(found: Case, staff: StaffUser, forms: Mapping[str, FlaskForm]) -> dict[str, object]:
    flag = sla.sla_flag(found, utcnow())
    policy = load_policies().policies.get(found.sla_policy or "")
    open_case = found.closed_at is None
    extension_form: FlaskForm | None = None
    if may(staff, Permission.ASSIGN) and open_case:
        extension_form = forms.get("extension") or ExtensionForm(formdata=None)
    return {
        "sla": sla.explain(db_session(), case=found),
        "sla_policy_name": policy.label(str(get_locale() or "en")) if policy else None,
        "sla_area_name": AREA_NAMES[found.area or DEFAULT_AREA],
        "sla_flag_tag": FLAG_TAGS.get(flag) if flag else None,
        "extension_form": extension_form,
        "page_forms": [extension_form] if extension_form else [],
    }
