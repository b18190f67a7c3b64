"""The translators' workflow: extract, update, compile and report on the catalogs.

Strings are counted per app by where they are used: a string used by the shared layout,
components or errors belongs to both apps; notice templates are their own "app".
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po, write_po

from shared import PROJECT_ROOT
from shared.casetypes import load_case_types
from shared.casetypes.forms import form_case_types, form_for
from shared.i18n import APPS, DEFAULT_LOCALE, TRANSLATIONS_DIR, ShippedLocale, shipped_locales
from shared.workflow import workflow_case_types, workflow_for

BABEL_CONFIG = TRANSLATIONS_DIR / "babel.cfg"
TEMPLATE = TRANSLATIONS_DIR / "messages.pot"
APP_PATHS = {
    "portal": ("portal/", "templates/portal/"),
    "backoffice": ("backoffice/", "templates/backoffice/"),
    "notices": ("templates/notices/", "shared/notices/"),
}
SHARED_BY = ("portal", "backoffice")  # what a string used elsewhere counts towards
# Plural rules in CLDR's order (zero, one, two, few, many, other) where Babel's gettext
# table differs: it gives Welsh five forms and orders Arabic's last two the other way.
PLURAL_FORMS = {
    "cy": (6, "(n==0 ? 0 : n==1 ? 1 : n==2 ? 2 : n==3 ? 3 : n==6 ? 4 : 5)"),
    "ar": (6, "(n==0 ? 0 : n==1 ? 1 : n==2 ? 2 : n%100>=3 && n%100<=10 ? 3 : n%100>=11 ? 4 : 5)"),
}


def _pybabel(*args: str) -> None:
    CommandLineInterface().run(["pybabel", "-q", *args])  # type: ignore[no-untyped-call]


def extract(output: Path = TEMPLATE) -> None:
    # Run from the project root so locations read "portal/forms.py", not absolute paths.
    with contextlib.chdir(PROJECT_ROOT):
        _pybabel(
            "extract", "-F", str(BABEL_CONFIG), "-k", "_l", "-k", "lazy_gettext",
            "-k", "_p:1c,2", "-k", "lazy_pgettext:1c,2",
            "--add-location=file", "--sort-by-file", "--omit-header",
            "-o", str(output), ".",
        )  # fmt: skip


def catalog_path(code: str) -> Path:
    return TRANSLATIONS_DIR / code / "LC_MESSAGES" / "messages.po"


def update() -> list[str]:
    """Bring every shipped locale's catalog in line with the template; create missing ones."""
    touched = []
    for locale in shipped_locales():
        if locale.code == DEFAULT_LOCALE:
            continue
        if catalog_path(locale.code).exists():
            _pybabel("update", "-i", str(TEMPLATE), "-d", str(TRANSLATIONS_DIR), "-l", locale.code)
            touched.append(f"updated {locale.code}")
        else:
            _new_catalog(locale.code)
            touched.append(f"created {locale.code}")
    return touched


def _new_catalog(code: str) -> None:
    with TEMPLATE.open("rb") as pot:
        template = read_po(pot)
    catalog = Catalog(locale=code, project="Caseway", version="1", fuzzy=False)
    if code in PLURAL_FORMS:
        # Babel's table predates CLDR for some languages; the header wins when compiling.
        count, rule = PLURAL_FORMS[code]
        catalog.mime_headers = [
            *catalog.mime_headers,
            ("Plural-Forms", f"nplurals={count}; plural={rule};"),
        ]
    catalog.update(template)
    path = catalog_path(code)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as po:
        write_po(po, catalog, width=100)


def compile_catalogs() -> None:
    _pybabel("compile", "-d", str(TRANSLATIONS_DIR))


@dataclass
class Completeness:
    translated: int = 0
    fuzzy: int = 0
    missing: int = 0

    @property
    def total(self) -> int:
        return self.translated + self.fuzzy + self.missing

    @property
    def percent(self) -> float:
        return 100.0 if self.total == 0 else 100.0 * self.translated / self.total


def apps_of(message: Message) -> set[str]:
    apps: set[str] = set()
    for filename, _line in message.locations:
        owner = [app for app, prefixes in APP_PATHS.items() if filename.startswith(prefixes)]
        apps.update(owner or SHARED_BY)
    return apps


def completeness(catalog: Catalog) -> dict[str, Completeness]:
    counts = {app: Completeness() for app in APPS}
    for message in catalog:
        if not message.id:
            continue  # the header
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for app in apps_of(message):
            if message.fuzzy:
                counts[app].fuzzy += 1
            elif all(strings):
                counts[app].translated += 1
            else:
                counts[app].missing += 1
    return counts


def config_completeness(code: str) -> Completeness:
    """Per-locale texts held in configuration: case type labels, the outcomes and reasons
    of decisions, triage categories, form questions, and each workflow state's status and
    what happens next."""
    counts = Completeness()
    present = [
        bool(words.get(code))
        for case_type in load_case_types()
        for words in (
            case_type.labels,
            *case_type.outcomes.values(),
            *case_type.reasons.values(),
            *case_type.categories.values(),
        )
    ]
    for case_type in form_case_types():
        definition = form_for(case_type)
        translated = definition.texts.get(code, {})
        present += [bool(translated.get(key)) for key in definition.text_keys()]
    for case_type in workflow_case_types():
        for state in workflow_for(case_type).states.values():
            present += [bool(state.status.get(code)), bool(state.next.get(code))]
    counts.translated = sum(present)
    counts.missing = len(present) - counts.translated
    return counts


@dataclass(frozen=True)
class StatusRow:
    locale: str
    app: str
    counts: Completeness
    threshold: int | None

    @property
    def is_below(self) -> bool:
        return self.threshold is not None and self.counts.percent < self.threshold


def status() -> list[StatusRow]:
    rows = []
    for locale in shipped_locales():
        rows.extend(_rows_for(locale))
    return rows


def _rows_for(locale: ShippedLocale) -> list[StatusRow]:
    if locale.code == DEFAULT_LOCALE:
        return []
    path = catalog_path(locale.code)
    if not path.exists():
        counts = {app: Completeness(missing=1) for app in APPS}
    else:
        with path.open("rb") as po:
            counts = completeness(read_po(po, locale=locale.code))
    rows = [StatusRow(locale.code, app, counts[app], locale.thresholds.get(app)) for app in APPS]
    strictest = max(locale.thresholds.values(), default=None)
    rows.append(StatusRow(locale.code, "config", config_completeness(locale.code), strictest))
    return rows
