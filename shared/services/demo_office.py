"""The demo's cases: a few hundred over the past weeks, in every state of their workflows,
filed with real answers and worked through the same services as the apps (triage and
routing by rule, least-loaded assignment, tasks, messages, decisions and approval,
closing, withdrawals, appeals), each step at its own moment in the past.

Deterministic: a fixed random seed picks the residents, answers, states and moments
(relative to today), so every demo shows the same office; only the reference numbers and
client ids are new each time. The notices these past weeks would have sent are marked
sent, so a demo's mail catcher shows only what is done in it.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from shared.casetypes import case_type_definition
from shared.casetypes.forms import Field, FormDefinition, form_for
from shared.models import Case, CasePriority, CaseType, Notice, NoticeState, Party, StaffUser
from shared.models.base import clock_at, utcnow
from shared.services import (
    assignment,
    cases,
    decisions,
    filing,
    messages,
    notes,
    parties,
    routing,
    sla,
    tasks,
    triage,
)
from shared.workflow import workflow_for

DEMO_CITIZEN_EMAIL = "sam.citizen@example.org"
SEED = 23  # the issue that asked for this office
OFFICE_CASES = 240
WEEKS = 8
APPEALS = 4
# Sam's own story for the portal (fixed), the office's cases, and the appeals.
CASE_COUNT = 4 + OFFICE_CASES + APPEALS

RESIDENTS = (
    ("Sam", "Citizen", "en"), ("Aled", "Jones", "cy"), ("Bethan", "Evans", "cy"),
    ("Chen", "Wei", "en"), ("Dafydd", "Roberts", "cy"), ("Elin", "Hughes", "cy"),
    ("Fatima", "Khan", "en"), ("Gareth", "Davies", "en"), ("Hannah", "Lewis", "en"),
    ("Ioan", "Price", "cy"), ("Jamal", "Ahmed", "en"), ("Katie", "Morgan", "en"),
    ("Llinos", "Thomas", "cy"), ("Mohammed", "Ali", "en"), ("Nia", "Williams", "cy"),
    ("Oliver", "Brown", "en"), ("Paulina", "Nowak", "en"), ("Rhys", "Edwards", "cy"),
    ("Sara", "Rees", "en"), ("Tomos", "Griffiths", "cy"), ("Usha", "Patel", "en"),
    ("Victor", "Okafor", "en"), ("Wyn", "Parry", "cy"), ("Yasmin", "Said", "en"),
    ("Zofia", "Kowalska", "en"), ("Alys", "Pritchard", "cy"), ("Ben", "Taylor", "en"),
    ("Cerys", "Owen", "cy"), ("Daniel", "Wright", "en"), ("Ffion", "James", "cy"),
)  # fmt: skip
STREETS = ("Heol y Parc", "Station Road", "Stryd Fawr", "Church Lane", "Ffordd y Môr",
           "Victoria Street", "Heol Awel", "Mill Lane")  # fmt: skip
TOWNS = (("Aberystwyth", "SY23"), ("Caerfyrddin", "SA31"), ("Llanelli", "SA15"))
WORDS = {
    "details": ("I need a permit for the street I live on; I have no off-street parking.",
                "My badge runs out next month and I still need it.",
                "We would like to close the road for a street party on a Saturday."),
    "what_happened": ("Our bins have not been collected for three weeks.",
                      "The person on the phone was rude and put the phone down on me.",
                      "I have waited two months for an answer to my letter."),
    "put_right": ("An apology and a date when it will be sorted.", ""),
    "service_other": ("A skip permit",),
    "grounds": ("I sent the evidence you asked for; please look at it again.",
                "The decision says I live outside the area, but my address is in it."),
}  # fmt: skip
TASKS = ("Check the proof of address", "Call the resident back", "Ask the highways team",
         "Check the Blue Badge eligibility", "Write up the visit notes")  # fmt: skip
QUESTIONS = ("Could you send us a photo of your proof of address?",
             "Which dates would suit you for a visit?",
             "Could you tell us the registration number of your car?")  # fmt: skip
REPLIES = ("Thank you, I have sent it now.", "Any day next week after 2pm.",
           "When will I hear back about this?", "Diolch, dyma'r wybodaeth.")  # fmt: skip
CATEGORY_OF_ANSWER = {
    "parking-permit": "parking", "blue-badge": "blue_badge", "street-party": "events",
    "other": "other", "service": "service_quality", "staff": "staff_conduct",
    "decision": "other",
}  # fmt: skip
# The states the office's cases end in, by the age of the case (days): newer cases are
# still coming in, older ones mostly decided or closed; a few old ones run late.
STATES_BY_AGE = (
    (2, {"submitted": 6, "triage": 3, "assigned": 1}),
    (7, {"triage": 3, "assigned": 3, "in_progress": 4, "awaiting_information": 1,
         "withdrawn": 1}),
    (21, {"assigned": 1, "in_progress": 5, "awaiting_information": 2,
          "decision_pending": 2, "decided": 4, "withdrawn": 1}),
    (WEEKS * 7, {"in_progress": 1, "decision_pending": 1, "decided": 4, "closed": 6,
                 "withdrawn": 1}),
)  # fmt: skip
# What each state's case has been through, after filing.
PATHS = {
    "submitted": (),
    "triage": ("triage",),
    "assigned": ("triage", "assign"),
    "in_progress": ("triage", "assign", "start_work", "task", "message", "reply"),
    "awaiting_information": ("triage", "assign", "start_work", "request_information"),
    "decision_pending": ("triage", "assign", "start_work", "task_done", "decide"),
    "decided": ("triage", "assign", "start_work", "message", "reply", "decide", "approve"),
    "closed": ("triage", "assign", "start_work", "task_done", "decide", "approve", "close"),
    "withdrawn": ("triage", "withdraw"),
}
# Sam Citizen's cases, which the portal's demo follows: (case type, answer, state).
SAMS_CASES = (
    ("application", "parking-permit", "submitted"),
    ("application", "blue-badge", "assigned"),
    ("complaint", "service", "in_progress"),
    ("application", "street-party", "decided"),
)


@dataclass
class Office:
    session: Session
    rng: random.Random
    types: dict[str, CaseType]
    people: dict[str, StaffUser]
    now: datetime

    @property
    def clerks(self) -> list[StaffUser]:
        return [self.people["clerk@caseway.example"], self.people["clerk2@caseway.example"]]

    def supervisor_of(self, case: Case) -> StaffUser:
        team = case.team.code if case.team else "permits"
        email = (
            "supervisor2@caseway.example" if team == "complaints" else "supervisor@caseway.example"
        )
        return self.people[email]


def seed_cases(
    session: Session, *, types: dict[str, CaseType], people: dict[str, StaffUser]
) -> int:
    """The demo office's cases (CASE_COUNT of them); returns how many were created."""
    # Not for secrets: the same office every time.
    office = Office(session, random.Random(SEED), types, people, utcnow())  # noqa: S311
    first_notice = session.scalar(select(Notice.id).order_by(Notice.id.desc()).limit(1)) or 0
    with clock_at(office.now - timedelta(weeks=WEEKS, days=1)):  # before their first case
        residents = _residents(office)
    created = []
    for type_code, answer, state in SAMS_CASES:
        filed_at = office.now - timedelta(days={"submitted": 0.2}.get(state, 9), hours=3)
        created.append(_story(office, residents[0], type_code, answer, state, filed_at))
    for _ in range(OFFICE_CASES):
        age = office.rng.uniform(0.05, WEEKS * 7)
        type_code = office.rng.choice(
            ("application", "application", "application", "complaint", "complaint")
        )
        answer = office.rng.choice(_summary_options(type_code))
        state = _state_for(office, age, type_code)
        resident = office.rng.choice(residents[1:])
        created.append(
            _story(office, resident, type_code, answer, state, office.now - timedelta(days=age))
        )
    created += _appeals(office, [c for c in created if c.state == "decided"])
    _escalate_overdue(office)
    # What the past weeks sent went out then: the demo's worker sends only what is new.
    session.execute(
        update(Notice)
        .where(Notice.id > first_notice, Notice.state == NoticeState.PENDING)
        .values(state=NoticeState.SENT, sent_at=Notice.created_at)
        .execution_options(synchronize_session=False)
    )
    session.flush()
    return len(created)


