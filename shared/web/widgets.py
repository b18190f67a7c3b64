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
