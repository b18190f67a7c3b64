"""Real Chromium (the system's /usr/bin/chromium, driven by Playwright) against live apps."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, sync_playwright
from werkzeug.serving import make_server

from shared import PROJECT_ROOT
from shared.models import RoleCode

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",  # tests run as root; the sandbox needs an unprivileged user
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",  # the machine has no outside network
    "--disable-component-update",
    "--no-first-run",
]
AXE_JS = PROJECT_ROOT / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run scripts/setup.sh as root", pytrace=False)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context()
    yield context.new_page()
    context.close()


def serve(app: Flask) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    address = f"http://127.0.0.1:{server.server_port}"
    # The app's public address (the base of emailed links) is known only once it listens.
    app.config["CASEWAY_PUBLIC_URL"] = address
    yield address
    server.shutdown()
    thread.join(timeout=10)


@pytest.fixture
def portal_url(portal_app: Flask) -> Iterator[str]:
    yield from serve(portal_app)


# Someone holding every role, so every back-office page can be visited signed in.
STAFF_EMAIL = "every.role@council.example"
# And one person for each role alone, to see each page as the people who use it do
# (what a role may not do is not on their page, so it is laid out differently).
ROLE_EMAILS = {role: f"{role.value}@council.example" for role in RoleCode}
# Someone who sees dates of birth masked and may reveal them, on the answers and on the
# triage page: an auditor who also triages (an auditor alone does not open triage).
MASKED_EMAIL = "masked.reveal@council.example"


@pytest.fixture
def backoffice_url(backoffice_app: Flask) -> Iterator[str]:
    from datetime import timedelta

    from shared.db import transaction
    from shared.models import RoleCode
    from shared.services import notes, tasks
    from tests.factories import make_case, make_document, make_recording, make_staff
    from tests.pages import BACKOFFICE_CASE

    with transaction(backoffice_app.extensions["caseway"].sessions) as session:
        member = make_staff(session, roles=list(RoleCode), email=STAFF_EMAIL,
                            display_name="Every Role")  # fmt: skip
        # A date of birth among them: masked, with the form to reveal it, for the auditor.
        answers = {"service": "parking-permit", "details": "A permit for Elm Street.",
                   "needed_by": "2027-06-01", "contact_by": ["email", "post"],
                   "date_of_birth": "1984-03-14"}  # fmt: skip
        case = make_case(session, state="in_progress", answers=answers)
        notes.add_note(session, case=case, author=member, text="Called the resident.")
        # Tasks: one overdue (added last week, due yesterday), one done.
        today = tasks.service_today()
        tasks.add_task(session, case=case, author=member, title="Ask for proof of address",
                       assignee=member, due_on=today - timedelta(days=1),
                       today=today - timedelta(days=7))  # fmt: skip
        done = tasks.add_task(session, case=case, author=member, title="Check the street")
        tasks.complete_task(session, task=done, case=case, actor=member)
        # A representative: the parties' cards, each with its "Remove" button.
        from shared.models import CasePartyRole
        from shared.services import case_parties

        representative = case_parties.add_party_to_case(
            session, case=case, staff=member, role=CasePartyRole.REPRESENTATIVE,
            given_name="Cerys", family_name="Jones", email="cerys@example.org")  # fmt: skip
        BACKOFFICE_CASE["case_party_id"] = str(representative.id)
        # A document in two versions, and another case of the same person (related cases).
        storage = backoffice_app.extensions["caseway"].storage
        letter = make_document(session, storage, case=case, filename="Letter.pdf")
        newer = make_document(session, storage, case=case, filename="Letter v2.pdf",
                              previous=letter)  # fmt: skip
        BACKOFFICE_CASE["document_id"] = str(newer.id)
        make_case(session, applicant=case.applicant)
        BACKOFFICE_CASE["reference"] = case.reference
        # Assisted intake: a case just started, one with its answers, and one recorded.
        BACKOFFICE_CASE["recording"] = make_recording(session, clerk=member).token
        BACKOFFICE_CASE["answered"] = make_recording(session, clerk=member, answered=True).token
        BACKOFFICE_CASE["recorded"] = make_recording(session, clerk=member, sent=True).token
        # Triage: the recorded case's resident looks like an earlier one (a possible
        # duplicate), and a routing rule proposes a route for it.
        from datetime import date

        from shared.models import Case
        from tests.factories import make_party, make_rule

        make_party(session, date_of_birth=date(1984, 3, 14))
        lookalike = make_recording(session, clerk=member, sent=True)
        triage_case = session.get_one(Case, lookalike.submitted_case_id)
        BACKOFFICE_CASE["triage"] = triage_case.reference
        BACKOFFICE_CASE["rule_id"] = str(make_rule(session, name="Everything to Permits").id)
        # A reply template in English (its list row shows the languages it lacks).
        from tests.factories import make_reply_template

        BACKOFFICE_CASE["reply_template"] = make_reply_template(session).code
        # My work and the team page: the every-role account supervises a team, with a case
        # of its own gone overdue and one nobody has yet (each page's tables drawn).
        from shared.models.base import utcnow
        from tests.factories import make_team

        member.team = make_team(session)
        BACKOFFICE_CASE["team"] = member.team.code
        triage_case.team = member.team  # arrived in the team's queue (its supervisor's)
        overdue = make_case(session, state="in_progress")
        overdue.team, overdue.assignee = member.team, member
        overdue.due_at = utcnow() - timedelta(days=2)
        make_case(session, state="triage").team = member.team
        # Each role's own account, in the team; the caseworker with a case of their own.
        by_role = {
            role: make_staff(session, roles=[role], email=email, team=member.team,
                             display_name=role.value.replace("_", " ").capitalize())
            for role, email in ROLE_EMAILS.items()
        }  # fmt: skip
        make_staff(session, roles=[RoleCode.AUDITOR, RoleCode.INTAKE_CLERK], email=MASKED_EMAIL,
                   team=member.team, display_name="Masked Reveal")  # fmt: skip
        own = make_case(session, state="in_progress")
        own.team, own.assignee = member.team, by_role[RoleCode.CASEWORKER]
        own.due_at = utcnow() + timedelta(days=3)
        # Messages: a conversation on the sample case; a new message and a held emailed reply
        # on the overdue case (the inbox and My work tables). Not held on the sample case:
        # the empty-forms walk would accept it and the page would lose its two forms.
        from shared.services import messages

        messages.post_from_staff(session, case=case, staff=member,
                                 body="Please send proof of address: https://example.org/help")  # fmt: skip
        messages.post_from_resident(session, case=case, party=case.applicant, body="Sent.\nThanks")
        messages.receive_email_reply(session, case=overdue, party=overdue.applicant,
                                     from_address="someone@elsewhere.example", body="Forwarded",
                                     email_message_id="<sample@elsewhere.example>")  # fmt: skip
        messages.post_from_resident(session, case=overdue, party=overdue.applicant,
                                    body="Any news?")  # fmt: skip
        # SLAs: the sample case extended (its SLA section and history), and a closure day
        # (the closure days page's table with its "Remove" button).
        from shared.services import closure_days, sla

        case.team = member.team
        session.flush()  # before extend refreshes the case (which would drop the change)
        sla.extend(session, case=case, working_days=3, reason="Waiting for the landlord",
                   actor=member)  # fmt: skip
        from shared.sla.calendar import WorkingCalendar

        closed_on = today + timedelta(days=40)
        while not WorkingCalendar("wales").is_working_day(closed_on):
            closed_on += timedelta(days=1)
        closure_days.add_closure_day(session, area="wales", day=closed_on, name="Office move",
                                     actor=member)  # fmt: skip
    yield from serve(backoffice_app)


def axe_violations(page: Page) -> list[dict[str, object]]:
    """Run axe-core in the page (injected by evaluate, which the page's CSP does not block)."""
    page.evaluate(AXE_JS.read_text(encoding="utf-8"))
    result = page.evaluate(
        "async (tags) => await axe.run(document, "
        "{runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        WCAG_TAGS,
    )
    return list(result["violations"])


def describe(violations: list[dict[str, object]]) -> str:
    return "\n".join(
        f"[{v['impact']}] {v['id']}: {v['help']} {[node['target'] for node in v['nodes']]}"  # type: ignore[attr-defined]
        for v in violations
    )


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    from tests.pages import NOT_VISITED

    terminalreporter.section("endpoints the accessibility suite does not visit")
    for endpoint, reason in NOT_VISITED.items():
        terminalreporter.write_line(f"{endpoint}: {reason}")
