from pathlib import Path

import pytest

from shared.i18n import autonym, locales_for, negotiate, shipped_locales, text_direction

PORTAL = ("en", "cy", "es", "fr", "ar", "zh_Hans")


def test_right_to_left_scripts_get_rtl() -> None:
    assert text_direction("ar") == "rtl"
    assert text_direction("he") == "rtl"
    assert text_direction("en") == "ltr"
    assert text_direction("zh_Hans") == "ltr"


def test_languages_are_named_in_themselves() -> None:
    assert [autonym(code) for code in PORTAL] == [
        "English",
        "Cymraeg",
        "Español",
        "Français",
        "العربية",
        "中文 (简体)",
    ]


def test_shipped_locales_come_from_configuration_per_app() -> None:
    assert locales_for("portal") == PORTAL
    assert locales_for("backoffice") == ("en", "cy")  # the rest fall back to English
    assert {loc.code for loc in shipped_locales()} == set(PORTAL)


def test_a_new_locale_is_one_line_of_configuration(tmp_path: Path) -> None:
    config = tmp_path / "locales.toml"
    config.write_text("[locales]\nen = { portal = 100 }\npl = { portal = 90 }\n")
    (pl,) = [loc for loc in shipped_locales(config) if loc.code == "pl"]
    assert pl.thresholds == {"portal": 90}
    assert pl.html_lang == "pl"


@pytest.mark.parametrize(
    ("accepted", "expected"),
    [
        (["fr-CA", "en"], "fr"),
        (["de", "es-MX"], "es"),
        (["zh-CN"], "zh_Hans"),
        (["zh"], "zh_Hans"),
        (["zh-Hans-SG"], "zh_Hans"),
        (["zh-TW", "en"], "en"),  # Traditional Chinese readers are not given Simplified
        (["cy-GB", "en-GB"], "cy"),
        (["ar-EG"], "ar"),
        (["not a tag", "xx", "fr"], "fr"),
        (["de", "it"], None),
    ],
)
def test_browser_languages_are_matched_to_shipped_locales(
    accepted: list[str], expected: str | None
) -> None:
    assert negotiate(accepted, PORTAL) == expected
