"""The questionnaire's step ids that code relies on; the loader refuses a flow that lacks one.

Staff may change questions, options and rules in dialogs/flows/application.toml, but pairing,
the staff views and the eligibility checks read these answers by id: renaming one of these
steps in the flow file is an error at start-up, not a KeyError in production.
"""

from __future__ import annotations

from enum import StrEnum


class Step(StrEnum):
    """A step of the application flow that code reads by its id."""

    CONSENT = "consent"
    ROLE = "role"
    PROVINCE = "province"
    DESTINATION = "destination"
    COUNTRY = "country"
    SECTOR = "sector"
    SECTOR_OTHER = "sector_other"
    LANGUAGES = "languages"
    EMAIL = "email"
