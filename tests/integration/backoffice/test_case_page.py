"""The caseworker's case page: found by reference, fetched through shared/access.py (a
case outside the person's teams is not found), the resident's answers and the whole
history, internal notes that never reach the resident, and the workflow's transitions as
buttons that do nothing twice."""

from __future__ import annotations

import re

from flask import Flask
from sqlalchemy import select

from shared.db import transaction
from shared.models import Case, CasePriority, Event, Notice, RoleCode
from tests.factories import make_case, make_party, make_staff, make_team
from tests.staff_signing_in import post_form, sign_in_staff, signed_in_client

NOTE = "Rang the resident <b>at home</b>: the dog bites."


def case_in_team(app: Flask, state: str = "assigned", team: str = "permits") -> str:
    with transaction(app.extensions["caseway"].sessions) as session:
        case = make_case(session, state=state, answers={"details": "A permit for Elm Street"})
        case.team = make_team(session, team, team.title())
        return case.reference


def team_member(app: Flask, *roles: RoleCode, team: str = "permits") -> tuple[object, object]:
    with transaction(app.extensions["caseway"].sessions) as session:
        member = make_staff(session, roles=roles, team=make_team(session, team, team.title()))
        email = member.email
    client = app.test_client()
    assert sign_in_staff(client, email).status_code == 302
    return client, member


def test_a_case_is_found_by_its_reference_as_the_resident_reads_it(backoffice: Flask) -> None:
    reference = case_in_team(backoffice)
    client, _ = team_member(backoffice, RoleCode.CASEWORKER)
    first = client.get("/cases/find").get_data(as_text=True)
    assert "<title>Find a case" in first  # no error before a search
    assert "Enter a reference number" in client.get("/cases/find?reference=").get_data(as_text=True)
    typed = reference.lower().replace("-", " ")
    assert client.get(f"/cases/find?reference={typed}").headers["Location"] == f"/cases/{reference}"
    page = client.get(f"/cases/{reference}/answers").get_data(as_text=True)
    assert "A permit for Elm Street" in page  # the resident's answers
    assert "Assigned" in page  # the state, in the workflow's words for staff
    assert page.count("<h1") == 1


def test_the_summary_shows_the_case_s_priority_in_the_staff_member_s_words(
    backoffice: Flask,
) -> None:
    reference = case_in_team(backoffice)
    client, _ = team_member(backoffice, RoleCode.CASEWORKER)
    priority = re.compile(r"Priority\s*</dt>\s*<dd[^>]*>\s*(\S[^<]*?)\s*</dd>")
    found = priority.search(client.get(f"/cases/{reference}").get_data(as_text=True))
    assert found is not None
    assert found.group(1) == "Normal"  # every case starts normal; triage raises it
    with transaction(backoffice.extensions["caseway"].sessions) as session:
        case = session.scalars(select(Case).where(Case.reference == reference)).one()
        case.priority = CasePriority.URGENT
    client.get("/language/cy")
    welsh = priority.search(client.get(f"/cases/{reference}").get_data(as_text=True))
    assert welsh is None  # the key is in Welsh too
    assert "Brys" in client.get(f"/cases/{reference}").get_data(as_text=True)


def test_a_case_outside_the_persons_teams_is_not_found(backoffice: Flask) -> None:
    reference = case_in_team(backoffice, team="permits")
    outsider, _ = team_member(backoffice, RoleCode.CASEWORKER, team="complaints")
    assert outsider.get(f"/cases/{reference}").status_code == 404
    missing = outsider.get(f"/cases/find?reference={reference}").get_data(as_text=True)
    assert "There is no case with that reference number that you can open" in missing
    for role in (RoleCode.AUDITOR, RoleCode.INTAKE_CLERK):  # they see every case
        reader, _ = signed_in_client(backoffice, role)
        assert reader.get(f"/cases/{reference}").status_code == 200
    admin, _ = signed_in_client(backoffice, RoleCode.ADMINISTRATOR)
    assert admin.get(f"/cases/{reference}").status_code == 403  # no casework role