def _summary_options(type_code: str) -> tuple[str, ...]:
    """The answers of the question a case's summary is made from (a choice, for these)."""
    definition = form_for(type_code)
    return next(q.options for page in definition.pages for q in page.fields
                if q.name == definition.summary_field)  # fmt: skip


def _residents(office: Office) -> list[Party]:
    found = []
    for index, (given, family, locale) in enumerate(RESIDENTS):
        email = DEMO_CITIZEN_EMAIL if index == 0 else f"{given}.{family}@example.org".lower()
        party = parties.register_person(
            office.session, given_name=given, family_name=family, email=email,
            date_of_birth=date(1950 + index, 1 + index % 12, 1 + index % 28),
            preferred_locale=locale, is_email_verified=True,
        )  # fmt: skip
        party.phone = f"07700 900{index:03d}"  # Ofcom's numbers for drama: nobody's
        found.append(party)
    office.session.flush()
    return found


def _state_for(office: Office, age: float, type_code: str) -> str:
    weights = next(w for limit, w in STATES_BY_AGE if age <= limit)
    state = office.rng.choices(list(weights), list(weights.values()))[0]
    if state == "decision_pending" and not _needs_approval(type_code):
        return "decided"  # complaints are decided without a second person
    return state


def _needs_approval(type_code: str) -> bool:
    return workflow_for(type_code).requires_approval


