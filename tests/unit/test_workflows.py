"""Workflow files: the shipped ones are complete in every language, each kind of mistake
is refused with one line naming the file, the entry and what is wrong, and a case's older
version stays loadable."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

import shared.workflow as workflows
from shared.casetypes.forms import FORMS_DIR
from shared.i18n import locales_for
from shared.workflow import WorkflowError, load_workflow, workflow_case_types, workflow_for

APPLICATION = (FORMS_DIR / "application.workflow.toml").read_text(encoding="utf-8")


def test_every_case_type_has_a_workflow_with_words_in_every_portal_language() -> None:
    assert workflow_case_types() == ["appeal", "application", "complaint"]
    for case_type in workflow_case_types():
        workflow = workflow_for(case_type)
        for state in workflow.states.values():
            for locale in locales_for("portal"):
                assert state.status.get(locale), (case_type, state.code, locale)
                assert state.next.get(locale), (case_type, state.code, locale)


def test_every_state_has_a_name_for_staff_in_every_back_office_language() -> None:
    for case_type in workflow_case_types():
        workflow = workflow_for(case_type)
        for state in workflow.states.values():
            for locale in locales_for("backoffice"):
                assert state.staff.get(locale), (case_type, state.code, locale)
                # Staff read about the resident, never to them.
                assert "you" not in state.staff[locale].lower().split(), (case_type, state.code)
    awaiting = workflow_for("complaint")
    assert awaiting.staff_text("awaiting_information", "en") == (
        "Awaiting information from the resident"
    )
    assert awaiting.staff_text("awaiting_information", "cy") == (
        "Yn aros am wybodaeth gan y preswylydd"
    )
    assert awaiting.staff_text("awaiting_information", "de") == (
        "Awaiting information from the resident"
    )
    assert awaiting.status_text("awaiting_information", "en") == "Waiting for information from you"


def test_the_words_are_the_residents_language_and_fall_back_to_english() -> None:
    workflow = workflow_for("application")
    assert workflow.status_text("triage", "cy") == "Yn cael ei wirio"
    assert workflow.status_text("triage", "de") == "Being checked"


def test_approval_is_asked_for_where_the_case_type_requires_it() -> None:
    assert workflow_for("application").transitions["decide"].to == "decision_pending"
    assert workflow_for("complaint").transitions["decide"].to == "decided"
    approving = workflow_for("application").transitions["approve_decision"]
    assert approving.roles == {"supervisor"}


MISTAKES = [
    ('to = "triage"', 'to = "nowhere"', "transition 'start_triage': 'nowhere' is not a state"),
    ('roles = ["intake_clerk", "supervisor", "system"]', 'roles = ["intake_clerk", "mayor"]',
     "transition 'start_triage': unknown roles ['mayor']"),
    ('notice = "decision"', 'notice = "telegram"', "transition 'approve_decision': unknown notice 'telegram'"),
    ('requires = ["reason", "message"]\npublic = true\n\n[[transition]]\nname = "information_received"',
     'requires = ["signature"]\npublic = true\n\n[[transition]]\nname = "information_received"',
     "transition 'request_information': unknown requires ['signature']"),
    ('name = "assign"', 'name = "start_triage"', "transition 'start_triage': defined twice"),
    ('clock = "stopped"\nfinal = true', 'clock = "paused"\nfinal = true', "state 'withdrawn': clock must be one of"),
    ('initial = "submitted"', 'initial = "begun"', "initial 'begun' is not a state"),
    ('name = "return_decision"', 'name = "send_back"', "decisions need the transitions ['return_decision']"),
    ('status.en = "Received"\n', "", "state 'submitted': needs status.en and next.en"),
    ('staff.en = "Submitted"\n', "", "state 'submitted': needs staff.en (its name for staff)"),
    ('from = ["decided"]', 'from = ["closed"]', "transition 'close': leaves final states ['closed']"),
    ('roles = ["intake_clerk", "caseworker", "supervisor"]\npublic = true',
     'roles = ["intake_clerk", "caseworker", "supervisor"]', "transition 'assign': say whether the resident sees it"),
    ('version = "1"', 'version = ', "application.workflow.toml: Invalid value"),
]  # fmt: skip


@pytest.mark.parametrize(("original", "mistake", "message"), MISTAKES)
def test_each_kind_of_mistake_is_refused_with_one_line(
    tmp_path: Path, original: str, mistake: str, message: str
) -> None:
    assert original in APPLICATION
    broken = tmp_path / "application.workflow.toml"
    broken.write_text(APPLICATION.replace(original, mistake, 1), encoding="utf-8")
    with pytest.raises(WorkflowError) as refused:
        load_workflow(broken)
    text = str(refused.value)
    assert "\n" not in text
    assert text.startswith("application.workflow.toml: ")
    assert message in text


@pytest.fixture
def forms_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A copy of the shipped definitions that a test may change."""
    copy = tmp_path / "forms"
    shutil.copytree(FORMS_DIR, copy)
    monkeypatch.setattr(workflows, "FORMS_DIR", copy)
    workflow_for.cache_clear()
    yield copy
    workflow_for.cache_clear()


