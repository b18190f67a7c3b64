"""Case types from configuration (case_types.toml): codes, targets and per-locale labels."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from shared.uploads.filetypes import DEFAULT_ALLOWED, KINDS

CASE_TYPES_FILE = Path(__file__).with_name("case_types.toml")


@dataclass(frozen=True)
class CaseTypeDefinition:
    code: str
    target_days: int
    appeal_window_days: int
    labels: dict[str, str]
    version: str
    # Documents: the kinds of file accepted (codes of shared.uploads.filetypes) and how
    # many files one case may have.
    allowed_files: tuple[str, ...] = DEFAULT_ALLOWED
    max_documents: int = 20


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
            allowed_files=_file_kinds(entry.get("allowed_files", DEFAULT_ALLOWED), entry["code"]),
            max_documents=int(entry.get("max_documents", 20)),
        )
        for entry in table["case_type"]
    ]


def _file_kinds(codes: list[str] | tuple[str, ...], case_type: str) -> tuple[str, ...]:
    unknown = set(codes) - set(KINDS)
    if unknown:
        raise ValueError(
            f"case type {case_type}: unknown allowed_files {sorted(unknown)}; known: {list(KINDS)}"
        )
    return tuple(codes)


def case_type_definition(code: str) -> CaseTypeDefinition:
    return next(d for d in load_case_types() if d.code == code)
