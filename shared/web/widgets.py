"""govuk-frontend-wtf widgets with their English-only defaults replaced by translated text.

The library sets `errorMessage` after merging the template's params, so the visually
hidden "Error:" prefix cannot be passed in from a template; it is set here instead.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from govuk_frontend_wtf import wtforms_widgets as gov


class _TranslatedErrorPrefix:
    def map_gov_params(self, field: Any, **kwargs: Any) -> dict[str, Any]:
        params: dict[str, Any] = super().map_gov_params(field, **kwargs)  # type: ignore[misc]
        if params.get("errorMessage"):
            params["errorMessage"]["visuallyHiddenText"] = _("Error")
        return params


class TextInput(_TranslatedErrorPrefix, gov.GovTextInput):
    pass


class TextArea(_TranslatedErrorPrefix, gov.GovTextArea):
    pass


class CharacterCount(_TranslatedErrorPrefix, gov.GovCharacterCount):
    pass


class RadioInput(_TranslatedErrorPrefix, gov.GovRadioInput):
    pass


class CheckboxesInput(_TranslatedErrorPrefix, gov.GovCheckboxesInput):
    pass


class Select(_TranslatedErrorPrefix, gov.GovSelect):
    pass


class SubmitInput(gov.GovSubmitInput):
    pass


class DateInput(_TranslatedErrorPrefix, gov.GovDateInput):
    """GOV.UK date input with translated Day/Month/Year labels, and no crash when a
    request carries no date parts at all (a tampered or partial POST)."""

    def map_gov_params(self, field: Any, **kwargs: Any) -> dict[str, Any]:
        if field.raw_data is not None and len(field.raw_data) != 3:
            field.raw_data = None
        params: dict[str, Any] = super().map_gov_params(field, **kwargs)
        for item, label in zip(params["items"], (_("Day"), _("Month"), _("Year")), strict=True):
            item["label"] = label
        return params


class FileInput(_TranslatedErrorPrefix, gov.GovFileInput):
    pass


class PasswordInput(_TranslatedErrorPrefix, gov.GovPasswordInput):
    """GOV.UK password input, its show/hide button and announcements translated."""

    def map_gov_params(self, field: Any, **kwargs: Any) -> dict[str, Any]:
        params: dict[str, Any] = super().map_gov_params(field, **kwargs)
        params.update(
            showPasswordText=_("Show"),
            hidePasswordText=_("Hide"),
            showPasswordAriaLabelText=_("Show password"),
            hidePasswordAriaLabelText=_("Hide password"),
            passwordShownAnnouncementText=_("Your password is visible"),
            passwordHiddenAnnouncementText=_("Your password is hidden"),
        )
        return params
