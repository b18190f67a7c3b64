"""GOV.UK's checkboxes and radios written out for the back office's filters
(templates/components/choices.html) give GOV.UK Frontend's own markup: compared as HTML
with govukCheckboxes and govukRadios rendered from GOV.UK Frontend's Nunjucks templates."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask, render_template_string

from tests.markup import canonical, reference_markup

TEMPLATES = {
    "checkboxes": ("govukCheckboxes", "govuk/components/checkboxes/macro.njk"),
    "radios": ("govukRadios", "govuk/components/radios/macro.njk"),
}

GROUPS = [
    {
        "idPrefix": "case_type",
        "name": "case_type",
        "classes": "govuk-checkboxes--small",
        "fieldset": {"legend": {"text": "Case <type>", "classes": "govuk-fieldset__legend--s"}},
        "items": [
            {"value": "application", "text": "Application & more", "checked": True},
            {"value": "complaint", "text": 'Cwyn "gŵyl"', "checked": False},
            {"value": "appeal", "text": "استئناف", "checked": True},
        ],
    },
    {
        "idPrefix": "sla",
        "name": "sla",
        "fieldset": {"legend": {"text": "Target date"}},
        "items": [
            {"value": "", "text": "Any", "checked": True},
            {"value": "overdue", "text": "Overdue"},
        ],
    },
    {
        "idPrefix": "flag",
        "name": "flag",
        "classes": "govuk-checkboxes--small",
        "fieldset": {"legend": {"text": "Needs attention", "classes": "govuk-fieldset__legend--s"}},
        "items": [{"value": "held_upload", "text": "Has a held (infected) upload"}],
    },
]


def ours(app: Flask, kind: str, params: dict[str, Any]) -> str:
    source = f'{{% from "components/choices.html" import {kind} %}}{{{{ {kind}(params) }}}}'
    with app.test_request_context("/"):
        return render_template_string(source, params=params)


@pytest.mark.parametrize("kind", TEMPLATES)
@pytest.mark.parametrize("params", GROUPS, ids=lambda params: params["name"])
def test_choices_match_govuk_frontend(backoffice_app: Flask, kind: str,
                                      params: dict[str, Any]) -> None:  # fmt: skip
    if kind == "radios":  # radios take the same params, with their own classes
        params = {**params, "classes": params.get("classes", "").replace("checkboxes", "radios")}
    macro, template = TEMPLATES[kind]
    written_out = ours(backoffice_app, kind, params)
    assert canonical(written_out) == canonical(reference_markup(macro, params, template=template))
    # The markup is whole: each item checked as asked, each label naming its input.
    checked = [item["value"] for item in params["items"] if item.get("checked")]
    assert written_out.count(" checked") == len(checked)
    assert written_out.count("<label") == len(params["items"])
