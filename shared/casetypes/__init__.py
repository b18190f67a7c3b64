"""Case types from configuration (case_types.toml): codes, targets and per-locale labels."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

CASE_TYPES_FILE = Path(__file__).with_name("case_types.toml")


@dataclass(frozen=True)
class CaseTypeDefinition:
    code: str
    target_days: int
    appeal_window_days: int
    labels: dict[str, str]
    version: str


def load_case_types(path: Path = CASE_TYPES_FILE) -> list[CaseTypeDefinition]:
    with path.open("rb") as config:
        table = tomllib.load(config)
    version = str(table.get("version", "1"))
    return [
        CaseTypeDefinition(
            code=entry["code"],
            target_days=int(entry["target_days"]),
            appeal_window_days=int(entry.get("appeal_window_days", 0)),
            labels=dict(entry["label"]),
            version=version,
        )
        for entry in table["case_type"]
    ]
