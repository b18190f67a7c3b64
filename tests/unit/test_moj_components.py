"""The Jinja ports of MOJ Frontend's macros (templates/components/moj/) against MOJ's own
markup, and MOJ Frontend in the compiled stylesheet.

MOJ Frontend ships no fixtures, so the reference is its own template.njk rendered by
Nunjucks (tests/frontend_reference.mjs) with the same params; both are compared as HTML (tags,
attributes, text), not as whitespace.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, render_template_string
from flask_babel import force_locale

from tests.markup import canonical, reference_markup

ROOT = Path(__file__).resolve().parents[2]
MOJ = ROOT / "node_modules" / "@ministryofjustice" / "frontend"
PORTS = ROOT / "templates" / "components" / "moj"
WHEN = datetime(2019, 6, 14, 14, 1, tzinfo=UTC)

# (Jinja file, MOJ component folder, macro)
COMPONENTS = {
    "badge": ("badge.html", "badge", "mojBadge"),
    "timeline": ("timeline.html", "timeline", "mojTimeline"),
    "sub_navigation": ("sub_navigation.html", "sub-navigation", "mojSubNavigation"),
    "identity_bar": ("identity_bar.html", "identity-bar", "mojIdentityBar"),
    "filter": ("filter.html", "filter", "mojFilter"),
}


def moj_reference(component: str, params: dict[str, Any]) -> str:
    """MOJ's own markup for these params."""
    _file, folder, macro = COMPONENTS[component]
    return reference_markup(macro, params, component=folder)


def caseway_port(app: Flask, component: str, params: dict[str, Any]) -> str:
    file, _folder, macro = COMPONENTS[component]
    source = f'{{% from "components/moj/{file}" import {macro} %}}{{{{ {macro}(params) }}}}'
    with app.test_request_context("/"):
        return render_template_string(source, params=params)


def assert_same_markup(app: Flask, component: str, params: dict[str, Any]) -> str:
    ours = caseway_port(app, component, params)
    assert canonical(ours) == canonical(moj_reference(component, params))
    return ours


# --------------------------------------------------------------- against MOJ's markup

BADGES = [
    {"text": "Caseworker"},
    {"text": "Urgent", "classes": "moj-badge--red moj-badge--large"},
    {"html": "<span>2</span> overdue", "attributes": {"id": "overdue", "data-count": "2"}},
]


@pytest.mark.parametrize("params", BADGES)
def test_badge_matches_moj(portal_app: Flask, params: dict[str, Any]) -> None:
    assert_same_markup(portal_app, "badge", params)


TIMELINES = [
    {
        "items": [
            {
                "label": {"text": "Application submitted"},
                "byline": {"text": "Ana Silva"},
                "datetime": {"timestamp": WHEN, "type": "date"},
                "text": "Sent with 2 documents.",
            },
            {
                "label": {"html": 'Note <strong class="govuk-tag">Staff only</strong>'},
                "byline": {"html": "<em>Rhys Jones</em>"},
                "datetime": {"timestamp": WHEN, "type": "date"},
                "html": "<p class='govuk-body'>Called the resident.</p>",
                "classes": "app-internal",
                "attributes": {"data-event": "note"},
            },
            {
                "label": {"text": "Received"},
                "datetime": {"timestamp": WHEN, "type": "date"},
                "text": "",
            },
        ],
        "headingLevel": 3,
        "classes": "app-history",
        "attributes": {"id": "history-list"},
    },
    {"items": [{"label": {"text": "Closed"}, "datetime": {"timestamp": WHEN, "type": "date"}}]},
]


@pytest.mark.parametrize("params", TIMELINES)
def test_timeline_matches_moj(portal_app: Flask, params: dict[str, Any]) -> None:
    ours = assert_same_markup(portal_app, "timeline", params)
    assert '<time datetime="2019-06-14T14:01:00+00:00">' in ours


SUB_NAVIGATIONS = [
    {
        "label": "Back office areas",
        "items": [
            {"text": "Find a case", "href": "/cases/find", "active": True},
            {"text": "Staff", "href": "/staff/"},
            {
                "html": "Tasks <span class='moj-badge'>3</span>",
                "href": "/tasks",
                "classes": "app-tasks",
                "attributes": {"data-area": "tasks"},
            },  # fmt: skip
        ],
        "classes": "app-areas",
        "attributes": {"data-module": "areas"},
    },
    {"items": [{"text": "Only", "href": "/"}]},  # MOJ's default label
]


@pytest.mark.parametrize("params", SUB_NAVIGATIONS)
def test_sub_navigation_matches_moj(portal_app: Flask, params: dict[str, Any]) -> None:
    ours = assert_same_markup(portal_app, "sub_navigation", params)
    if params["items"][0].get("active"):
        assert ours.count('aria-current="page"') == 1


IDENTITY_BARS = [
    {"title": {"text": "Case AB12 CD34"}},
    {
        "title": {"html": "<strong>AB12 CD34</strong> Application <span>Submitted</span>"},
        "classes": "app-case",
        "attributes": {"data-reference": "AB12 CD34"},
    },
    {},
    {  # the case page's: its main actions as links and a button, in two menus
        "title": {"text": "AB12 CD34"},
        "menus": [
            {
                "items": [
                    {"text": "Record the decision", "href": "/cases/AB12CD34/decision"},
                    {
                        "text": "Add a note",
                        "href": "/cases/AB12CD34/history#note",
                        "classes": "app-note",
                        "attributes": {"data-action": "note"},
                    },
                ]
            },
            {
                "items": [{"text": "Assign to me", "name": "me", "value": "1", "type": "submit"}],
                "classes": "app-menu",
                "attributes": {"id": "assign"},
                "button": {"text": "Actions", "classes": "app-actions"},
                "alignMenu": "right",
            },
        ],
    },  # fmt: skip
]


