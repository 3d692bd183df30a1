"""Link buttons survive the outbox, and the sender drops a refused link to someone's chat."""

from __future__ import annotations

from pathlib import Path

from telegram import InlineKeyboardMarkup

from bot.runtime.clock import FrozenClock
from bot.runtime.db import Database
from bot.runtime.outbox import Outbox
from bot.runtime.replies import Button, Send, link_button
from handlers.sender import markup, without_user_links
from tests.harness import START

KEYBOARD = (
    (link_button("Contact her", "tg://user?id=42"), link_button("Site", "https://example.org")),
    (Button("Mark handled", "al:h:1"),),
)


async def test_a_link_button_comes_out_of_the_outbox_as_it_went_in(tmp_path: Path) -> None:
    db = Database(tmp_path / "outbox.db")
    await db.open()
    try:
        outbox = Outbox(db, FrozenClock(START))
        await outbox.put([Send(7, "alert", KEYBOARD)])
        (parcel,) = await outbox.claim()
        assert parcel.message == Send(7, "alert", KEYBOARD)
    finally:
        await db.close()


def test_link_buttons_open_urls_and_others_send_a_press() -> None:
    built = markup(KEYBOARD)
    assert built is not None
    (contact, site), (handled,) = InlineKeyboardMarkup.de_json(built, None).inline_keyboard
    assert (contact.url, contact.callback_data) == ("tg://user?id=42", None)
    assert site.url == "https://example.org"
    assert (handled.url, handled.callback_data) == (None, "al:h:1")


def test_without_user_links_keeps_every_other_button() -> None:
    plainer = without_user_links(Send(7, "alert", KEYBOARD))
    assert plainer == Send(
        7, "alert", ((link_button("Site", "https://example.org"),), (KEYBOARD[1][0],))
    )
    assert without_user_links(Send(7, "no links", ((Button("Ok", "x:1"),),))) is None