def _moments(office: Office, start: datetime, count: int) -> Iterator[datetime]:
    """`count` moments after `start`, in order, before now."""
    room = (office.now - start).total_seconds() * 0.95
    for offset in sorted(office.rng.uniform(0, room) for _ in range(count)):
        yield start + timedelta(seconds=offset)


def _story(
    office: Office, resident: Party, type_code: str, answer: str, state: str, filed_at: datetime
) -> Case:
    with clock_at(filed_at):
        case = _file(office, resident, type_code, answer)
    steps = PATHS[state]
    for step, moment in zip(steps, _moments(office, filed_at, len(steps)), strict=True):
        with clock_at(moment):
            _take(office, case, step)
    return case


def _file(office: Office, resident: Party, type_code: str, answer: str) -> Case:
    definition = form_for(type_code)
    draft = filing.start_draft(
        office.session, definition=definition, locale=resident.preferred_locale
    )
    answers = _answers(office, definition, resident, {definition.summary_field: answer})
    filing.record_answers(
        office.session, draft=draft, answers=answers, locale=resident.preferred_locale
    )
    return filing.submit(office.session, draft=draft, definition=definition,
                         case_type=office.types[type_code])  # fmt: skip


def _answers(
    office: Office, definition: FormDefinition, resident: Party, given: dict[str, Any]
) -> dict[str, Any]:
    answers: dict[str, Any] = dict(given)
    for page in definition.pages:
        if not page.is_shown(answers):
            continue
        for question in page.fields:
            if question.name not in answers:
                value = _answer(office, question, resident)
                if value is not None:
                    answers[question.name] = value
    return answers