def test_an_internal_note_is_for_staff_and_never_reaches_the_resident(backoffice: Flask) -> None:
    reference = case_in_team(backoffice)
    client, _ = team_member(backoffice, RoleCode.CASEWORKER)
    response = post_form(client, f"/cases/{reference}/notes", {"note": NOTE},
                         form_page=f"/cases/{reference}")  # fmt: skip
    assert response.headers["Location"] == f"/cases/{reference}/history"
    page = client.get(f"/cases/{reference}/history").get_data(as_text=True)
    assert "Rang the resident &lt;b&gt;at home&lt;/b&gt;: the dog bites." in page  # text, not HTML
    assert "Staff only" in page
    with backoffice.extensions["caseway"].sessions() as session:
        note = session.scalars(select(Event).where(Event.kind == "note")).one()
        assert note.is_public is False
        texts = [str(n.context) for n in session.scalars(select(Notice))]
    assert not any("dog bites" in text for text in texts)  # in no notice
    # The resident's own view of the case, on the same database: no note anywhere.
    from portal import create_portal
    from shared.models import Case

    with backoffice.extensions["caseway"].sessions() as session:
        email = (
            session.scalars(select(Case).where(Case.reference == reference)).one().applicant.email
        )
    portal = create_portal(backoffice.extensions["caseway"].settings)
    try:
        resident = portal.test_client()
        post_form(resident, "/track", {"reference": reference, "email": email})
        seen = resident.get(f"/cases/{reference}").get_data(as_text=True)
        assert reference in seen
        assert "dog bites" not in seen
        assert "Internal note" not in seen
    finally:
        portal.extensions["caseway"].engine.dispose()


def test_an_empty_note_is_a_message_and_writes_nothing(backoffice: Flask) -> None:
    reference = case_in_team(backoffice)
    client, _ = team_member(backoffice, RoleCode.CASEWORKER)
    page = post_form(client, f"/cases/{reference}/notes", {"note": "  "},
                     form_page=f"/cases/{reference}").get_data(as_text=True)  # fmt: skip
    assert "Enter the note" in page
    assert "<title>Error: Case" in page
    auditor, _ = signed_in_client(backoffice, RoleCode.AUDITOR)
    refused = post_form(auditor, f"/cases/{reference}/notes", {"note": "x"}, form_page="/")
    assert refused.status_code == 403  # auditors change nothing
    with backoffice.extensions["caseway"].sessions() as session:
        assert session.scalars(select(Event).where(Event.kind == "note")).all() == []


def transition_fields(page: str, name: str) -> dict[str, str]:
    fields = dict(re.findall(rf'name="({name}-[a-z_]+)"[^>]*value="([^"]*)"', page))
    assert fields, name
    return fields


def test_a_transition_button_moves_the_case_once_even_pressed_twice(backoffice: Flask) -> None:
    reference = case_in_team(backoffice, state="assigned")
    client, _ = team_member(backoffice, RoleCode.CASEWORKER)
    page = client.get(f"/cases/{reference}").get_data(as_text=True)
    assert "Move to “In progress”" in page
    fields = transition_fields(page, "start_work")
    assert fields["start_work-expected_state"] == "assigned"
    path = f"/cases/{reference}/transitions/start_work"
    first = client.post(path, data=fields)
    second = client.post(path, data=fields)  # the same page, pressed again
    assert first.headers["Location"] == second.headers["Location"] == f"/cases/{reference}"
    after = client.get(f"/cases/{reference}").get_data(as_text=True)
    assert "Done: the case is now “In progress”." in after
    assert "The case changed while you were looking at it, so nothing was done." in after
    with backoffice.extensions["caseway"].sessions() as session:
        moves = session.scalars(select(Event).where(Event.kind == "start_work")).all()
        assert len(moves) == 1


