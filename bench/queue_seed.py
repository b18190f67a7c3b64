"""A million realistic cases for bench/queue.py, written straight into the database.

The rows are made in Python in one pass per table and streamed to PostgreSQL with COPY
(or to SQLite with executemany in one transaction); nothing goes through the ORM, which
would take hours at this size. Ids follow the order cases came in, as they do in a real
database, and every foreign key points at a row that exists.

The mix, for 1,000,000 cases over three years: about 88 % ended (closed, decided or
withdrawn); 4 % submitted and 3 % in triage (the triage queue: ~70,000 cases); 4.5 %
routed to a team and waiting there (a few already taken by someone); and 0.6 % being
worked (in progress, waiting for the resident, decision being checked). The last share
is small on purpose: ~150 caseworkers with about 45 open cases each (10 to 140) is what
a caseload looks like; more would be a backlog no service runs with.
"""

from __future__ import annotations

import bisect
import json
import random
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import psycopg
from sqlalchemy import Engine, select, text, update

from shared.casetypes import load_case_types
from shared.models import Case, Message
from shared.references import ALPHABET, check_character, format_reference
from shared.security import hash_password
from shared.services import schema
from shared.services.messages import awaiting_reply_since

DAY = 86_400
YEARS = 3
BENCH_PASSWORD = "a long password for the benchmark"  # noqa: S105 (a throwaway database)

# (state, share of all cases, days since submitted: lower, upper)
STATES: tuple[tuple[str, float, float, float], ...] = (
    ("closed", 0.8389, 12, YEARS * 365),
    ("decided", 0.015, 6, 60),
    ("withdrawn", 0.025, 0, YEARS * 365),
    ("submitted", 0.040, 0, 14),
    ("triage", 0.030, 0, 21),
    ("assigned", 0.045, 1, 35),
    ("in_progress", 0.0030, 3, 60),
    ("awaiting_information", 0.0018, 5, 70),
    ("decision_pending", 0.0008, 8, 50),
)
HELD_BY_A_PERSON = frozenset({"in_progress", "awaiting_information", "decision_pending"})
# A share of the cases routed to a team is already taken by someone there.
ASSIGNED_TO_A_PERSON = 0.03
CASE_TYPES = (("application", 0.70), ("complaint", 0.22), ("appeal", 0.08))
PRIORITIES = (("normal", 0.80), ("high", 0.14), ("urgent", 0.06))
CHANNELS = (("portal", 0.75), ("phone", 0.12), ("post", 0.08), ("in_person", 0.05))
AREAS = (("england", 0.80), ("wales", 0.10), ("scotland", 0.06), ("northern_ireland", 0.04))
RISKS = (("low", 0.70), ("medium", 0.25), ("high", 0.05))
# sla_policies.toml: the case type's default policy, working days per priority.
SLA = {
    "application": ("standard", {"normal": 20, "high": 10, "urgent": 5}),
    "complaint": ("fast_track", {"normal": 10, "high": 5, "urgent": 2}),
    "appeal": ("standard", {"normal": 20, "high": 10, "urgent": 5}),
}
# (code, name, case type, share of its case type, caseworkers)
TEAMS = (
    ("permits", "Permits", "application", 0.22, 22),
    ("housing", "Housing", "application", 0.20, 20),
    ("benefits", "Benefits", "application", 0.18, 18),
    ("planning", "Planning", "application", 0.16, 16),
    ("licensing", "Licensing", "application", 0.14, 14),
    ("waste", "Waste and streets", "application", 0.10, 10),
    ("complaints", "Complaints", "complaint", 1.0, 40),
    ("appeals", "Appeals", "appeal", 1.0, 14),
)
SUPERVISORS_PER_TEAM = 2
INTAKE_CLERKS = 18
AUDITORS = 4
ADMINISTRATORS = 3
LEAVERS = 12  # inactive caseworkers: their old cases keep them as assignee
SUMMARIES = {
    "application": ("Resident parking permit", "Repair to a council home", "Blue badge",
                    "Premises licence", "Home improvement grant", "School transport"),
    "complaint": ("Missed bin collection", "No reply to my letters", "Rude phone call",
                  "Noise from a council site", "Pothole not repaired"),
    "appeal": ("Appeal against a refused permit", "Appeal against a licence condition",
               "Appeal against a grant amount"),
}  # fmt: skip
ANSWERS = {
    "application": ({"service": "parking", "vehicle": "AB12 CDE", "needed_by": "2026-12-01"},
                    {"service": "repair", "room": "kitchen", "urgent": "no"},
                    {"service": "grant", "amount": "2400", "household": "3"}),
    "complaint": ({"about": "bins", "what_happened": "The bins were not collected twice.",
                   "outcome_wanted": "Collect them"},
                  {"about": "staff", "what_happened": "Nobody answered my letter of May.",
                   "outcome_wanted": "A reply"}),
    "appeal": ({"decision_reference": "", "why": "The decision missed my evidence."},),
}  # fmt: skip
OUTCOMES = {
    "application": (("approved", "meets_criteria"), ("partly_approved", "meets_criteria"),
                    ("refused", "not_eligible"), ("refused", "missing_evidence")),
    "complaint": (("upheld", "service_below_standard"), ("partly_upheld", "delay"),
                  ("not_upheld", "policy_followed")),
    "appeal": (("allowed", "new_evidence"), ("dismissed", "decision_correct")),
}  # fmt: skip
GIVEN = (
    "Ana",
    "Rhys",
    "Mohammed",
    "Olivia",
    "Siân",
    "Amelia",
    "Noah",
    "Priya",
    "Liam",
    "Zofia",
    "Oliver",
    "Aisha",
    "Jack",
    "Megan",
    "Dylan",
    "Grace",
    "Yusuf",
    "Ffion",
    "Tomasz",
    "Isla",
)
FAMILY = (
    "Silva",
    "Jones",
    "Khan",
    "Smith",
    "Williams",
    "Patel",
    "Davies",
    "Evans",
    "Nowak",
    "Brown",
    "Taylor",
    "Hughes",
    "Ali",
    "Murphy",
    "Campbell",
    "Wilson",
    "Roberts",
    "Chen",
)
TOWNS = ("Cardiff", "Swansea", "Leeds", "Bristol", "Glasgow", "Belfast", "Newport", "York")
LOCALES = (("en", 0.86), ("cy", 0.08), ("es", 0.02), ("fr", 0.02), ("ar", 0.01),
           ("zh_Hans", 0.01))  # fmt: skip
