"""Form definitions: the questions of each case type, as versioned configuration.

`forms/<case type>.toml` holds the structure (pages, fields, types, rules, conditions);
`forms/<case type>.<locale>.toml` holds its texts in one language, keyed
"<page>.title", "<field>.label", "<field>.hint", "<field>.required" and
"<field>.option.<value>". A text missing in a locale falls back to English.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from shared.i18n import DEFAULT_LOCALE

FORMS_DIR = Path(__file__).with_name("forms")
FIELD_TYPES = frozenset(
    {
        "text",
        "long_text",
        "email",
        "phone",
        "date",
        "choice",
        "multi_choice",
        "yes_no",
        "address",
        "file",
    }
)
YES_NO = ("yes", "no")
ADDRESS_PARTS = ("line_1", "line_2", "town", "postcode")
# The longest answer each part of an address takes (the Party record's columns hold these).
ADDRESS_MAX_LENGTHS = {"line_1": 200, "line_2": 200, "town": 120, "postcode": 20}
# Answers whose format bounds their length: RFC 5321's longest address; the phone pattern.
FORMAT_MAX_LENGTHS = {"email": 254, "phone": 20}
# What a question may be tagged as (`sensitive = "health"`): back-office staff whose roles
# may not see that classification see the answer masked (shared/services/masking.py).
# Tagging a question changes no question, what is asked nor what is kept, so it never
# needs a new form `version`: cases keep their version, and the tag applies to the
# answers they hold already.
SENSITIVE_CLASSIFICATIONS = (
    "health",
    "criminal_record",
    "ethnicity",
    "national_insurance_number",
    "date_of_birth",
)


class FormDefinitionError(ValueError):
    """A form definition file is wrong; raised at load time, never while a citizen waits."""


@dataclass(frozen=True)
class Field:
    name: str
    type: str
    required: bool = True
    max_length: int | None = None
    options: tuple[str, ...] = ()
    past_only: bool = False  # dates: must be before today (e.g. date of birth)
    max_files: int = 1  # files: how many this question takes (the case type caps the total)
    # dates: the example date ("27 3 2027") that the hint shows and the error repeats
    example: str = ""
    # A classification of SENSITIVE_CLASSIFICATIONS, or None: not sensitive.
    sensitive: str | None = None

    def longest_answer(self, part: str | None = None) -> int | None:
        """The most characters the question accepts (for an address, in `part`)."""
        if self.type == "address":
            return ADDRESS_MAX_LENGTHS[part or ""]
        return FORMAT_MAX_LENGTHS.get(self.type, self.max_length)


@dataclass(frozen=True)
class Page:
    slug: str
    fields: tuple[Field, ...]
    show_if: tuple[str, str] | None = None  # (field, value): shown only when answered so

    def is_shown(self, answers: dict[str, Any]) -> bool:
        if self.show_if is None:
            return True
        name, value = self.show_if
        answer = answers.get(name)
        return value in answer if isinstance(answer, list) else answer == value


@dataclass(frozen=True)
class FormDefinition:
    case_type: str
    version: str
    summary_field: str
    pages: tuple[Page, ...]
    texts: dict[str, dict[str, str]] = field(default_factory=dict)  # locale -> key -> text

    def page(self, slug: str) -> Page | None:
        return next((page for page in self.pages if page.slug == slug), None)

    def visible_pages(self, answers: dict[str, Any]) -> list[Page]:
        return [page for page in self.pages if page.is_shown(answers)]

    def next_page(self, slug: str, answers: dict[str, Any]) -> Page | None:
        visible = self.visible_pages(answers)
        slugs = [page.slug for page in visible]
        if slug not in slugs:
            return visible[0] if visible else None
        index = slugs.index(slug)
        return visible[index + 1] if index + 1 < len(visible) else None

    def text(self, key: str, locale: str) -> str:
        return self.texts.get(locale, {}).get(key) or self.texts[DEFAULT_LOCALE].get(key, "")

    def text_keys(self) -> list[str]:
        return sorted(self.texts[DEFAULT_LOCALE])

    def first_unvisited(self, answers: dict[str, Any]) -> Page | None:
        """Where to carry on: the first visible page never answered (optional ones too)."""
        for page in self.visible_pages(answers):
            if any(f.name not in answers for f in page.fields):
                return page
        return None

    def unanswered(self, answers: dict[str, Any]) -> Page | None:
        """The first visible page with a required question left unanswered."""
        for page in self.visible_pages(answers):
            if any(f.required and not answers.get(f.name) for f in page.fields):
                return page
        return None


@cache
def form_for(case_type: str, directory: Path = FORMS_DIR) -> FormDefinition:
    path = directory / f"{case_type}.toml"
    if not path.exists():
        raise KeyError(case_type)
    with path.open("rb") as config:
        raw = tomllib.load(config)
    definition = FormDefinition(
        case_type=case_type,
        version=str(raw["version"]),
        summary_field=raw["summary_field"],
        pages=tuple(_page(entry) for entry in raw["page"]),
        texts=_texts(case_type, directory),
    )
    _check(definition)
    return definition


def form_case_types(directory: Path = FORMS_DIR) -> list[str]:
    return sorted(p.stem for p in directory.glob("*.toml") if "." not in p.stem)


def _page(entry: dict[str, Any]) -> Page:
    show_if = entry.get("show_if")
    return Page(
        slug=entry["slug"],
        fields=tuple(
            Field(
                name=f["name"],
                type=f["type"],
                required=f.get("required", True),
                max_length=f.get("max_length"),
                options=tuple(YES_NO if f["type"] == "yes_no" else f.get("options", ())),
                past_only=f.get("past_only", False),
                max_files=int(f.get("max_files", 1)),
                example=str(f.get("example", "")),
                sensitive=f.get("sensitive"),
            )
            for f in entry["field"]
        ),
        show_if=(show_if["field"], show_if["equals"]) if show_if else None,
    )


def _texts(case_type: str, directory: Path) -> dict[str, dict[str, str]]:
    texts = {}
    for path in directory.glob(f"{case_type}.*.toml"):
        locale = path.name.split(".")[1]
        if locale == "workflow":  # the case type's workflow (shared/workflow), not texts
            continue
        with path.open("rb") as config:
            texts[locale] = {str(k): str(v) for k, v in tomllib.load(config)["text"].items()}
    return texts


def _check(definition: FormDefinition) -> None:
    names = [f.name for page in definition.pages for f in page.fields]
    if len(names) != len(set(names)):
        raise FormDefinitionError(f"{definition.case_type}: a field name is used twice")
    for page in definition.pages:
        for f in page.fields:
            if f.type not in FIELD_TYPES:
                raise FormDefinitionError(f"{definition.case_type}: unknown type {f.type!r}")
            if f.type in ("choice", "multi_choice") and not f.options:
                raise FormDefinitionError(f"{definition.case_type}: {f.name} has no options")
        if any(f.type == "file" for f in page.fields) and len(page.fields) > 1:
            raise FormDefinitionError(f"{definition.case_type}: {page.slug}: a file question "
                                      "has its page to itself")  # fmt: skip
        if page.show_if and page.show_if[0] not in names:
            raise FormDefinitionError(f"{definition.case_type}: {page.slug} depends on nothing")
    if DEFAULT_LOCALE not in definition.texts:
        raise FormDefinitionError(f"{definition.case_type}: no {DEFAULT_LOCALE} texts")
    _check_own_texts(definition)
    _check_date_examples(definition)
    if definition.summary_field not in names:
        raise FormDefinitionError(f"{definition.case_type}: summary_field is not a field")
    _check_sensitive(definition)


# Words each case type uses for itself ("Complaint sent", "Now send your complaint", and its
# name in the acknowledgement), never one generic "request" for all.
OWN_WORDS = ("sent.title", "send.heading", "request.name")


def _check_own_texts(definition: FormDefinition) -> None:
    for key in OWN_WORDS:
        if not definition.text(key, DEFAULT_LOCALE):
            raise FormDefinitionError(f'{definition.case_type}: no "{key}" text')
    # A page of one question is headed by that question; one of several needs its own
    # heading, which is also the page's title (WCAG 2.4.2 and 2.4.6).
    for page in definition.pages:
        if len(page.fields) > 1 and not definition.text(f"{page.slug}.title", DEFAULT_LOCALE):
            raise FormDefinitionError(
                f"{definition.case_type}: {page.slug} asks several questions and has no "
                f'"{page.slug}.title" text'
            )


def _check_date_examples(definition: FormDefinition) -> None:
    # The hint shows an example date and the error for a date that is not real repeats it:
    # one example per question, or people are told two different things.
    for page in definition.pages:
        for f in page.fields:
            if f.type == "date" and not f.example:
                raise FormDefinitionError(
                    f"{definition.case_type}: date question {f.name} has no example"
                )


def _check_sensitive(definition: FormDefinition) -> None:
    for page in definition.pages:
        for f in page.fields:
            if f.sensitive is not None and f.sensitive not in SENSITIVE_CLASSIFICATIONS:
                raise FormDefinitionError(
                    f"{definition.case_type}: {f.name} is tagged sensitive = "
                    f"{f.sensitive!r}; use one of {', '.join(SENSITIVE_CLASSIFICATIONS)}"
                )
            # The summary is the case's name in every list and email: never masked there.
            if f.sensitive is not None and f.name == definition.summary_field:
                raise FormDefinitionError(
                    f"{definition.case_type}: {f.name} is the summary_field and cannot be "
                    "tagged sensitive (the summary is shown in every list)"
                )
