"""Each case type's workflow, as data: `<type>.workflow.toml` beside its form definition.

States carry what the resident reads (a status and "what happens next", per locale), what
staff call them (`staff`, per back-office locale) and whether the target-date clock runs;
transitions say from where to where, who may take them, who may not even with the role
(`excludes`: separation of duties, such as those involved in the decision an appeal
challenges), what they must give (a reason), the notice they send and whether the resident
sees them on their timeline. `assignment.excludes` names who may not be given the case at
all. A case keeps the version it started with: the current file is `<type>.workflow.toml`,
and an older version is kept as `<type>.workflow.v<N>.toml`.

Files are checked when loaded, and loaded once per process: a mistake stops the apps from
starting with one line naming the file, the entry and what is wrong.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from shared.casetypes.forms import FORMS_DIR
from shared.i18n import DEFAULT_LOCALE
from shared.models import RoleCode
from shared.notices.kinds import NoticeKind

ROLES = frozenset({*(role.value for role in RoleCode), "resident", "system"})
# What a person must give to take a transition: a reason; a message to the resident (the
# transition is taken only by sending one, shared/services/messages.py).
FIELDS = frozenset({"reason", "message"})
# Who a workflow may keep away from a case or a step, whatever their role. What each name
# means (who it picks out) is shared/services/cases.py's EXCLUDED_PEOPLE.
EXCLUSIONS = frozenset({"decided_appealed_decision", "approved_appealed_decision"})
CLOCK = {"runs": True, "stopped": False}


class WorkflowError(ValueError):
    """A workflow file is wrong: raised when it loads, never while someone waits."""


@dataclass(frozen=True)
class State:
    code: str
    clock_runs: bool
    final: bool
    status: dict[str, str]  # locale -> what the resident reads
    next: dict[str, str]  # locale -> what happens next
    # locale -> the state's name for staff: the back office speaks of the case ("Awaiting
    # information from the resident"), not to the resident ("... from you").
    staff: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Transition:
    name: str
    from_states: frozenset[str]
    to: str
    roles: frozenset[str]
    requires: tuple[str, ...]
    notice: NoticeKind | None
    public: bool
    excludes: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Workflow:
    case_type: str
    version: str
    initial: str
    requires_approval: bool
    states: dict[str, State]
    transitions: dict[str, Transition]
    # Who may not be given a case of this type (shared/services/assignment.py).
    assignment_excludes: frozenset[str] = frozenset()

    def status_text(self, state: str, locale: str) -> str:
        return _words(self.states[state].status, locale) if state in self.states else state

    def next_text(self, state: str, locale: str) -> str:
        return _words(self.states[state].next, locale) if state in self.states else ""

    def staff_text(self, state: str, locale: str) -> str:
        """The state as the back office names it, in the reader's language."""
        return _words(self.states[state].staff, locale) if state in self.states else state

    def open_to(self, state: str, roles: frozenset[str]) -> list[Transition]:
        """The transitions someone with `roles` may take from `state`, in file order."""
        return [t for t in self.transitions.values() if state in t.from_states and t.roles & roles]


def _words(texts: dict[str, str], locale: str) -> str:
    return texts.get(locale) or texts[DEFAULT_LOCALE]


@cache
def workflow_for(case_type: str, version: str | None = None) -> Workflow:
    """The case type's workflow: the current one, or the `version` a case started with."""
    current = load_workflow(_path(case_type))
    if version is None or version == current.version:
        return current
    older = _path(case_type, version)
    if not older.exists():
        raise WorkflowError(f"{older.name}: no such file (cases of version {version} need it)")
    found = load_workflow(older)
    if found.version != version:
        raise WorkflowError(f"{older.name}: says version {found.version}, not {version}")
    return found


def workflow_case_types(directory: Path = FORMS_DIR) -> list[str]:
    return sorted(path.name.split(".")[0] for path in directory.glob("*.workflow.toml"))


def check_all_workflows() -> None:
    """Load every workflow now, so a mistake stops the start rather than a request."""
    for case_type in workflow_case_types():
        workflow_for(case_type)


def _path(case_type: str, version: str | None = None) -> Path:
    suffix = f".v{version}" if version else ""
    return FORMS_DIR / f"{case_type}.workflow{suffix}.toml"


