"""The words for staff roles, in the page's language."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from shared.models import RoleCode, StaffUser

ROLE_LABELS = {
    RoleCode.INTAKE_CLERK: _l("Intake clerk"),
    RoleCode.CASEWORKER: _l("Caseworker"),
    RoleCode.SUPERVISOR: _l("Supervisor"),
    RoleCode.AUDITOR: _l("Auditor"),
    RoleCode.ADMINISTRATOR: _l("Administrator"),
}


def role_names(staff: StaffUser) -> list[str]:
    """The person's roles in the order of ROLE_LABELS."""
    return [str(label) for code, label in ROLE_LABELS.items() if staff.has_role(code)]