NOTES = ("Called the resident: they will send the tenancy agreement.",
         "Checked with the highways team.", "Evidence received by post and scanned.",
         "Spoke to the landlord.", "Second opinion asked from the team leader.")  # fmt: skip
MESSAGES = ("I have attached the letter you asked for.", "When will I hear back?",
            "Thank you, that is everything.", "I have moved: my new address is below.")  # fmt: skip
STAFF_REPLY = "Thank you for your message. I have added it to your case."
TASKS = ("Check the evidence", "Call the resident back", "Ask for a site visit",
         "Write to the landlord", "Check the payment")  # fmt: skip


def picker(weighted: Sequence[tuple[str, float]]) -> Callable[[], str]:
    """A fast weighted choice: random.choices costs ten times more per call."""
    values = [value for value, _ in weighted]
    bounds: list[float] = []
    total = 0.0
    for _, weight in weighted:
        total += weight
        bounds.append(total)
    rand = random.random

    def pick() -> str:
        return values[min(bisect.bisect(bounds, rand() * total), len(values) - 1)]

    return pick


def scrambled_code(number: int, multiplier: int, offset: int) -> str:
    """A reference-shaped code (four, four, check character) unique per `number`: a
    bijection on 40-bit numbers, so references look random yet never clash."""
    value = (number * multiplier + offset) % (1 << 40)
    body = "".join(ALPHABET[(value >> (5 * i)) & 31] for i in range(8))
    return format_reference(body + check_character(body))