def test_the_buttons_are_what_the_persons_role_allows(backoffice: Flask) -> None:
    reference = case_in_team(backoffice, state="submitted")
    clerk, _ = signed_in_client(backoffice, RoleCode.INTAKE_CLERK)
    auditor, _ = signed_in_client(backoffice, RoleCode.AUDITOR)
    assert "Move to “In triage”" in clerk.get(f"/cases/{reference}").get_data(as_text=True)
    auditor_page = auditor.get(f"/cases/{reference}").get_data(as_text=True)
    assert "Move to" not in auditor_page
    assert "Your role allows nothing more on this case as it is now." in auditor_page
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', auditor_page)
    assert token
    pressed = auditor.post(f"/cases/{reference}/transitions/start_triage",
                           data={"start_triage-csrf_token": token.group(1),
                                 "start_triage-expected_state": "submitted"})  # fmt: skip
    assert pressed.status_code == 302
    assert "Your role does not allow that." in auditor.get(f"/cases/{reference}").get_data(
        as_text=True
    )
    with backoffice.extensions["caseway"].sessions() as session:
        assert session.scalars(select(Event).where(Event.kind == "start_triage")).all() == []


# ------------------------------------------------ the sections of the case page (issue 23)

SECTION_PATHS = {
    "overview": "",
    "answers": "/answers",
    "messages": "/conversation",
    "documents": "/documents",
    "tasks": "/task-list",
    "decision": "/decision-record",
    "history": "/history",
}


def test_every_section_of_the_registry_has_its_own_get_url_beside_no_post_route(
    backoffice: Flask,
) -> None:
    from backoffice.sections import SECTIONS

    assert {section.name: f"/{section.path}".rstrip("/") for section in SECTIONS} == dict(
        SECTION_PATHS.items()
    )
    posted = {rule.rule for rule in backoffice.url_map.iter_rules() if "POST" in rule.methods}
    for section in SECTIONS:
        assert f"/cases/<reference>/{section.path}".rstrip("/") not in posted


def test_each_section_opens_for_who_may_see_the_case_and_is_not_found_for_others(
    backoffice: Flask,
) -> None:
    reference = case_in_team(backoffice, team="permits")
    member, _ = team_member(backoffice, RoleCode.CASEWORKER, team="permits")
    outsider, _ = team_member(backoffice, RoleCode.CASEWORKER, team="complaints")
    auditor, _ = signed_in_client(backoffice, RoleCode.AUDITOR)
    labels = {"overview": "Overview", "answers": "What they told us", "messages": "Messages",
              "documents": "Documents", "tasks": "Tasks", "decision": "Decision",
              "history": "History"}  # fmt: skip
    for name, path in SECTION_PATHS.items():
        for reader in (member, auditor):
            response = reader.get(f"/cases/{reference}{path}")
            assert response.status_code == 200, name
            page = response.get_data(as_text=True)
            assert f"<title>Case {reference}: {labels[name]} –" in page
            assert page.count("<h1") == 1
            assert re.search(rf"<h1[^>]*>\s*{labels[name]}\s*</h1>", page), name
            assert ">None<" not in page
            assert " None " not in page
            # The tab of the section shown is the current page, and only it.
            assert page.count('aria-current="page"') == 2  # this tab and its area
            current = re.search(
                r'aria-current="page" href="([^"]+)"', page.split("Case sections")[1]
            )
            assert current
            assert current.group(1) == f"/cases/{reference}{path}"
        assert outsider.get(f"/cases/{reference}{path}").status_code == 404
    assert member.get(f"/cases/{reference}/no-such-section").status_code == 404


