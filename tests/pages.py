"""Every page of both apps, found from their URL maps, so a new page cannot escape the
accessibility suite. A page that needs data gets it here; a page deliberately not
visited is listed with the reason, and the suite prints that list."""

from __future__ import annotations

import tempfile
from collections.abc import Callable

from flask import Flask

from backoffice import create_backoffice
from backoffice.sections import SECTIONS
from portal import create_portal
from shared.config import load_settings
from shared.models import RoleCode
from shared.permissions import ROLE_PERMISSIONS, Permission

# endpoint -> why the accessibility suite does not visit it
NOT_VISITED = {
    "static": "static files (CSS, JavaScript, images), not pages",
    "health.healthz": "JSON for monitoring tools, not a page",
    "language.choose": "redirects back to the page it was chosen on; not a page itself",
    "uploads.status": "JSON for the upload page's live status, not a page",
    "uploads.download": "a file sent as an attachment, not a page (tests/integration/test_documents.py)",
    "documents.download": "a file sent as an attachment, not a page (tests/integration/backoffice/test_document_pages.py)",
    "tracking.copy": "a PDF, not a page: checked as a tagged PDF in each script (tests/integration/test_what_you_told_us.py)",
    "single_sign_on.start": "a redirect to the identity provider, not a page; 404 unless single sign-on is configured (tests/integration/backoffice/test_single_sign_on.py)",
    "single_sign_on.callback": "the identity provider's redirect back, then a redirect in; 404 unless single sign-on is configured (tests/integration/backoffice/test_single_sign_on.py)",
}
# The back office's sample case, made by the browser suite's backoffice_url fixture.
BACKOFFICE_CASE: dict[str, str] = {}
# endpoint -> builds the path of a page whose URL needs data (from fixtures)
NEEDS_DATA: dict[str, Callable[[], str]] = {
    # Without a draft these show or lead to the start page; with one, the journey walk
    # (tests/browser/test_journeys.py) checks every question page and its error state.
    "filing.start": lambda: "/file/application/start",
    "filing.question": lambda: "/file/application/service",
    "filing.check": lambda: "/file/application/check",
    "filing.done": lambda: "/file/application/done",
    # Without a looked-up or signed-in case this is the not-found page; with one, the
    # journey and tracking walks check it.
    "tracking.case": lambda: "/cases/ZZZZ-ZZZZ-Z",
    "tracking.signed_in": lambda: "/sign-in/not-a-valid-token",
    "tracking.withdraw": lambda: "/cases/ZZZZ-ZZZZ-Z/withdraw",
    # Signed in with a message, test_journeys.py's messages walk checks it and its errors.
    "messages.conversation": lambda: "/cases/ZZZZ-ZZZZ-Z/messages",
    "filing.save": lambda: "/file/application/save",
    "filing.resume": lambda: "/file/resume/not-a-valid-token",
    # The back office: the first account in a new database (the browser suite's
    # every-role account), and the page a spent or altered set-password link shows.
    "staff.member": lambda: "/staff/1",
    "reassignment.reassign": lambda: "/staff/1/reassign",
    "sign_in.set_password": lambda: "/set-password/not-a-valid-token",
    "cases.case": lambda: f"/cases/{BACKOFFICE_CASE.get('reference', 'ZZZZ-ZZZZ-Z')}",
    "documents.add": lambda: f"{_sample_case()}/documents/new",
    "parties.add": lambda: f"{_sample_case()}/parties/new",
    "parties.remove": lambda: (
        f"{_sample_case()}/parties/{BACKOFFICE_CASE.get('case_party_id', '0')}/remove"
    ),
    "documents.classification": lambda: f"{_sample_document()}/classification",
    "documents.versions": lambda: f"{_sample_document()}/versions",
    # Assisted intake: a case just started (its form sent empty shows every error), one
    # with its answers (check them), one recorded (tests/browser/conftest.py).
    "intake.answers": lambda: _sample_recording("recording"),
    "intake.check": lambda: _sample_recording("answered") + "/check",
    "intake.done": lambda: _sample_recording("recorded") + "/done",
    # Triage: a new case with a possible duplicate party; a routing rule, its page and
    # history (tests/browser/conftest.py).
    "triage.triage_page": lambda: f"/cases/{BACKOFFICE_CASE.get('triage', 'ZZZZ-ZZZZ-Z')}/triage",
    "routing_rules.edit": lambda: f"/routing-rules/{BACKOFFICE_CASE.get('rule_id', '0')}",
    "routing_rules.history": lambda: (
        f"/routing-rules/{BACKOFFICE_CASE.get('rule_id', '0')}/history"
    ),
    # A reply template, in English, and the Welsh text it lacks (tests/browser/conftest.py).
    "reply_templates.edit": lambda: f"{_sample_reply_template()}/cy",
    "reply_templates.remove": lambda: f"{_sample_reply_template()}/en/remove",
    # The every-role account's team (tests/browser/conftest.py).
    "teams.team": lambda: f"/teams/{BACKOFFICE_CASE.get('team', 'none')}",
    # The case page's other sections (backoffice/sections/__init__.py), on the sample case.
    **{
        f"cases.section_{section.name}": (lambda path=section.path: f"{_sample_case()}/{path}")
        for section in SECTIONS
        if section.path
    },
}


def _sample_case() -> str:
    return f"/cases/{BACKOFFICE_CASE.get('reference', 'ZZZZ-ZZZZ-Z')}"


def _sample_recording(which: str) -> str:
    return f"/intake/{BACKOFFICE_CASE.get(which, 'not-a-valid-token')}"


def _sample_reply_template() -> str:
    return f"/reply-templates/{BACKOFFICE_CASE.get('reply_template', 'none')}"


def _sample_document() -> str:
    return f"{_sample_case()}/documents/{BACKOFFICE_CASE.get('document_id', '0')}"


def url_map_apps() -> dict[str, Flask]:
    """The apps as built for production, only to read their URL maps."""
    settings = load_settings({"CASEWAY_INSTANCE_DIR": tempfile.mkdtemp(prefix="caseway-urls-")})
    return {"portal": create_portal(settings), "backoffice": create_backoffice(settings)}


def page_endpoints(app: Flask) -> list[str]:
    """Endpoints answering GET; POST-only ones are reached through the forms that post there."""
    return sorted(
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if "GET" in (rule.methods or set()) and rule.endpoint not in NOT_VISITED
    )


def page_path(app: Flask, endpoint: str) -> str:
    rule = next(rule for rule in app.url_map.iter_rules() if rule.endpoint == endpoint)
    if rule.arguments:
        if endpoint not in NEEDS_DATA:
            raise LookupError(
                f"{endpoint} ({rule.rule}) needs data: add it to NEEDS_DATA or NOT_VISITED"
            )
        return NEEDS_DATA[endpoint]()
    return rule.rule


APPS = url_map_apps()
PAGES = [(name, endpoint) for name, app in APPS.items() for endpoint in page_endpoints(app)]


def roles_who_may_see(endpoint: str) -> list[RoleCode]:
    """The staff roles that may open a back-office page, from the permission its view
    declares (none for the pages open to anyone, visited signed out)."""
    from backoffice.auth import declared_permission

    declared = declared_permission(APPS["backoffice"], endpoint)
    if declared == "signed in":
        return list(RoleCode)
    if isinstance(declared, Permission):
        return [role for role in RoleCode if declared in ROLE_PERMISSIONS[role]]
    return []