def load_workflow(path: Path) -> Workflow:
    try:
        with path.open("rb") as file:
            table = tomllib.load(file)
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise WorkflowError(f"{path.name}: {error}") from None
    try:
        return _workflow(path.name.split(".")[0], table)
    except WorkflowError as error:
        raise WorkflowError(f"{path.name}: {error}") from None
    except (KeyError, TypeError, ValueError) as error:
        raise WorkflowError(f"{path.name}: missing or malformed {error}") from None


def _workflow(case_type: str, table: dict[str, Any]) -> Workflow:
    states = {code: _state(code, entry) for code, entry in dict(table["state"]).items()}
    transitions: dict[str, Transition] = {}
    for entry in table.get("transition", []):
        transition = _transition(entry, states)
        if transition.name in transitions:
            raise WorkflowError(f"transition {transition.name!r}: defined twice")
        transitions[transition.name] = transition
    workflow = Workflow(
        case_type=case_type,
        version=str(table["version"]),
        initial=str(table["initial"]),
        requires_approval=bool(table.get("requires_approval", False)),
        states=states,
        transitions=transitions,
        assignment_excludes=_excludes(dict(table.get("assignment", {})), "assignment"),
    )
    _check(workflow)
    return workflow


def _state(code: str, entry: dict[str, Any]) -> State:
    if entry.get("clock") not in CLOCK:
        raise WorkflowError(f"state {code!r}: clock must be one of {sorted(CLOCK)}")
    status, following = dict(entry.get("status", {})), dict(entry.get("next", {}))
    if not status.get(DEFAULT_LOCALE) or not following.get(DEFAULT_LOCALE):
        raise WorkflowError(
            f"state {code!r}: needs status.{DEFAULT_LOCALE} and next.{DEFAULT_LOCALE}"
        )
    staff = dict(entry.get("staff", {}))
    if not staff.get(DEFAULT_LOCALE):
        raise WorkflowError(f"state {code!r}: needs staff.{DEFAULT_LOCALE} (its name for staff)")
    return State(code=code, clock_runs=CLOCK[entry["clock"]], final=bool(entry.get("final")),
                 status=status, next=following, staff=staff)  # fmt: skip


def _transition(entry: dict[str, Any], states: dict[str, State]) -> Transition:
    name = str(entry["name"])
    where = f"transition {name!r}"
    from_states = frozenset(str(state) for state in entry["from"])
    for state in (*sorted(from_states), entry["to"]):
        if state not in states:
            raise WorkflowError(f"{where}: {state!r} is not a state of this workflow")
    roles = frozenset(str(role) for role in entry["roles"])
    if not roles or roles - ROLES:
        raise WorkflowError(
            f"{where}: unknown roles {sorted(roles - ROLES)}; known: {sorted(ROLES)}"
        )
    requires = tuple(str(field) for field in entry.get("requires", []))
    if set(requires) - FIELDS:
        raise WorkflowError(f"{where}: unknown requires {sorted(set(requires) - FIELDS)}")
    notice = entry.get("notice")
    if notice is not None and notice not in {kind.value for kind in NoticeKind}:
        raise WorkflowError(f"{where}: unknown notice {notice!r}")
    if "public" not in entry:
        raise WorkflowError(f"{where}: say whether the resident sees it (public = true/false)")
    return Transition(name=name, from_states=from_states, to=str(entry["to"]), roles=roles,
                      requires=requires, notice=NoticeKind(notice) if notice else None,
                      public=bool(entry["public"]), excludes=_excludes(entry, where))  # fmt: skip


def _excludes(entry: dict[str, Any], where: str) -> frozenset[str]:
    names = entry.get("excludes", [])
    if not isinstance(names, list) or not all(isinstance(name, str) for name in names):
        raise WorkflowError(f"{where}: excludes must be a list of names")
    unknown = sorted(set(names) - EXCLUSIONS)
    if unknown:
        raise WorkflowError(f"{where}: unknown excludes {unknown}; known: {sorted(EXCLUSIONS)}")
    return frozenset(names)


def _check(workflow: Workflow) -> None:
    if workflow.initial not in workflow.states:
        raise WorkflowError(f"initial {workflow.initial!r} is not a state")
    for transition in workflow.transitions.values():
        ended = sorted(s for s in transition.from_states if workflow.states[s].final)
        if ended:
            raise WorkflowError(f"transition {transition.name!r}: leaves final states {ended}")
    needed = {"decide"}
    if workflow.requires_approval:
        needed |= {"approve_decision", "return_decision"}
    missing = needed - set(workflow.transitions)
    if missing:
        raise WorkflowError(f"decisions need the transitions {sorted(missing)}")