@pytest.mark.parametrize("params", IDENTITY_BARS)
def test_identity_bar_matches_moj(portal_app: Flask, params: dict[str, Any]) -> None:
    assert_same_markup(portal_app, "identity_bar", params)


FILTERS = [
    {
        "heading": {"text": "Filter"},
        "selectedFilters": {
            "heading": {"text": "Selected filters"},
            "clearLink": {"text": "Clear filters", "href": "/queue"},
            "categories": [
                {"heading": {"text": "Priority"}, "items": [{"href": "/queue", "text": "Urgent"}]},
                {
                    "heading": {"html": "<em>Area</em>"},
                    "items": [
                        {"href": "/queue?x=1", "text": "Wales"},
                        {"href": "/q", "text": "<b>"},
                    ],
                },
            ],
        },
        "submit": {"text": "Apply", "attributes": {"data-test": "apply"}},
        "optionsHtml": "<p class='govuk-body'>Options</p>",
        "attributes": {"data-queue": "triage"},
    },
    {"heading": {"html": "<span>Filter</span>"}},  # MOJ's default button text
]


@pytest.mark.parametrize("params", FILTERS)
def test_filter_matches_moj(portal_app: Flask, params: dict[str, Any]) -> None:
    ours = assert_same_markup(portal_app, "filter", params)
    assert ours.count('class="moj-filter__tag"') == (3 if "selectedFilters" in params else 0)


# --------------------------------------------------------------- where the ports differ


def test_text_params_are_escaped_as_moj_escapes_them(portal_app: Flask) -> None:
    hostile = '<script>alert("x")</script>'
    timeline = {
        "items": [
            {
                "label": {"text": hostile},
                "byline": {"text": hostile},
                "datetime": {"timestamp": WHEN, "type": "date"},
                "text": hostile,
            }
        ]
    }
    for component, params in [
        ("badge", {"text": hostile}),
        ("timeline", timeline),
        ("sub_navigation", {"label": hostile, "items": [{"text": hostile, "href": "/"}]}),
        ("identity_bar", {"title": {"text": hostile}}),
    ]:
        ours = assert_same_markup(portal_app, component, params)
        assert "<script" not in ours


def test_dates_are_in_the_page_language(portal_app: Flask) -> None:
    """MOJ writes dates with moment, in English; the port in the page's language."""
    timeline = {"items": [{"label": {"text": "x"}, "byline": {"text": "Ana"},
                           "datetime": {"timestamp": WHEN, "type": "date"}}]}  # fmt: skip
    with portal_app.test_request_context("/"), force_locale("cy"):
        source = (
            '{% from "components/moj/timeline.html" import mojTimeline %}{{ mojTimeline(params) }}'
        )
        page = render_template_string(source, params=timeline)
    assert "14 Mehefin 2019" in page  # the date in Welsh, not moment's English


@pytest.mark.parametrize(
    ("kind", "written"),
    [("datetime", "14 June 2019, 14:01"), ("shortdatetime", "14 June 2019, 14:01"),
     ("time", "14 June 2019, 14:01"), ("shortdate", "14 June 2019")],
)  # fmt: skip
def test_dates_are_written_in_the_pages_style(portal_app: Flask, kind: str, written: str) -> None:
    """The ported `type`s use the page's date filters (one style on every page), where
    MOJ writes "14 Jun 2019 at 2:01pm"."""
    params = {"items": [{"label": {"text": "x"}, "datetime": {"timestamp": WHEN, "type": kind}}]}
    page = caseway_port(portal_app, "timeline", params)
    assert f'<time datetime="2019-06-14T14:01:00+00:00">{written}</time>' in page


def test_each_port_names_the_moj_component_and_version_it_follows() -> None:
    version = json.loads((MOJ / "package.json").read_text())["version"]
    for file, folder, _macro in COMPONENTS.values():
        header = (PORTS / file).read_text()[:400]
        assert f"MOJ Frontend {version}" in header, file
        assert f"moj/components/{folder}/template.njk" in header, file


# --------------------------------------------------------------- the package and the CSS


def test_moj_frontend_is_pinned_exactly_and_locked() -> None:
    wanted = json.loads((ROOT / "package.json").read_text())["dependencies"]
    pinned = wanted["@ministryofjustice/frontend"]
    assert re.fullmatch(r"\d+\.\d+\.\d+", pinned), pinned  # no ^ or ~: one exact version
    assert int(pinned.split(".")[0]) >= 9  # the first line on govuk-frontend 6
    lock = json.loads((ROOT / "package-lock.json").read_text())
    assert lock["packages"]["node_modules/@ministryofjustice/frontend"]["version"] == pinned


@pytest.mark.parametrize("stylesheet", ["caseway.css", "caseway.rtl.css"])
def test_the_stylesheet_has_the_moj_components_used_and_caseways_brand(stylesheet: str) -> None:
    css = (ROOT / "static" / stylesheet).read_text()
    for selector in [
        ".moj-timeline__item",
        ".moj-timeline__byline",
        ".moj-badge",
        ".moj-sub-navigation__link[aria-current=page]",
        ".moj-identity-bar__title",
        ".caseway-sort-link",
        ".moj-filter__tag",
        ".moj-filter-layout__filter",
    ]:
        assert selector in css, selector
    assert "GDS Transport" not in css  # GOV.UK's font is not Caseway's to use
    assert "#00625e" in css  # MOJ's brand colour is Caseway's (its timeline, its links)
    assert "[aria-sort] button" not in css  # MOJ's script-sorted table is not used