@dataclass(frozen=True)
class Formats:
    """How one database takes values in bulk: timestamps, booleans and NULL."""

    null: str | None
    true: str
    false: str
    timestamp_suffix: str  # after "YYYY-MM-DD HH:MM:SS"
    base: datetime  # second 0 of the seconds every row counts in

    def __post_init__(self) -> None:
        days = [(self.base + timedelta(days=d)).date().isoformat() for d in range(6 * 366)]
        clock = [f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}" for s in range(DAY)]
        object.__setattr__(self, "_days", days)
        object.__setattr__(self, "_clock", clock)

    def ts(self, second: float | None) -> str | None:
        if second is None:
            return self.null
        whole = int(second)
        days: list[str] = self._days  # type: ignore[attr-defined]
        clock: list[str] = self._clock  # type: ignore[attr-defined]
        return days[whole // DAY] + " " + clock[whole % DAY] + self.timestamp_suffix

    def day(self, second: float) -> str:
        return self._days[int(second) // DAY]  # type: ignore[attr-defined,no-any-return]

    def number(self, value: int | None) -> str | None:
        return self.null if value is None else str(value)

    def flag(self, value: bool) -> str:
        return self.true if value else self.false


def formats_for(dialect: str, now: datetime) -> Formats:
    base = datetime(now.year - YEARS - 1, 1, 1, tzinfo=UTC)
    if dialect == "postgresql":
        return Formats(null="\\N", true="t", false="f", timestamp_suffix="+00", base=base)
    # SQLAlchemy's own storage format on SQLite: these compare as strings in WHERE.
    return Formats(null=None, true="1", false="0", timestamp_suffix=".000000", base=base)


@dataclass
class Staff:
    id: int
    email: str
    roles: tuple[str, ...]
    team_id: int | None
    active: bool = True


@dataclass
class World:
    """What the rows of one table need to know about the others."""

    now_s: int
    case_type_ids: dict[str, int]
    teams: dict[str, int]
    staff: list[Staff] = field(default_factory=list)
    caseworkers: dict[int, list[int]] = field(default_factory=dict)  # team -> active ids
    leavers: dict[int, list[int]] = field(default_factory=dict)
    supervisors: dict[int, list[int]] = field(default_factory=dict)
    clerks: list[int] = field(default_factory=list)
    parties: int = 0
    # per case, in id order: (type, state, submitted, ended, team, assignee, applicant,
    # priority, channel): enough for the other tables' rows
    cases: list[tuple[str, str, int, int, int | None, int | None, int, str, str]] = field(
        default_factory=list
    )
    open_cases_of: dict[int, int] = field(default_factory=dict)
    categories: dict[str, list[str]] = field(default_factory=dict)  # per case type


Row = tuple[str | None, ...]
Writer = Callable[[str, Sequence[str], Iterable[Row]], int]


def staff_rows(
    world: World, fmt: Formats, password_hash: str, scale: float = 1.0
) -> tuple[list[Row], list[Row]]:
    """About 200 staff for a million cases: per team two supervisors and its caseworkers,
    intake clerks, auditors, administrators, and some who have left. Caseworkers and
    clerks are in proportion to the cases (`scale`: cases / 1,000,000), so each person's
    caseload and history look the same at any size."""
    members: list[Row] = []
    roles: list[Row] = []
    created = fmt.ts(world.now_s - YEARS * 365 * DAY - 30 * DAY)

    def add(role: str, team_id: int | None, active: bool = True, skills: str = "[]") -> int:
        number = len(world.staff) + 1
        given, family = GIVEN[number % len(GIVEN)], FAMILY[number * 7 % len(FAMILY)]
        email = f"{role}{number}@council.example"
        world.staff.append(Staff(number, email, (role,), team_id, active))
        members.append((str(number), email, f"{given} {family}", password_hash,
                        fmt.number(team_id), fmt.flag(active), created, "0", "0",
                        skills))  # fmt: skip
        roles.append((str(number), str(ROLE_IDS[role])))
        return number

    for code, _name, case_type, _share, caseworkers in TEAMS:
        team_id = world.teams[code]
        skills = json.dumps([case_type])
        world.supervisors[team_id] = [
            add("supervisor", team_id, skills=skills) for _ in range(SUPERVISORS_PER_TEAM)
        ]
        caseworkers = max(1, round(caseworkers * scale))
        world.caseworkers[team_id] = [
            add("caseworker", team_id, skills=skills) for _ in range(caseworkers)
        ]
        world.leavers[team_id] = [
            add("caseworker", team_id, active=False, skills=skills)
            for _ in range(max(1, LEAVERS * caseworkers // 154))
        ]
    world.clerks = [add("intake_clerk", None) for _ in range(max(2, round(INTAKE_CLERKS * scale)))]
    for _ in range(AUDITORS):
        add("auditor", None)
    for _ in range(ADMINISTRATORS):
        add("administrator", None)
    return members, roles


ROLE_IDS = {"intake_clerk": 1, "caseworker": 2, "supervisor": 3, "auditor": 4, "administrator": 5}


def party_rows(count: int, fmt: Formats, now_s: int) -> Iterator[Row]:
    rand = random.random
    locale = picker(LOCALES)
    start = now_s - (YEARS * 365 + 30) * DAY
    births = [(date(1936, 1, 1) + timedelta(days=d)).isoformat() for d in range(70 * 365)]
    for number in range(1, count + 1):
        organisation = rand() < 0.04
        given, family = GIVEN[number % 20], FAMILY[number * 13 % 18]
        yield (
            str(number),
            "C-" + scrambled_code(number, 0x5DEECE66D, 0x2F0A3B1C7),
            "organisation" if organisation else "person",
            fmt.null if organisation else given,
            fmt.null if organisation else family,
            f"{family} Housing Association" if organisation else fmt.null,
            fmt.null if organisation else births[int(rand() * len(births))],
            f"resident{number}@example.org" if rand() < 0.93 else fmt.null,
            fmt.flag(rand() < 0.45),
            f"07700 9{number % 100000:05d}" if rand() < 0.7 else fmt.null,
            f"{number % 300 + 1} {FAMILY[number % 18]} Road",
            fmt.null,
            TOWNS[number % len(TOWNS)],
            f"CF{number % 90 + 10} {number % 9 + 1}AB",
            locale(),
            "0",
            fmt.ts(start + rand() * (now_s - start)),
            fmt.null,
        )  # fmt: skip


def case_plan(world: World, count: int) -> None:
    """Each case's type, state and dates, sorted by when it came in (so ids rise with
    time), with its team, assignee and applicant."""
    rand = random.random
    state_pick = picker([(s, share) for s, share, _, _ in STATES])
    ages = {s: (low, high) for s, _, low, high in STATES}
    type_pick = picker(CASE_TYPES)
    priority_pick = picker(PRIORITIES)
    channel_pick = picker(CHANNELS)
    team_pick = {
        case_type: picker([(code, share) for code, _, t, share, _ in TEAMS if t == case_type])
        for case_type, _ in CASE_TYPES
    }
    drafts: list[tuple[int, str]] = []
    for _ in range(count):
        state = state_pick()
        low, high = ages[state]
        # A tenth of the open cases are stuck well past the usual: old items in a queue.
        if state not in ("closed", "withdrawn") and rand() < 0.1:
            high *= 3
        drafts.append((world.now_s - int((low + rand() * (high - low)) * DAY), state))
    drafts.sort()
    parties = 0
    caseworker_weights = {
        team: [0.3 + rand() * 1.4 for _ in ids] for team, ids in world.caseworkers.items()
    }
    for submitted, state in drafts:
        case_type = type_pick()
        team: int | None = world.teams[team_pick[case_type]()]
        assignee: int | None = None
        if state in ("submitted", "triage"):
            team = None
        elif state in HELD_BY_A_PERSON or (state == "assigned" and rand() < ASSIGNED_TO_A_PERSON):
            assert team is not None
            assignee = random.choices(world.caseworkers[team], caseworker_weights[team])[0]
            world.open_cases_of[assignee] = world.open_cases_of.get(assignee, 0) + 1
        elif state in ("closed", "decided") or (state == "withdrawn" and rand() < 0.5):
            assert team is not None
            pool = world.leavers[team] if rand() < 0.12 else world.caseworkers[team]
            assignee = pool[int(rand() * len(pool))]
        elif state == "withdrawn":
            team = None if rand() < 0.5 else team
        # Three in four cases come from someone new; the others from a returning resident.
        if parties == 0 or rand() < 0.75:
            parties += 1
            applicant = parties
        else:
            applicant = 1 + int(rand() * parties)
        ended = submitted + int((3 + rand() * 40) * DAY)
        if state in ("closed", "withdrawn", "decided"):
            ended = min(ended, world.now_s - int(rand() * 5 * DAY))
            ended = max(ended, submitted + 3600)
        world.cases.append((case_type, state, submitted, ended, team, assignee, applicant,
                            priority_pick(), channel_pick()))  # fmt: skip
    world.parties = parties + parties // 20  # and some who only ever represent others


def case_rows(world: World, fmt: Formats) -> Iterator[Row]:
    rand = random.random
    area_pick, risk_pick = picker(AREAS), picker(RISKS)
    answers = {t: [json.dumps(a) for a in options] for t, options in ANSWERS.items()}
    decisions = 0
    for number, plan in enumerate(world.cases, start=1):
        case_type, state, submitted, ended, team, assignee, applicant, priority, channel = plan
        triaged = state not in ("submitted", "triage") and not (state == "withdrawn" and not team)
        policy, days = SLA[case_type]
        working_days = days[priority]
        paused = int(rand() * 12) if state == "awaiting_information" or rand() < 0.15 else 0
        extended = 5 if rand() < 0.03 else 0
        due = submitted + (working_days + paused + extended) * 7 * DAY // 5
        stopped: float | None = None
        if state == "awaiting_information":
            stopped = world.now_s - rand() * 8 * DAY
        elif state in ("decided", "closed", "withdrawn"):
            stopped = ended
        ends = state in ("closed", "withdrawn")
        late = (stopped if stopped is not None else world.now_s) > due
        appealed = fmt.null
        if case_type == "appeal" and decisions and rand() < 0.9:
            appealed = str(1 + int(rand() * decisions))
        if state in ("decided", "closed", "decision_pending"):
            decisions += 1
        categories = world.categories[case_type]
        yield (
            str(number),
            scrambled_code(number, 0x9E3779B97F, 0x1234567),
            str(world.case_type_ids[case_type]),
            state,
            str(applicant),
            fmt.number(team),
            fmt.number(assignee),
            SUMMARIES[case_type][number % len(SUMMARIES[case_type])],
            answers[case_type][number % len(answers[case_type])],
            "1",
            "1",
            appealed,
            channel,
            priority,
            fmt.null if channel == "portal" else str(world.clerks[number % len(world.clerks)]),
            categories[number % len(categories)] if triaged else fmt.null,
            risk_pick() if triaged else fmt.null,
            area_pick() if triaged or (state == "triage" and rand() < 0.5) else fmt.null,
            fmt.ts(submitted + 3600 + rand() * 2 * DAY) if triaged else fmt.null,
            fmt.ts(submitted),
            fmt.ts(min(ended, world.now_s) if state not in ("submitted",) else submitted),
            policy,
            str(working_days),
            str(paused),
            str(extended),
            fmt.ts(stopped),
            fmt.ts(due),
            fmt.ts(due + DAY) if late and due + DAY < world.now_s else fmt.null,
            fmt.ts(ended) if ends else fmt.null,
        )


CASE_COLUMNS = (
    "id", "reference", "case_type_id", "state", "applicant_id", "team_id", "assignee_id",
    "summary", "answers", "form_version", "workflow_version", "appealed_decision_id", "channel",
    "priority", "recorded_by_staff_id", "category", "risk", "area", "triaged_at",
    "submitted_at", "updated_at", "sla_policy", "sla_working_days", "paused_working_days",
    "extended_working_days", "clock_stopped_at", "due_at", "overdue_notified_at", "closed_at",
)  # fmt: skip
PARTY_COLUMNS = (
    "id", "client_id", "kind", "given_name", "family_name", "organisation_name",
    "date_of_birth", "email", "is_email_verified", "phone", "address_line_1", "address_line_2",
    "address_town", "address_postcode", "preferred_locale", "session_version", "created_at",
    "linked_to_id",
)  # fmt: skip
STAFF_COLUMNS = (
    "id", "email", "display_name", "password_hash", "team_id", "is_active", "created_at",
    "session_version", "failed_sign_ins", "skills",
)  # fmt: skip
EVENT_COLUMNS = (
    "id", "case_id", "kind", "from_state", "to_state", "actor_staff_id", "actor_party_id",
    "is_public", "note", "occurred_at",
)  # fmt: skip
DECISION_COLUMNS = (
    "id", "case_id", "outcome", "reason_codes", "explanation", "decided_by_id",
    "approved_by_id", "decided_at", "approved_at",
)  # fmt: skip
TASK_COLUMNS = (
    "id", "case_id", "title", "state", "assignee_id", "due_at", "created_at", "completed_at",
)  # fmt: skip
DOCUMENT_COLUMNS = (
    "id", "public_id", "case_id", "question", "uploaded_by_party_id", "version",
    "original_filename", "storage_key", "content_type", "size_bytes", "sha256", "scan_state",
    "scan_signature", "scan_attempts", "scanned_at", "classification", "pii_tags",
    "uploaded_at",
)  # fmt: skip
MESSAGE_COLUMNS = (
    "id", "case_id", "sender_party_id", "sender_staff_id", "body", "is_internal", "sent_at",
    "read_at",
)  # fmt: skip
CASE_PARTY_COLUMNS = ("id", "case_id", "party_id", "role", "added_by_staff_id", "added_at")
DUPLICATE_COLUMNS = (
    "id", "case_id", "party_id", "other_party_id", "state", "decided_by_staff_id",
    "decided_at", "reason", "found_at",
)  # fmt: skip

# The path through the workflow to each state (transition names, after "submitted").
PATH = {
    "submitted": (),
    "triage": ("start_triage",),
    "assigned": ("start_triage", "assign"),
    "in_progress": ("start_triage", "assign", "start_work"),
    "awaiting_information": ("start_triage", "assign", "start_work", "request_information"),
    "decision_pending": ("start_triage", "assign", "start_work", "decide"),
    "decided": ("start_triage", "assign", "start_work", "decide", "approve_decision"),
    "closed": ("start_triage", "assign", "start_work", "decide", "approve_decision", "close"),
}
TO_STATE = {
    "start_triage": ("submitted", "triage"), "assign": ("triage", "assigned"),
    "start_work": ("assigned", "in_progress"),
    "request_information": ("in_progress", "awaiting_information"),
    "information_received": ("awaiting_information", "in_progress"),
    "decide": ("in_progress", "decision_pending"),
    "approve_decision": ("decision_pending", "decided"), "close": ("decided", "closed"),
}  # fmt: skip


def _steps(case_type: str, state: str, assigned: bool) -> list[str]:
    """The transitions (and notes) a case in `state` went through after it came in."""
    rand = random.random
    if state == "withdrawn":
        steps = list(PATH["in_progress" if assigned else "submitted"][: 1 + int(rand() * 3)])
        steps.append("withdraw")
    else:
        steps = list(PATH[state])
    if "decide" in steps and rand() < 0.25:
        at = steps.index("decide")
        steps[at:at] = ["request_information", "information_received"]
    if case_type == "complaint" and "approve_decision" in steps:
        steps.remove("approve_decision")  # complaints need no second person
    if rand() < 0.3 and assigned:
        steps.insert(min(len(steps), 3), "note")
    return steps


def event_rows(world: World, fmt: Formats) -> Iterator[Row]:
    """Each case's timeline: its submission, every transition on its way to its state
    (a quarter ask the resident for something on the way), and some internal notes."""
    rand = random.random
    number = 0
    null, true, false = fmt.null, fmt.true, fmt.false
    for case_id, plan in enumerate(world.cases, start=1):
        case_type, state, submitted, ended, team, assignee, applicant = plan[:7]
        steps = _steps(case_type, state, assignee is not None)
        last = ended if state in ("closed", "withdrawn", "decided") else world.now_s - DAY
        gap = max(60.0, (last - submitted) / (len(steps) + 1))
        case = str(case_id)
        number += 1
        yield (str(number), case, "submitted", null, "submitted", null, str(applicant), true,
               null, fmt.ts(submitted))  # fmt: skip
        current = "submitted"
        clerk = str(world.clerks[case_id % len(world.clerks)])
        worker = str(assignee) if assignee else clerk
        for index, step in enumerate(steps, start=1):
            number += 1
            at = fmt.ts(submitted + index * gap * (0.6 + rand() * 0.4))
            if step == "note":
                yield (str(number), case, "note", null, null, worker, null, false,
                       NOTES[number % len(NOTES)], at)  # fmt: skip
                continue
            if step == "withdraw":
                yield (str(number), case, "withdraw", current, "withdrawn", null,
                       str(applicant), true, "I no longer need this.", at)  # fmt: skip
                continue
            source, target = TO_STATE[step]
            if step == "decide" and case_type == "complaint":
                target = "decided"
            actor = clerk if step in ("start_triage", "assign") else worker
            if step == "approve_decision" and team is not None:
                actor = str(world.supervisors[team][case_id % SUPERVISORS_PER_TEAM])
            note = "Please send proof of address." if step == "request_information" else null
            yield (str(number), case, step, source, target, actor, null, true, note, at)
            current = target


def decision_rows(world: World, fmt: Formats) -> Iterator[Row]:
    number = 0
    rand = random.random
    for case_id, plan in enumerate(world.cases, start=1):
        case_type, state, submitted, ended, team, assignee = plan[:6]
        if state not in ("decided", "closed", "decision_pending"):
            continue
        number += 1
        outcome, reason = OUTCOMES[case_type][case_id % len(OUTCOMES[case_type])]
        decided = ended - int(rand() * 2 * DAY) if state != "decision_pending" else ended
        decided = max(decided, submitted + 1800)
        approved = state != "decision_pending" and case_type != "complaint" and team
        yield (
            str(number), str(case_id), outcome, json.dumps([reason]),
            "We looked at what you sent us and at our policy." if rand() < 0.6 else fmt.null,
            str(assignee), str(world.supervisors[team][0]) if approved and team else fmt.null,
            fmt.ts(min(decided, world.now_s)),
            fmt.ts(min(decided + 3600, world.now_s)) if approved else fmt.null,
        )  # fmt: skip


def task_rows(world: World, fmt: Formats) -> Iterator[Row]:
    """Open tasks on a third of the open cases held by someone, done tasks on a fifth of
    the rest."""
    number = 0
    rand = random.random
    for case_id, plan in enumerate(world.cases, start=1):
        _type, state, submitted, ended, _team, assignee = plan[:6]
        if assignee is None:
            continue
        ongoing = state not in ("closed", "decided", "withdrawn")
        if rand() >= (0.35 if ongoing else 0.2):
            continue
        number += 1
        created = submitted + DAY
        due = created + int(rand() * 20) * DAY
        done = not ongoing
        yield (str(number), str(case_id), TASKS[number % len(TASKS)], "done" if done else "open",
               str(assignee), fmt.ts(due), fmt.ts(created),
               fmt.ts(min(ended, due)) if done else fmt.null)  # fmt: skip


def document_rows(world: World, fmt: Formats) -> Iterator[Row]:
    """A file on about a quarter of the cases; a few on open cases held as infected."""
    number = 0
    rand = random.random
    for case_id, plan in enumerate(world.cases, start=1):
        _type, state, submitted, _ended, _team, _assignee, applicant = plan[:7]
        if rand() >= 0.25:
            continue
        number += 1
        held = state in ("submitted", "triage") and rand() < 0.02
        yield (
            str(number), f"bench{number:012d}xk3Fq8Lw2Zt9Rn5Vp", str(case_id), "evidence",
            str(applicant), "1", "proof-of-address.pdf", f"bench/{number:012d}",
            "application/pdf", str(40_000 + number % 900_000),
            f"{number:064x}", "infected" if held else "clean",
            "Eicar-Test-Signature" if held else fmt.null, "1", fmt.ts(submitted + 120),
            "personal", "[]", fmt.ts(submitted),
        )  # fmt: skip


def message_rows(world: World, fmt: Formats) -> Iterator[Row]:
    """Messages from residents on about a fifth of the cases, answered by staff on every
    finished case and on half the open ones; read, except on some open cases held by
    someone (a new message for My work)."""
    number = 0
    rand = random.random
    for case_id, plan in enumerate(world.cases, start=1):
        _type, state, submitted, ended, _team, assignee, applicant = plan[:7]
        if rand() >= 0.2:
            continue
        ongoing = state not in ("closed", "decided", "withdrawn")
        number += 1
        sent = min(submitted + int(rand() * max(1, ended - submitted)), world.now_s - 60)
        unread = ongoing and assignee is not None and rand() < 0.4
        yield (str(number), str(case_id), str(applicant), fmt.null,
               MESSAGES[number % len(MESSAGES)], fmt.false, fmt.ts(sent),
               fmt.null if unread else fmt.ts(min(sent + DAY, world.now_s)))  # fmt: skip
        if not unread and (not ongoing or rand() < 0.5):
            number += 1
            answered = min(sent + DAY, world.now_s - 30)
            writer = assignee if assignee is not None else world.clerks[0]
            yield (str(number), str(case_id), fmt.null, str(writer), STAFF_REPLY, fmt.false,
                   fmt.ts(answered), fmt.ts(min(answered + DAY, world.now_s)))  # fmt: skip


def case_party_rows(world: World, fmt: Formats) -> Iterator[Row]:
    number = 0
    rand = random.random
    roles = ("representative", "other_party", "witness")
    for case_id, plan in enumerate(world.cases, start=1):
        _type, state, submitted, _ended, _team, assignee, applicant = plan[:7]
        if rand() >= 0.06:
            continue
        other = 1 + int(rand() * world.parties)
        if other == applicant:
            continue
        number += 1
        by = assignee or world.clerks[case_id % len(world.clerks)]
        yield (str(number), str(case_id), str(other), roles[number % 3], str(by),
               fmt.ts(submitted + DAY))  # fmt: skip


def duplicate_rows(world: World, fmt: Formats) -> Iterator[Row]:
    """A possible duplicate party on 3 % of the cases waiting for triage, and decided
    ones on some older cases."""
    number = 0
    rand = random.random
    for case_id, plan in enumerate(world.cases, start=1):
        _type, state, submitted, _ended, _team, _assignee, applicant = plan[:7]
        waiting = state in ("submitted", "triage")
        if rand() >= (0.03 if waiting else 0.002):
            continue
        other = 1 + int(rand() * world.parties)
        if other == applicant:
            continue
        number += 1
        decided = not waiting
        yield (str(number), str(case_id), str(applicant), str(other),
               ("confirmed" if rand() < 0.4 else "rejected") if decided else "open",
               str(world.clerks[0]) if decided else fmt.null,
               fmt.ts(submitted + DAY) if decided else fmt.null,
               "Same name, date of birth and address." if decided else fmt.null,
               fmt.ts(submitted + 60))  # fmt: skip


@dataclass
class Seeded:
    world: World
    seconds: float
    rows: dict[str, int]


def seed(
    engine: Engine, cases: int, now: datetime, *, say: Callable[[str], None] = print
) -> Seeded:
    """The schema by the project's migrations, then `cases` cases with everything around
    them, into the empty database behind `engine`."""
    outer = random.getstate()
    random.seed(16)  # the same cases every run; the caller's random state is given back
    try:
        return _seed(engine, cases, now, say)
    finally:
        random.setstate(outer)


def _seed(engine: Engine, cases: int, now: datetime, say: Callable[[str], None]) -> Seeded:
    started = time.perf_counter()
    schema.upgrade(engine)
    dialect = engine.dialect.name
    fmt = formats_for(dialect, now)
    now_s = int((now - fmt.base).total_seconds())
    case_types = [t.code for t in load_case_types()]
    world = World(
        now_s=now_s,
        case_type_ids={code: number for number, code in enumerate(case_types, start=1)},
        teams={code: number for number, (code, *_rest) in enumerate(TEAMS, start=1)},
    )
    world.categories = {t.code: list(t.categories) for t in load_case_types()}
    fixed = _reference_rows(world, fmt)
    password_hash = hash_password(BENCH_PASSWORD)
    members, member_roles = staff_rows(world, fmt, password_hash, scale=cases / 1_000_000)
    case_plan(world, cases)
    tables: list[tuple[str, Sequence[str], Callable[[], Iterable[Row]]]] = [
        *fixed,
        ("staff_user", STAFF_COLUMNS, lambda: members),
        ("staff_user_role", ("staff_user_id", "role_id"), lambda: member_roles),
        ("party", PARTY_COLUMNS, lambda: party_rows(world.parties, fmt, now_s)),
        ("case", CASE_COLUMNS, lambda: case_rows(world, fmt)),
        ("event", EVENT_COLUMNS, lambda: event_rows(world, fmt)),
        ("decision", DECISION_COLUMNS, lambda: decision_rows(world, fmt)),
        ("task", TASK_COLUMNS, lambda: task_rows(world, fmt)),
        ("document", DOCUMENT_COLUMNS, lambda: document_rows(world, fmt)),
        ("message", MESSAGE_COLUMNS, lambda: message_rows(world, fmt)),
        ("case_party", CASE_PARTY_COLUMNS, lambda: case_party_rows(world, fmt)),
        ("possible_duplicate", DUPLICATE_COLUMNS, lambda: duplicate_rows(world, fmt)),
    ]
    if dialect == "postgresql":
        rows = _load_postgresql(engine, tables, say)
    else:
        rows = _load_sqlite(engine, tables, say)
    _mark_cases_awaiting_reply(engine, say)
    return Seeded(world, time.perf_counter() - started, rows)


def _mark_cases_awaiting_reply(engine: Engine, say: Callable[[str], None]) -> None:
    """Case.awaiting_reply_since from the conversations just loaded, as the messages
    service keeps it."""
    began = time.perf_counter()
    with engine.begin() as connection:
        marked = connection.execute(
            update(Case)
            .where(Case.id.in_(select(Message.case_id)))
            .values(awaiting_reply_since=awaiting_reply_since(Case.id), updated_at=Case.updated_at)
        ).rowcount
    say(f"  case.awaiting_reply_since: {marked:,} cases in {time.perf_counter() - began:.1f} s")


def _reference_rows(
    world: World, fmt: Formats
) -> list[tuple[str, Sequence[str], Callable[[], Iterable[Row]]]]:
    types = [
        (str(world.case_type_ids[t.code]), t.code, json.dumps(t.labels), t.version,
         str(t.target_days), str(t.appeal_window_days), fmt.true)
        for t in load_case_types()
    ]  # fmt: skip
    roles = [(str(i), code, code.replace("_", " ").capitalize()) for code, i in ROLE_IDS.items()]
    teams = [(str(world.teams[code]), code, name, f"{code}@council.example", "{}")
             for code, name, *_rest in TEAMS]  # fmt: skip
    return [
        ("case_type", ("id", "code", "labels", "workflow_version", "target_days",
                       "appeal_window_days", "is_active"), lambda: types),
        ("role", ("id", "code", "name"), lambda: roles),
        ("team", ("id", "code", "name", "email", "names"), lambda: teams),
    ]  # fmt: skip


def _load_postgresql(
    engine: Engine,
    tables: list[tuple[str, Sequence[str], Callable[[], Iterable[Row]]]],
    say: Callable[[str], None],
) -> dict[str, int]:
    """COPY each table with its secondary indexes dropped and foreign-key triggers off
    (as pg_restore --disable-triggers does), then the same indexes built again from their
    own definitions: building an index once is many times faster than growing it row by
    row. Primary keys and unique constraints stay, and still check every row."""
    names = [name for name, _, _ in tables]
    url = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    counts: dict[str, int] = {}
    with psycopg.connect(url, autocommit=False) as connection:
        connection.execute("SET session_replication_role = replica")
        connection.execute("SET synchronous_commit = off")
        connection.execute("SET maintenance_work_mem = '512MB'")
        indexes = connection.execute(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i "
            "JOIN pg_class c ON c.relname = i.indexname "
            "JOIN pg_index x ON x.indexrelid = c.oid "
            "WHERE i.schemaname = 'public' AND i.tablename = ANY(%s) "
            "AND NOT x.indisunique AND NOT x.indisprimary",
            (names,),
        ).fetchall()
        for index_name, _definition in indexes:
            connection.execute(f'DROP INDEX "{index_name}"')
        for name, columns, rows in tables:
            began = time.perf_counter()
            counts[name] = _copy(connection, name, columns, rows())
            say(f"  {name}: {counts[name]:,} rows in {time.perf_counter() - began:.1f} s")
        began = time.perf_counter()
        for _name, definition in indexes:
            connection.execute(definition)
        for name in names:  # the ids were given: the sequences go on after them
            if name != "staff_user_role":
                connection.execute(
                    f"SELECT setval(pg_get_serial_sequence('\"{name}\"', 'id'), "  # noqa: S608
                    f'(SELECT coalesce(max(id), 1) FROM "{name}"))'
                )
        connection.commit()
        say(f"  {len(indexes)} indexes built in {time.perf_counter() - began:.1f} s")
    return counts


def _copy(
    connection: psycopg.Connection[tuple[object, ...]],
    table: str,
    columns: Sequence[str],
    rows: Iterable[Row],
) -> int:
    count = 0
    quoted = ", ".join(f'"{c}"' for c in columns)
    with connection.cursor() as cursor:
        with cursor.copy(f'COPY "{table}" ({quoted}) FROM STDIN') as copy:
            batch: list[str] = []
            for row in rows:
                batch.append("\t".join(row))  # type: ignore[arg-type]
                if len(batch) == 20_000:
                    copy.write("\n".join(batch) + "\n")
                    count += len(batch)
                    batch = []
            if batch:
                copy.write("\n".join(batch) + "\n")
                count += len(batch)
    return count


def _load_sqlite(
    engine: Engine,
    tables: list[tuple[str, Sequence[str], Callable[[], Iterable[Row]]]],
    say: Callable[[str], None],
) -> dict[str, int]:
    """executemany in one transaction, foreign keys checked at the end."""
    path = engine.url.database
    assert path
    counts: dict[str, int] = {}
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        connection.execute("PRAGMA foreign_keys=OFF")
        connection.execute("PRAGMA synchronous=OFF")
        connection.execute("BEGIN")
        for name, columns, rows in tables:
            began = time.perf_counter()
            marks = ", ".join("?" for _ in columns)
            quoted = ", ".join(f'"{c}"' for c in columns)
            cursor = connection.executemany(
                f'INSERT INTO "{name}" ({quoted}) VALUES ({marks})',  # noqa: S608 (our names)
                rows(),
            )
            counts[name] = cursor.rowcount
            say(f"  {name}: {counts[name]:,} rows in {time.perf_counter() - began:.1f} s")
        problems = connection.execute("PRAGMA foreign_key_check").fetchall()
        if problems:
            raise RuntimeError(f"seeded rows break foreign keys: {problems[:5]}")
        connection.execute("COMMIT")
    finally:
        connection.close()
    with engine.connect() as check:
        check.execute(text("SELECT 1"))
    return counts
