"""CASEWAY_TWO_FACTOR_REQUIRED_ROLES: a code that names no role is refused at start, in one
line, instead of silently obliging nobody."""

import pytest

from shared.config import ConfigError, load_settings


@pytest.mark.parametrize("raw", ["administrater", "caseworker, admin", "supervisor,,nobody"])
def test_an_unknown_role_code_is_refused_at_start_in_one_line(raw: str) -> None:
    with pytest.raises(ConfigError, match="CASEWAY_TWO_FACTOR_REQUIRED_ROLES") as raised:
        load_settings({"CASEWAY_TWO_FACTOR_REQUIRED_ROLES": raw})
    message = str(raised.value)
    assert "\n" not in message
    unknown = [code.strip() for code in raw.split(",") if code.strip()][-1]
    assert repr(unknown) in message
    assert "administrator" in message  # says which codes are allowed


def test_known_role_codes_in_any_case_and_spacing_are_accepted() -> None:
    raw = " Supervisor ,CASEWORKER,, intake_clerk"
    settings = load_settings({"CASEWAY_TWO_FACTOR_REQUIRED_ROLES": raw})
    assert settings.two_factor_required_roles == ("supervisor", "caseworker", "intake_clerk")
