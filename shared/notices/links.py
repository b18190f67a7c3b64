"""The one place a notice's links are made: from the settings and the notice's case, when
the notice is rendered. Services record what happened; they never pass addresses around,
so no link can come from a request's Host header or a stale setting."""

from __future__ import annotations

from shared.config import Settings
from shared.notices.kinds import STAFF_KINDS, NoticeKind


def case_link(kind: NoticeKind, reference: str, settings: Settings) -> str:
    """Where a notice about case `reference` sends its reader: a resident to the case's
    page in the portal (sign-in first when needed); staff to the back office, where they
    sign in and find the case by its reference."""
    if kind in STAFF_KINDS:
        return f"{settings.backoffice_url.rstrip('/')}/"
    return f"{settings.portal_url.rstrip('/')}/cases/{reference}"