def test_a_case_keeps_the_version_it_started_with(forms_dir: Path) -> None:
    current = forms_dir / "application.workflow.toml"
    shutil.copy(current, forms_dir / "application.workflow.v1.toml")
    current.write_text(
        APPLICATION.replace('version = "1"', 'version = "2"').replace(
            'status.en = "Being checked"', 'status.en = "Being sorted"'
        ),
        encoding="utf-8",
    )
    workflow_for.cache_clear()
    assert workflow_for("application").version == "2"  # new cases
    assert workflow_for("application").status_text("triage", "en") == "Being sorted"
    assert workflow_for("application", "1").status_text("triage", "en") == "Being checked"
    with pytest.raises(WorkflowError, match=r"application.workflow.v7.toml: no such file"):
        workflow_for("application", "7")


def test_the_apps_refuse_to_start_with_a_broken_workflow(forms_dir: Path) -> None:
    from portal import create_portal
    from shared.config import load_settings

    (forms_dir / "complaint.workflow.toml").write_text(
        (FORMS_DIR / "complaint.workflow.toml")
        .read_text(encoding="utf-8")
        .replace('to = "withdrawn"', 'to = "gone"'),
        encoding="utf-8",
    )
    with pytest.raises(SystemExit) as stopped:
        create_portal(load_settings({"CASEWAY_INSTANCE_DIR": str(forms_dir.parent)}))
    assert str(stopped.value) == (
        "caseway: complaint.workflow.toml: transition 'withdraw': 'gone' is not a state of "
        "this workflow"
    )


APPEAL = (FORMS_DIR / "appeal.workflow.toml").read_text(encoding="utf-8")
NOT_INVOLVED = frozenset({"decided_appealed_decision", "approved_appealed_decision"})


def test_an_appeal_keeps_those_involved_in_the_first_decision_away_from_it() -> None:
    """The portal promises "Someone who was not involved in the first decision will look
    at your appeal": the appeal's workflow says so, for assignment and for each step of
    deciding it."""
    appeal = workflow_for("appeal")
    assert appeal.assignment_excludes == NOT_INVOLVED
    for name in ("decide", "approve_decision", "return_decision"):
        assert appeal.transitions[name].excludes == NOT_INVOLVED, name
    assert appeal.transitions["start_triage"].excludes == frozenset()
    assert workflow_for("application").assignment_excludes == frozenset()


def test_every_exclusion_a_workflow_may_name_has_a_rule() -> None:
    from shared.services import cases

    assert set(cases.EXCLUDED_PEOPLE) == workflows.EXCLUSIONS


EXCLUSION_MISTAKES = [
    ("assignment.excludes = [", 'assignment.excludes = ["relatives", ',
     "assignment: unknown excludes ['relatives']; known: ['approved_appealed_decision', "
     "'decided_appealed_decision']"),
    ('name = "start_triage"\n', 'name = "start_triage"\nexcludes = ["friends"]\n',
     "transition 'start_triage': unknown excludes ['friends']; known:"),
    ('name = "start_triage"\n', 'name = "start_triage"\nexcludes = "decided_appealed_decision"\n',
     "transition 'start_triage': excludes must be a list of names"),
]  # fmt: skip


@pytest.mark.parametrize(("original", "mistake", "message"), EXCLUSION_MISTAKES)
def test_an_unknown_exclusion_is_refused_with_one_line(
    tmp_path: Path, original: str, mistake: str, message: str
) -> None:
    assert original in APPEAL
    broken = tmp_path / "appeal.workflow.toml"
    broken.write_text(APPEAL.replace(original, mistake, 1), encoding="utf-8")
    with pytest.raises(WorkflowError) as refused:
        load_workflow(broken)
    text = str(refused.value)
    assert "\n" not in text
    assert text.startswith("appeal.workflow.toml: ")
    assert message in text
