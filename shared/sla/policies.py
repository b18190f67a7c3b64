"""SLA policies as data (`shared/casetypes/sla_policies.toml`): working days per priority,
and each case type's default policy. Checked when loaded, once per process: a mistake
stops the apps from starting with one line naming the file, the entry and what is wrong."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from shared.casetypes import load_case_types
from shared.models import CasePriority

POLICIES_FILE = Path(__file__).parents[1] / "casetypes" / "sla_policies.toml"
MAX_POLICY_DAYS = 400


class PolicyError(ValueError):
    """The policies file is wrong: raised when it loads, never while someone waits."""


@dataclass(frozen=True)
class Policy:
    code: str
    labels: dict[str, str]
    working_days: dict[CasePriority, int]

    def label(self, locale: str) -> str:
        return self.labels.get(locale) or self.labels.get("en") or self.code

    def days_for(self, priority: CasePriority) -> int:
        return self.working_days[priority]


@dataclass(frozen=True)
class Policies:
    policies: dict[str, Policy]
    defaults: dict[str, str]  # case type code -> policy code

    def get(self, code: str) -> Policy:
        found = self.policies.get(code)
        if found is None:
            raise KeyError(f"no SLA policy {code!r} in {POLICIES_FILE.name}")
        return found

    def default_for(self, case_type: str) -> Policy:
        code = self.defaults.get(case_type)
        if code is None:
            raise KeyError(f"no default SLA policy for case type {case_type!r}")
        return self.policies[code]


@cache
def load_policies(path: Path = POLICIES_FILE) -> Policies:
    try:
        with path.open("rb") as file:
            table = tomllib.load(file)
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise PolicyError(f"{path.name}: {error}") from None
    try:
        return _policies(table)
    except PolicyError as error:
        raise PolicyError(f"{path.name}: {error}") from None
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise PolicyError(f"{path.name}: missing or malformed {error}") from None


def policy_codes() -> list[str]:
    return list(load_policies().policies)


def _policies(table: dict[str, Any]) -> Policies:
    policies = {code: _policy(code, entry) for code, entry in dict(table["policy"]).items()}
    if not policies:
        raise PolicyError("no [policy.<code>] tables")
    defaults = {str(k): str(v) for k, v in dict(table["default"]).items()}
    for case_type, code in defaults.items():
        if code not in policies:
            raise PolicyError(f"default.{case_type}: {code!r} is not a policy; known: "
                              f"{sorted(policies)}")  # fmt: skip
    for definition in load_case_types():
        chosen = defaults.get(definition.code)
        if chosen is None:
            raise PolicyError(f"default: no policy for case type {definition.code!r}")
        days = policies[chosen].working_days[CasePriority.NORMAL]
        if days != definition.target_days:
            raise PolicyError(
                f"default.{definition.code}: {chosen!r} gives {days} working days at normal "
                f"priority, but case_types.toml promises target_days = {definition.target_days}"
            )
    return Policies(policies=policies, defaults=defaults)


def _policy(code: str, entry: dict[str, Any]) -> Policy:
    labels = {str(k): str(v) for k, v in dict(entry.get("label", {})).items()}
    if not labels.get("en"):
        raise PolicyError(f"policy.{code}: needs label.en")
    days: dict[CasePriority, int] = {}
    for priority in CasePriority:
        value = entry.get(priority.value)
        if type(value) is not int or not 1 <= value <= MAX_POLICY_DAYS:
            raise PolicyError(
                f"policy.{code}.{priority.value}: must be whole working days from 1 to "
                f"{MAX_POLICY_DAYS}, not {value!r}"
            )
        days[priority] = value
    unknown = set(entry) - {"label", *(p.value for p in CasePriority)}
    if unknown:
        raise PolicyError(f"policy.{code}: unknown keys {sorted(unknown)}")
    return Policy(code=code, labels=labels, working_days=days)
