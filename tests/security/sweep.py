"""What the security sweeps share: both apps' routes, a back office signed in as one
person holding every role with a case of theirs to look at, and the forms on a page."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.routing import Rule

from shared.models import RoleCode
from tests.security.test_permissions import case_assigned_to, path_of
from tests.staff_signing_in import signed_in_client, staff_member

ARGUMENT = re.compile(r"<(?:(\w+):)?(\w+)>")


def routes(app: Flask, method: str) -> Iterator[Rule]:
    for rule in app.url_map.iter_rules():
        if rule.endpoint != "static" and method in (rule.methods or set()):
            yield rule


def id_arguments(rule: Rule) -> list[str]:
    """The arguments of a rule taken by the `id` converter."""
    return [name for kind, name in ARGUMENT.findall(rule.rule) if kind == "id"]


def with_ids(rule: Rule, sample: str, value: str) -> str:
    """`sample` (the rule's path filled with real values) with each of its id arguments
    set to `value`, the other arguments kept."""
    match = re.fullmatch(ARGUMENT.sub("([^/]+)", rule.rule), sample)
    assert match, (rule.rule, sample)
    names = [name for _, name in ARGUMENT.findall(rule.rule)]
    parts = dict(zip(names, match.groups(), strict=True))
    for name in id_arguments(rule):
        parts[name] = value
    return ARGUMENT.sub(lambda found: parts[found.group(2)], rule.rule)


@dataclass
class SignedInEverywhere:
    """A member of staff with every role, signed in, and the address of each back-office
    view for them (another person's staff page, a case assigned to them)."""

    client: FlaskClient
    path: Callable[[str], str]


def signed_in_with_every_role(app: Flask) -> SignedInEverywhere:
    client, member = signed_in_client(app, *RoleCode)
    other = staff_member(app, RoleCode.CASEWORKER)
    reference = case_assigned_to(app, member.id)
    return SignedInEverywhere(client, lambda endpoint: path_of(endpoint, other.id, reference))


@dataclass
class Form:
    action: str
    fields: list[tuple[str, str]] = field(default_factory=list)


class _Forms(HTMLParser):
    """The POST forms of a page and what a browser would send from each: hidden and text
    inputs with their values, the first option of each radio group and select, every box."""

    def __init__(self, page_path: str) -> None:
        super().__init__()
        self.page_path = page_path
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: str | None = None
        self._radios: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        seen = {key: value or "" for key, value in attrs}
        if tag == "form" and seen.get("method", "get").lower() == "post":
            self._form = Form(seen.get("action") or self.page_path)
            self._radios = set()
            return
        if self._form is None:
            return
        name = seen.get("name")
        if tag == "input" and name:
            kind = seen.get("type", "text").lower()
            if kind == "radio":
                if name not in self._radios:
                    self._radios.add(name)
                    self._form.fields.append((name, seen.get("value", "")))
            elif kind not in {"submit", "button", "file", "image", "reset"}:
                self._form.fields.append((name, seen.get("value", "") or "1"))
        elif tag == "textarea" and name:
            self._form.fields.append((name, "Some words"))
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select:
            self._form.fields.append((self._select, seen.get("value", "")))
            self._select = None

    def handle_endtag(self, tag: str) -> None:
        if tag == "form" and self._form is not None:
            self.forms.append(self._form)
            self._form = None
        elif tag == "select":
            self._select = None


def post_forms(html: str, page_path: str) -> list[Form]:
    parser = _Forms(page_path)
    parser.feed(html)
    return parser.forms