def test_the_header_names_the_case_on_every_section(backoffice: Flask) -> None:
    with transaction(backoffice.extensions["caseway"].sessions) as session:
        case = make_case(session, state="assigned")
        case.team = make_team(session, "permits", "Permits")
        case.priority = CasePriority.HIGH
        case.assignee = make_staff(session, display_name="Rhys Caseworker", team=case.team)
        reference, due = case.reference, case.due_at
    client, _ = team_member(backoffice, RoleCode.CASEWORKER)
    assert due is not None
    for path in SECTION_PATHS.values():
        page = client.get(f"/cases/{reference}{path}").get_data(as_text=True)
        bar = page.split('class="moj-identity-bar"')[1].split("moj-sub-navigation")[0]
        for shown in (reference, "Ana Silva", "Assigned", "High", "Rhys Caseworker",
                      f"{due.day} ", "English"):  # fmt: skip
            assert shown in bar, (path, shown)


def test_a_deep_link_opens_the_section_and_its_links_are_plain(backoffice: Flask) -> None:
    reference = case_in_team(backoffice)
    client, _ = team_member(backoffice, RoleCode.CASEWORKER)
    page = client.get(f"/cases/{reference}/task-list").get_data(as_text=True)
    navigation = page.split('aria-label="Case sections"')[1].split("</nav>")[0]
    hrefs = re.findall(r'href="([^"]+)"', navigation)
    assert hrefs == [f"/cases/{reference}{path}" for path in SECTION_PATHS.values()]
    assert "<script" not in navigation
    assert "data-module" not in navigation
    # The main actions in the header are links to the sections that do them.
    assert f'href="/cases/{reference}/conversation#reply"' in page
    assert f'href="/cases/{reference}/history#note"' in page


def test_a_refused_form_comes_back_on_its_section_with_what_was_typed(backoffice: Flask) -> None:
    reference = case_in_team(backoffice)
    client, _ = team_member(backoffice, RoleCode.CASEWORKER)
    typed = "Ring the landlord about <the boiler>"
    page = post_form(client, f"/cases/{reference}/tasks",
                     {"title": typed, "assignee": "", "due_on": ["31", "2", "2030"]},
                     form_page=f"/cases/{reference}/task-list").get_data(as_text=True)  # fmt: skip
    assert f"<title>Error: Case {reference}: Tasks –" in page
    assert "govuk-error-summary" in page
    assert re.search(r"<h1[^>]*>\s*Tasks\s*</h1>", page)
    assert 'value="Ring the landlord about &lt;the boiler&gt;"' in page
    long_message = "Spoke to the landlord. " * 300  # past a message's limit
    page = post_form(client, f"/cases/{reference}/messages", {"body": long_message},
                     form_page=f"/cases/{reference}/conversation").get_data(as_text=True)  # fmt: skip
    assert f"<title>Error: Case {reference}: Messages –" in page
    assert "Spoke to the landlord. Spoke to the landlord." in page


def test_a_form_that_works_goes_back_to_its_section_or_the_one_it_names(backoffice: Flask) -> None:
    reference = case_in_team(backoffice)
    client, _ = team_member(backoffice, RoleCode.CASEWORKER)

    def add_task(title: str, **extra: str) -> str:
        data = {"title": title, "assignee": "", "due_on": ["", "", ""], **extra}
        response = post_form(client, f"/cases/{reference}/tasks", data,
                             form_page=f"/cases/{reference}/task-list")  # fmt: skip
        return str(response.headers["Location"])

    assert add_task("Call back") == f"/cases/{reference}/task-list"
    assert add_task("Write back", section="history") == f"/cases/{reference}/history"
    for elsewhere in ("https://evil.example/", "//evil.example", "../../sign-in", "None"):
        assert add_task("Again", section=elsewhere) == f"/cases/{reference}/task-list"