def _answer(office: Office, question: Field, resident: Party) -> Any:
    rng, today = office.rng, utcnow().date()
    person = {"given_name": resident.given_name, "family_name": resident.family_name,
              "email": resident.email, "phone": resident.phone}  # fmt: skip
    if question.name in person:
        return person[question.name]
    if question.name == "date_of_birth":
        return resident.date_of_birth.isoformat() if resident.date_of_birth else None
    if question.type in ("choice", "yes_no"):
        return rng.choice(question.options)
    if question.type == "multi_choice":
        return [rng.choice(question.options)]
    if question.type == "date":
        days = rng.randint(3, 40)
        return (
            today - timedelta(days=days) if question.past_only else today + timedelta(days=days)
        ).isoformat()
    if question.type == "address":
        town, postcode = rng.choice(TOWNS)
        return {"line_1": f"{rng.randint(1, 120)} {rng.choice(STREETS)}", "line_2": "",
                "town": town, "postcode": f"{postcode} {rng.randint(1, 9)}AB"}  # fmt: skip
    if question.type in ("text", "long_text"):
        return rng.choice(WORDS.get(question.name, ("",))) or None
    return None  # files: the demo has none to upload


def _take(office: Office, case: Case, step: str) -> None:
    STEPS[step](office, case, case.assignee or office.supervisor_of(case))


def _add_task(office: Office, case: Case, worker: StaffUser, *, done: bool) -> None:
    due = utcnow().date() + timedelta(days=office.rng.randint(0, 10))
    task = tasks.add_task(office.session, case=case, author=worker, assignee=worker,
                          title=office.rng.choice(TASKS), due_on=due)  # fmt: skip
    if done:
        tasks.complete_task(office.session, task=task, case=case, actor=worker)
    else:
        notes.add_note(office.session, case=case, author=worker,
                       text="Spoke to the resident; waiting for the papers.")  # fmt: skip


def _write(office: Office, case: Case, worker: StaffUser, *, asking: bool) -> None:
    messages.post_from_staff(office.session, case=case, staff=worker,
                             body=office.rng.choice(QUESTIONS),
                             request_for_information=asking)  # fmt: skip


def _approve(office: Office, case: Case, _worker: StaffUser) -> None:
    if _needs_approval(case.case_type.code):  # complaints are told without a second person
        decisions.approve_decision(office.session, case=case, approver=office.supervisor_of(case))


STEPS: dict[str, Callable[[Office, Case, StaffUser], object]] = {
    "triage": lambda office, case, _worker: _triage(office, case),
    "assign": lambda office, case, _worker: assignment.assign_least_loaded(
        office.session, case=case, actor=office.supervisor_of(case)),
    "start_work": lambda office, case, worker: cases.transition(
        office.session, case=case, name="start_work", actor=worker),
    "close": lambda office, case, worker: cases.transition(
        office.session, case=case, name="close", actor=worker),
    "task": lambda office, case, worker: _add_task(office, case, worker, done=False),
    "task_done": lambda office, case, worker: _add_task(office, case, worker, done=True),
    "message": lambda office, case, worker: _write(office, case, worker, asking=False),
    "request_information": lambda office, case, worker: _write(office, case, worker, asking=True),
    "reply": lambda office, case, _worker: messages.post_from_resident(
        office.session, case=case, party=case.applicant, body=office.rng.choice(REPLIES)),
    "decide": lambda office, case, worker: _decide(office, case, worker),
    "approve": _approve,
    "withdraw": lambda office, case, _worker: cases.withdraw(
        office.session, case=case, applicant=case.applicant,
        reason="I no longer need this, thank you."),
}  # fmt: skip


