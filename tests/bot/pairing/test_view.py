"""Pairing buttons fit Telegram's 64 bytes of callback data, with the longest cohort code."""

from __future__ import annotations

from bot.pairing.view import more_data, pair_all_data, pair_data, searching
from bot.runtime.arguments import MAX_USER_ID
from bot.runtime.callbacks import CALLBACK_DATA_LIMIT
from bot.runtime.i18n import catalogs

LONGEST = "x" * 32
LARGEST_ID = MAX_USER_ID


def test_paging_buttons_fit_with_the_longest_code_and_ids() -> None:
    datas = [
        more_data("0123456789ab", 99_999, LONGEST),
        pair_all_data("0123456789ab", LONGEST),
        pair_data(LARGEST_ID, LARGEST_ID),
    ]
    assert all(len(data.encode()) <= CALLBACK_DATA_LIMIT for data in datas)


def test_the_first_answer_names_the_cohort() -> None:
    t = catalogs().get("fr")
    assert searching(t, ("dakar27", "Dakar")).startswith("Cohorte Dakar")
    assert "jumelages" in searching(t)
