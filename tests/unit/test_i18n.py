from shared.i18n import autonym, text_direction


def test_right_to_left_scripts_get_rtl() -> None:
    assert text_direction("ar") == "rtl"
    assert text_direction("he") == "rtl"
    assert text_direction("en") == "ltr"
    assert text_direction("zh_Hans") == "ltr"


def test_languages_are_named_in_themselves() -> None:
    assert autonym("cy") == "Cymraeg"
    assert autonym("es") == "Español"
    assert autonym("ar") == "العربية"