def _triage(office: Office, case: Case) -> None:
    rng = office.rng
    definition = form_for(case.case_type.code)
    answer = str(case.answers.get(definition.summary_field, ""))
    categories = list(case_type_definition(case.case_type.code).categories)
    category = CATEGORY_OF_ANSWER.get(answer) if case.appealed_decision_id is None else None
    category = category if category in categories else rng.choice(categories)
    area = "wales" if rng.random() < 0.85 else "england"
    priority = rng.choices(("normal", "high", "urgent"), (8, 2, 1))[0]
    risk = rng.choices(("low", "medium", "high"), (6, 3, 1))[0]
    facts = routing.CaseFacts(case.case_type.code, category, area, CasePriority(priority),
                              case.answers or {})  # fmt: skip
    triage.triage_case(
        office.session, case=case, actor=rng.choice(office.clerks), category=category,
        priority=priority, risk=risk, risk_reason="Nothing suggests harm from waiting."
        if risk == "low" else "The resident says they rely on this to get to work.",
        area=area, route=routing.proposal_for(office.session, facts),
    )  # fmt: skip


def _decide(office: Office, case: Case, worker: StaffUser) -> None:
    definition = case_type_definition(case.case_type.code)
    outcome = office.rng.choice(list(definition.outcomes))
    reason = office.rng.choice(list(definition.reasons))
    decisions.record_decision(
        office.session, case=case, outcome=outcome, reason_codes=[reason],
        decided_by=worker,
        explanation="We have looked at everything you sent us and at our policy.",
    )  # fmt: skip


def _appeals(office: Office, decided: list[Case]) -> list[Case]:
    """Appeals against recent application decisions, in a few states; each given to a
    caseworker who had no part in the decision under appeal."""
    appealable = [c for c in decided if c.case_type.code == "application"]
    appealable = [c for c in appealable if _window_open(office, c)][:APPEALS]
    created = []
    for index, appealed in enumerate(appealable):
        decision = decisions.latest_decision(office.session, appealed)
        assert decision is not None  # noqa: S101 - a decided case's
        assert decision.approved_at is not None  # noqa: S101 - applications are approved
        filed_at = decision.approved_at + (office.now - decision.approved_at) * 0.3
        with clock_at(filed_at):
            appeal = _file_appeal(office, appealed)
        steps = ("triage", "assign_other", "start_work", "decide", "approve")[: index + 1]
        for step, moment in zip(steps, _moments(office, filed_at, len(steps)), strict=True):
            with clock_at(moment):
                if step == "assign_other":
                    involved = {decision.decided_by_id, decision.approved_by_id}
                    other = next(m for m in office.people.values()
                                 if "appeal" in m.skills and m.id not in involved)  # fmt: skip
                    assignment.assign(office.session, case=appeal, to_staff=other,
                                      actor=office.supervisor_of(appeal))  # fmt: skip
                else:
                    _take(office, appeal, step)
        created.append(appeal)
    return created


def _window_open(office: Office, case: Case) -> bool:
    decision = decisions.latest_decision(office.session, case)
    return decision is not None and decisions.appeal_window(case, decision).is_open


def _file_appeal(office: Office, appealed: Case) -> Case:
    definition = form_for("appeal")
    locale = appealed.applicant.preferred_locale
    draft = filing.start_appeal(office.session, case=appealed, definition=definition, locale=locale)
    answers = _answers(office, definition, appealed.applicant, {})
    filing.record_answers(office.session, draft=draft, answers=answers, locale=locale)
    return filing.submit(office.session, draft=draft, definition=definition,
                         case_type=office.types["appeal"])  # fmt: skip


def _escalate_overdue(office: Office) -> None:
    """Supervisors were told of the cases that went overdue, the day after each was due
    (as the scheduler would have), rather than all at once when the demo starts."""
    for case_id in sla.overdue_to_escalate(office.session, now=office.now, limit=10_000):
        case = office.session.get(Case, case_id)
        assert case is not None  # noqa: S101 - listed just now
        assert case.due_at is not None  # noqa: S101 - listed as overdue
        told = min(case.due_at + timedelta(days=1), office.now)
        with clock_at(told):
            told_then = sla.escalate_overdue(office.session, case_id=case_id, now=told)
        if not told_then:  # its clock stopped a while after it was due: overdue later
            sla.escalate_overdue(office.session, case_id=case_id, now=office.now)
