"""Every route that takes a row id takes it through one converter (shared/web/ids.py), in
both apps, and an id no row can have is not found: out of range of the database's integer
(which once gave a 500), negative, zero, not a number. The sweep is over the URL maps, for
every method a route answers, signed in with every role so permission is not the reason."""

from __future__ import annotations

import pytest
from flask import Flask
from werkzeug.routing.converters import NumberConverter

from shared.web.ids import LARGEST_ID, IdConverter
from tests.pages import APPS
from tests.security.sweep import id_arguments, routes, signed_in_with_every_role, with_ids
from tests.staff_signing_in import csrf_token

NOT_IDS = [
    str(LARGEST_ID + 1),
    str(2**63),  # past SQLite's INTEGER as well
    str(2**64),
    "1" + "0" * 30,
    "-1",
    "0",
    "01",
    "1.5",
    "1e3",
    "abc",
    "%F0%9F%98%80",
]


@pytest.mark.parametrize("app_name", list(APPS))
def test_every_number_in_a_route_is_an_id_through_the_one_converter(app_name: str) -> None:
    app = APPS[app_name]
    for rule in app.url_map.iter_rules():
        for name, converter in rule._converters.items():
            if isinstance(converter, NumberConverter) or (
                name.endswith("_id") and name != "public_id"  # public ids are random text
            ):
                assert isinstance(converter, IdConverter), f"{rule.rule}: use <id:{name}>"


def test_the_sweep_finds_the_id_routes() -> None:
    found = {rule.rule for app in APPS.values() for rule in app.url_map.iter_rules()
             if id_arguments(rule)}  # fmt: skip
    assert "/staff/<id:staff_id>" in found
    assert "/cases/<reference>/messages/<id:message_id>/accept" in found
    assert "/closure-days/<id:closure_id>/remove" in found


def test_an_id_no_row_can_have_is_not_found(backoffice: Flask) -> None:
    everyone = signed_in_with_every_role(backoffice)
    token = csrf_token(everyone.client, "/")
    answered: dict[tuple[str, str], int] = {}
    for method in ("GET", "POST"):
        for rule in routes(backoffice, method):
            if not id_arguments(rule):
                continue
            sample = everyone.path(rule.endpoint)  # the other arguments, real ones
            for bad in NOT_IDS:
                path = with_ids(rule, sample, bad)
                data = {"csrf_token": token} if method == "POST" else None
                response = everyone.client.open(path, method=method, data=data)
                answered[(method, path)] = response.status_code
    assert len(answered) > 100
    assert {key: status for key, status in answered.items() if status != 404} == {}


def test_the_largest_id_reaches_the_database_and_is_not_found(backoffice: Flask) -> None:
    """The largest id the converter lets through is a real query on both databases."""
    everyone = signed_in_with_every_role(backoffice)
    token = csrf_token(everyone.client, "/")
    statuses: dict[tuple[str, str], int] = {}
    for method in ("GET", "POST"):
        for rule in routes(backoffice, method):
            if id_arguments(rule):
                path = with_ids(rule, everyone.path(rule.endpoint), str(LARGEST_ID))
                data = {"csrf_token": token} if method == "POST" else None
                statuses[(method, path)] = everyone.client.open(path, method=method,
                                                                data=data).status_code  # fmt: skip
    assert statuses[("GET", f"/staff/{LARGEST_ID}")] == 404
    assert statuses[("POST", f"/staff/{LARGEST_ID}/deactivate")] == 404
    assert {key: status for key, status in statuses.items() if status >= 500} == {}
