"""Attribute rules for sensitive fields (access.toml): which fields of a resident's record
are sensitive, and the limits that narrow, by team and area, what a role sees of each
classification. Loaded once per process and checked like the form files: a mistake stops
the app when it starts, never while someone waits."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from shared.casetypes.forms import (
    SENSITIVE_CLASSIFICATIONS,
    FormDefinitionError,
    form_case_types,
    form_for,
)
from shared.models import RoleCode
from shared.sla.calendar import AREAS

ACCESS_FILE = Path(__file__).with_name("access.toml")
# The resident's record fields a classification may be given (Party columns shown to staff).
PARTY_FIELDS = frozenset({"date_of_birth"})
_LIMIT_KEYS = frozenset({"role", "sees", "only_teams", "only_areas", "own_team_cases"})


class AccessRuleError(ValueError):
    """access.toml is wrong; raised at load time."""


@dataclass(frozen=True)
class Limit:
    role: RoleCode
    sees: frozenset[str]
    only_teams: frozenset[str] | None = None  # None: any team
    only_areas: frozenset[str] | None = None  # None: any area
    own_team_cases: bool = False

    def allows(self, *, team_code: str | None, team_id: int | None,
               case_area: str | None, case_team_id: int | None) -> bool:  # fmt: skip
        """Whether a person of this team may see, on a case of this area and team."""
        if self.only_teams is not None and team_code not in self.only_teams:
            return False
        if self.only_areas is not None and case_area not in self.only_areas:
            return False
        return not self.own_team_cases or (team_id is not None and team_id == case_team_id)


@dataclass(frozen=True)
class FieldAccess:
    version: str
    party_fields: dict[str, str]  # Party attribute -> classification
    limits: tuple[Limit, ...]

    def limits_on(self, role: RoleCode, classification: str) -> list[Limit]:
        return [limit for limit in self.limits
                if limit.role is role and classification in limit.sees]  # fmt: skip


@cache
def field_access(path: Path = ACCESS_FILE) -> FieldAccess:
    with path.open("rb") as config:
        raw = tomllib.load(config)
    return parse_field_access(raw)


def parse_field_access(raw: dict[str, Any]) -> FieldAccess:
    party = raw.get("party", {})
    if not isinstance(party, dict):
        raise AccessRuleError("access: [party] must be a table of field = classification")
    for name, classification in party.items():
        if name not in PARTY_FIELDS:
            fields = ", ".join(sorted(PARTY_FIELDS))
            raise AccessRuleError(
                f"access: [party] {name} is not a field of a resident's record that can be "
                f"tagged ({fields})"
            )
        _check_classification(f"[party] {name}", classification)
    return FieldAccess(
        version=str(raw.get("version", "1")),
        party_fields={str(k): str(v) for k, v in party.items()},
        limits=tuple(
            _limit(number, entry) for number, entry in enumerate(raw.get("limit", []), start=1)
        ),
    )


def _limit(number: int, entry: dict[str, Any]) -> Limit:
    where = f"access: limit {number}"
    unknown = set(entry) - _LIMIT_KEYS
    if unknown:
        raise AccessRuleError(f"{where}: unknown setting {', '.join(sorted(unknown))}")
    try:
        role = RoleCode(entry.get("role"))
    except ValueError:
        raise AccessRuleError(f"{where}: unknown role {entry.get('role')!r}") from None
    sees = _strings(where, "sees", entry.get("sees"))
    if not sees:
        raise AccessRuleError(f"{where}: `sees` names no classification")
    for classification in sees:
        _check_classification(where, classification)
    areas = _strings(where, "only_areas", entry.get("only_areas"))
    if areas is not None and not areas <= set(AREAS):
        raise AccessRuleError(f"{where}: unknown area in only_areas; use {', '.join(AREAS)}")
    own_team = entry.get("own_team_cases", False)
    if not isinstance(own_team, bool):
        raise AccessRuleError(f"{where}: own_team_cases is true or false")
    return Limit(role, sees, _strings(where, "only_teams", entry.get("only_teams")), areas,
                 own_team)  # fmt: skip


def _strings(where: str, key: str, value: object) -> frozenset[str] | None:
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise AccessRuleError(f"{where}: {key} is a list of codes")
    return frozenset(value)


def _check_classification(where: str, classification: object) -> None:
    if classification not in SENSITIVE_CLASSIFICATIONS:
        raise AccessRuleError(f"{where}: unknown classification {classification!r}; "
                              f"use one of {', '.join(SENSITIVE_CLASSIFICATIONS)}")  # fmt: skip


def check_field_access() -> None:
    """Load access.toml and every form's sensitive tags when an app starts: one line
    naming the mistake, rather than a failure on the first case page."""
    try:
        field_access()
        for case_type in form_case_types():
            form_for(case_type)
    except (AccessRuleError, FormDefinitionError) as error:
        raise SystemExit(f"caseway: {error}") from None
