"""A notice's link is made when it is rendered, from the settings and its case."""

from __future__ import annotations

from dataclasses import replace

from shared.config import load_settings
from shared.notices.kinds import STAFF_KINDS, NoticeKind
from shared.notices.links import case_link

SETTINGS = replace(
    load_settings({"CASEWAY_DOTENV": "/dev/null"}),
    portal_url="https://cases.council.example/",
    backoffice_url="https://staff.internal",
)


def test_a_resident_is_sent_to_their_case_in_the_portal() -> None:
    for kind in set(NoticeKind) - STAFF_KINDS:
        assert case_link(kind, "7KQ4-M2XB-R", SETTINGS) == (
            "https://cases.council.example/cases/7KQ4-M2XB-R"
        )


def test_staff_are_sent_to_the_back_office() -> None:
    for kind in STAFF_KINDS:
        assert case_link(kind, "7KQ4-M2XB-R", SETTINGS) == "https://staff.internal/"
