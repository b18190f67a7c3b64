"""Valid answers for every page of each filing journey, shared by the tests that walk them."""

from __future__ import annotations

from shared.casetypes.forms import form_case_types, form_for

# What a page of each form says it was drawn from (the hidden form_version field).
FORM_VERSION = {case_type: form_for(case_type).version for case_type in form_case_types()}

ANSWERS: dict[str, dict[str, dict[str, object]]] = {
    "application": {
        "service": {"service": "parking-permit"},
        "details": {"details": "A permit for Elm Street, please."},
        "needed-by": {"needed_by": ["1", "6", "2027"]},
        "evidence": {},
        "about-you": {"given_name": "Ana", "family_name": "Silva", "date_of_birth": ["14", "3", "1984"]},
        "contact": {"email": "Ana.Silva@example.org", "phone": "+44 808 157 0192"},
        "address": {"address_line_1": "1 Elm Street", "address_town": "Cardiff", "address_postcode": "CF10 1AA"},
        "contact-preferences": {"contact_by": ["email", "post"], "large_print": "no"},
    },
    "complaint": {
        "about": {"complaint_about": "staff"},
        "what-happened": {"what_happened": "Nobody was at the front desk."},
        "when": {"happened_on": ["14", "10", "2026"]},
        "put-right": {"put_right": ""},
        "evidence": {},
        "about-you": {"given_name": "Rhys", "family_name": "Jones", "date_of_birth": ["2", "2", "1970"]},
        "contact": {"email": "rhys@example.org"},
    },
}  # fmt: skip
