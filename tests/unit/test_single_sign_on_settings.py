"""Single sign-on's settings: off unless an issuer is set, a client required with it, and a
role map whose every Caseway role exists, checked when the apps start."""

from __future__ import annotations

from dataclasses import replace

import pytest

from shared.config import ConfigError, SingleSignOn, load_settings
from shared.models import RoleCode
from shared.services.single_sign_on import mapped_roles

CLIENT = {"CASEWAY_OIDC_CLIENT_ID": "caseway", "CASEWAY_OIDC_CLIENT_SECRET": "secret"}


def test_without_an_issuer_there_is_no_single_sign_on() -> None:
    assert load_settings(CLIENT).single_sign_on is None


def test_the_settings_are_read() -> None:
    config = load_settings({
        "CASEWAY_OIDC_ISSUER": "https://login.example.gov/realms/staff/",
        "CASEWAY_ORGANISATION_NAME": "Example Council",
        "CASEWAY_OIDC_ROLE_CLAIM": "groups",
        "CASEWAY_OIDC_ROLE_MAP": "case-workers=caseworker, Caseway.Admins=administrator",
        "CASEWAY_OIDC_TEAM_CLAIM": "team",
        "CASEWAY_OIDC_PROVISION": "on",
        **CLIENT,
    }).single_sign_on  # fmt: skip
    assert config is not None
    assert config.discovery_url == (
        "https://login.example.gov/realms/staff/.well-known/openid-configuration"
    )
    assert config.name == "Example Council"  # the button names the organisation by default
    assert config.role_map == (("case-workers", "caseworker"), ("Caseway.Admins", "administrator"))
    assert (config.role_claim, config.team_claim, config.provision) == ("groups", "team", True)
    assert config.link_by_email == "verified"


@pytest.mark.parametrize(
    ("extra", "named"),
    [
        ({"CASEWAY_OIDC_CLIENT_SECRET": ""}, "CASEWAY_OIDC_CLIENT_SECRET"),
        ({"CASEWAY_OIDC_ROLE_MAP": "case-workers=case_worker"}, "CASEWAY_OIDC_ROLE_MAP"),
        ({"CASEWAY_OIDC_ROLE_MAP": "caseworker"}, "CASEWAY_OIDC_ROLE_MAP"),
        ({"CASEWAY_OIDC_PROVISION": "maybe"}, "CASEWAY_OIDC_PROVISION"),
        ({"CASEWAY_OIDC_LINK_BY_EMAIL": "sometimes"}, "CASEWAY_OIDC_LINK_BY_EMAIL"),
        ({"CASEWAY_OIDC_ISSUER": "login.example.gov"}, "CASEWAY_OIDC_ISSUER"),
    ],
)
def test_wrong_settings_stop_the_apps_starting(extra: dict[str, str], named: str) -> None:
    environ = {"CASEWAY_OIDC_ISSUER": "https://login.example.gov", **CLIENT, **extra}
    with pytest.raises(ConfigError, match=named):
        load_settings(environ)


def test_roles_come_from_a_list_a_string_or_a_nested_claim() -> None:
    config = SingleSignOn(issuer="https://login.example.gov", client_id="c", client_secret="s",
                          name="Login", role_map=(("cw", "caseworker"), ("sup", "supervisor")))  # fmt: skip
    assert mapped_roles({"roles": ["cw", "other"]}, config) == {RoleCode.CASEWORKER}
    assert mapped_roles({"roles": "sup"}, config) == {RoleCode.SUPERVISOR}
    assert mapped_roles({"roles": ["CW"]}, config) == set()  # values match exactly
    assert mapped_roles({}, config) == set()
    nested = replace(config, role_claim="realm_access.roles")
    assert mapped_roles({"realm_access": {"roles": ["cw", "sup"]}}, nested) == {
        RoleCode.CASEWORKER, RoleCode.SUPERVISOR
    }  # fmt: skip
