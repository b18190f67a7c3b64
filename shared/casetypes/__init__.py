"""Case types from configuration (case_types.toml): codes, targets, per-locale labels,
the outcomes and reasons a decision may give, and the categories triage files cases
under. Loaded once per process."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import cache
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
    # Decisions: code -> words per locale, in the order the configuration lists them.
    outcomes: dict[str, dict[str, str]] = field(default_factory=dict)
    reasons: dict[str, dict[str, str]] = field(default_factory=dict)
    # Triage: the categories a clerk files a case of this type under, code -> words.
    categories: dict[str, dict[str, str]] = field(default_factory=dict)

    def label(self, locale: str) -> str:
        return self.labels.get(locale) or self.labels.get("en") or self.code

    def outcome_text(self, code: str, locale: str) -> str:
        return _words(self.outcomes, code, locale)

    def reason_text(self, code: str, locale: str) -> str:
        return _words(self.reasons, code, locale)

    def category_text(self, code: str, locale: str) -> str:
        return _words(self.categories, code, locale)


def _words(table: dict[str, dict[str, str]], code: str, locale: str) -> str:
    labels = table.get(code, {})
    return labels.get(locale) or labels.get("en") or code


@cache
def load_case_types(path: Path = CASE_TYPES_FILE) -> tuple[CaseTypeDefinition, ...]:
    with path.open("rb") as config:
        table = tomllib.load(config)
    version = str(table.get("version", "1"))
    return tuple(
        CaseTypeDefinition(
            code=entry["code"],
            target_days=int(entry["target_days"]),
            appeal_window_days=int(entry.get("appeal_window_days", 0)),
            labels=dict(entry["label"]),
            version=version,
            allowed_files=_file_kinds(entry.get("allowed_files", DEFAULT_ALLOWED), entry["code"]),
            max_documents=int(entry.get("max_documents", 20)),
            outcomes=_coded(entry, "outcome"),
            reasons=_coded(entry, "reason"),
            categories=_coded(entry, "category"),
        )
        for entry in table["case_type"]
    )


def _coded(entry: dict[str, object], kind: str) -> dict[str, dict[str, str]]:
    items = entry.get(kind, [])
    if not isinstance(items, list):
        raise ValueError(f"case type {entry['code']}: {kind} must be a list of tables")
    coded: dict[str, dict[str, str]] = {}
    for item in items:
        if not item.get("code") or not item.get("label", {}).get("en"):
            raise ValueError(f"case type {entry['code']}: every {kind} needs a code and label.en")
        coded[str(item["code"])] = {str(k): str(v) for k, v in item["label"].items()}
    return coded


def _file_kinds(codes: list[str] | tuple[str, ...], case_type: str) -> tuple[str, ...]:
    unknown = set(codes) - set(KINDS)
    if unknown:
        raise ValueError(
            f"case type {case_type}: unknown allowed_files {sorted(unknown)}; known: {list(KINDS)}"
        )
    return tuple(codes)


def case_type_definition(code: str) -> CaseTypeDefinition:
    """The configuration of one case type; a code the configuration lacks is a KeyError."""
    found = next((d for d in load_case_types() if d.code == code), None)
    if found is None:
        raise KeyError(f"no case type {code!r} in {CASE_TYPES_FILE.name}")
    return found