def test_the_messages_tab_says_how_many_messages_are_new(backoffice: Flask) -> None:
    from shared.services import messages

    reference = case_in_team(backoffice)
    client, _ = team_member(backoffice, RoleCode.CASEWORKER)

    def tab(page: str) -> str:
        """The Messages tab's words, as a screen reader reads them."""
        link = re.search(rf'href="/cases/{reference}/conversation">(.*?)</a>', page, re.S)
        assert link is not None
        return " ".join(re.sub(r"<[^>]+>", " ", link.group(1)).split())

    assert tab(client.get(f"/cases/{reference}").get_data(as_text=True)) == "Messages"
    with transaction(backoffice.extensions["caseway"].sessions) as session:
        case = session.scalars(select(Case).where(Case.reference == reference)).one()
        for body in ("Is there any news?", "Hello again"):
            messages.post_from_resident(session, case=case, party=case.applicant, body=body)
    overview = client.get(f"/cases/{reference}").get_data(as_text=True)
    assert tab(overview) == "Messages 2 new"
    assert 'class="moj-badge moj-badge--blue">2 new</span>' in overview  # words, read out
    client.get(f"/cases/{reference}/conversation")  # read them
    assert "new" not in tab(client.get(f"/cases/{reference}/history").get_data(as_text=True))


def test_staff_see_the_resident_s_language_how_to_contact_them_and_their_address(
    backoffice: Flask,
) -> None:
    with transaction(backoffice.extensions["caseway"].sessions) as session:
        resident = make_party(session, preferred_locale="cy")
        resident.address_line_1 = "1 Heol y Frenhines"  # as assisted intake records it
        resident.address_town, resident.address_postcode = "Caerdydd", "CF10 1AA"
        case = make_case(session, state="assigned", applicant=resident,
                         answers={"contact_by": ["post", "phone"]})  # fmt: skip
        case.team = make_team(session, "permits", "Permits")
        reference = case.reference
    client, _ = team_member(backoffice, RoleCode.CASEWORKER)
    overview = client.get(f"/cases/{reference}").get_data(as_text=True)
    bar = overview.split('class="moj-identity-bar"')[1].split("moj-sub-navigation")[0]
    assert "Writes in:" in bar
    assert "Welsh" in bar
    assert re.search(r"Write to them in\s*</dt>\s*<dd[^>]*>\s*Welsh", overview)
    assert re.search(r"Contact them by\s*</dt>\s*<dd[^>]*>\s*Post, Phone", overview)
    assert "1 Heol y Frenhines<br>Caerdydd<br>CF10 1AA" in overview
    messages_page = client.get(f"/cases/{reference}/conversation").get_data(as_text=True)
    assert "They asked us to write to them in this language: Welsh" in messages_page


def test_reply_templates_come_in_the_resident_s_language(backoffice: Flask) -> None:
    from shared.services import reply_templates

    with transaction(backoffice.extensions["caseway"].sessions) as session:
        author = make_staff(session, roles=[RoleCode.ADMINISTRATOR])
        english = reply_templates.add_template(session, locale="en", title="Decision date",
                                               body="We will decide by {due_date}.", actor=author)  # fmt: skip
        reply_templates.save_template(session, code=english.code, locale="cy",
                                      title="Dyddiad penderfynu",
                                      body="Byddwn yn penderfynu erbyn {due_date}.", actor=author)  # fmt: skip
        case = make_case(
            session, state="assigned", applicant=make_party(session, preferred_locale="cy")
        )
        case.team = make_team(session, "permits", "Permits")
        reference, code = case.reference, english.code
    client, _ = team_member(backoffice, RoleCode.CASEWORKER)
    page = client.get(f"/cases/{reference}/conversation").get_data(as_text=True)
    assert "Dyddiad penderfynu" in page
    assert "Decision date" not in page
    chosen = client.get(f"/cases/{reference}/conversation?reply_template={code}")
    assert "Byddwn yn penderfynu erbyn" in chosen.get_data(as_text=True)


def test_the_address_taken_at_assisted_intake_is_on_the_overview(backoffice: Flask) -> None:
    from tests.integration.backoffice.test_assisted_intake import recorded_case

    client, _clerk, reference = recorded_case(backoffice, "application", "post", email="")
    overview = client.get(f"/cases/{reference}").get_data(as_text=True)
    assert re.search(r"Address\s*</dt>\s*<dd[^>]*>\s*1 Elm Street", overview)
    assert re.search(r"Write to them in\s*</dt>\s*<dd[^>]*>\s*Welsh", overview)
