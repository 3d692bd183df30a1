"""Arbitrary input through the emulator: text, buttons old and new, forged callback data.

Two people talk to the real bot at once; hypothesis writes what they send. Whatever it is,
nothing crashes (no update fails, nobody gets the apology), every reply is one Telegram
accepts (the emulator refuses what Telegram refuses: length, entities, 64-byte data), and
neither ever reads the other's name.
"""

from __future__ import annotations

import asyncio
import contextlib
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.emulator import Emulator
from bot.emulator.text import utf16_len
from tests.harness import Running, start_bot

pytestmark = pytest.mark.slow

NAMES = ("Anaïs", "Zedekiah")
COMMANDS = (
    "/start",
    "/help",
    "/status",
    "/cancel",
    "/language",
    "/privacy",
    "/delete",
    "/pair",
    "/review",
    "/nonsense",
    "/start staff-forged",
    "/start cohort_1",
)
APOLOGY = "something went wrong"


@dataclass(frozen=True)
class Typed:
    who: int
    text: str


@dataclass(frozen=True)
class Pressed:
    who: int
    message: int  # which of her keyboards, counted from the newest
    button: int


@dataclass(frozen=True)
class Forged:
    who: int
    data: str


def _sendable(text: str) -> bool:
    return bool(text.strip()) and utf16_len(text.strip()) <= 4096


WHO = st.integers(0, 1)
TEXT = st.one_of(
    st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=200),
    st.sampled_from(
        (
            "<b>bold</b> & <i",
            "‮evil‬",
            "\u200b\u200b\u200b",
            "😀" * 50,
            "a" * 4096,
            "1",
            "7",
            "J'accepte",
            "Sénégal",
            "no preference",
            "x@y.z",
            "مرحبا بالعالم",
            "'; DROP TABLE x;",
        )
    ),
    st.builds(lambda c, a: f"{c} {a}".strip(), st.sampled_from(COMMANDS), st.text(max_size=30)),
).filter(_sendable)
DATA = st.one_of(
    st.text(max_size=40).filter(lambda d: 0 < len(d.encode()) <= 64),
    st.builds(
        lambda ns, rest: f"{ns}:{rest}",
        st.sampled_from(("app", "lang", "privacy", "rv", "stf", "pr", "x")),
        st.text(st.characters(codec="ascii"), max_size=30),
    ).filter(lambda d: len(d.encode()) <= 64),
)
EVENT = st.one_of(
    st.builds(Typed, WHO, TEXT),
    st.builds(Pressed, WHO, st.integers(0, 3), st.integers(0, 20)),
    st.builds(Forged, WHO, DATA),
)


async def _settled(bot: Running) -> None:
    for _ in range(200):
        if not bot.emu.pending_updates() and not await bot.core.inbox.waiting():
            await asyncio.sleep(0.05)  # the last replies on their way
            return
        await asyncio.sleep(0.02)
    raise AssertionError("the bot did not get through its inbox")


async def _play(folder: Path, script: list[Typed | Pressed | Forged]) -> None:
    emu = Emulator(rate_limit_per_second=None)
    await emu.start()
    bot = await start_bot(emu, folder / "fuzz.db")
    try:
        people = [
            emu.add_user(name, language_code=lang)
            for name, lang in zip(NAMES, ("fr", "en"), strict=True)
        ]
        for uid in people:
            await emu.send_text(uid, "/start")
        await _settled(bot)
        for event in script:
            uid = people[event.who]
            if isinstance(event, Typed):
                await emu.send_text(uid, event.text)
            elif isinstance(event, Forged):
                newest = emu.bot_messages(uid)[-1].message_id
                await emu.press_data(uid, newest, event.data)
            else:
                keyboards = [m for m in emu.bot_messages(uid) if m.buttons][::-1]
                if keyboards:
                    message = keyboards[event.message % len(keyboards)]
                    labels = [label for row in message.buttons for label in row]
                    label = labels[event.button % len(labels)]
                    with contextlib.suppress(LookupError):  # a label inside a longer one
                        await emu.press(uid, label, message_id=message.message_id)
            await _settled(bot)
        refused = [e for e in emu.errors if e[1] == 400 and "not modified" not in e[2]]
        assert refused == [], refused
        assert not [e for e in emu.errors if e[1] >= 500], emu.errors
        parked = await bot.core.db.fetchall(
            "SELECT update_id FROM inbox WHERE parked_at IS NOT NULL"
        )
        assert parked == []
        for me, other in ((0, 1), (1, 0)):
            texts = [m.text for m in emu.bot_messages(people[me])]
            assert not any(APOLOGY in text for text in texts), texts
            assert not any(NAMES[other] in text for text in texts)
    finally:
        await bot.shutdown()
        await emu.stop()


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(script=st.lists(EVENT, min_size=3, max_size=14))
def test_arbitrary_input_never_crashes_leaks_or_breaks_telegrams_rules(
    script: list[Typed | Pressed | Forged],
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        asyncio.run(_play(Path(folder), script))


def _update_shapes(uid: int, chat_id: int, now: int) -> st.SearchStrategy[dict[str, object]]:
    """Updates as Telegram may send them, including kinds the bot never asked for."""
    user = {"id": uid, "is_bot": False, "first_name": NAMES[0], "language_code": "fr"}
    private = {"id": uid, "type": "private", "first_name": NAMES[0]}
    chats = st.sampled_from(
        (
            private,
            {"id": -100 - chat_id, "type": "group", "title": "G"},
            {"id": -1000000000000 - chat_id, "type": "supergroup", "title": "S"},
        )
    )
    content = st.one_of(
        st.builds(lambda t: {"text": t}, TEXT),
        st.just(
            {
                "sticker": {
                    "file_id": "s",
                    "file_unique_id": "u",
                    "type": "regular",
                    "width": 512,
                    "height": 512,
                    "is_animated": False,
                    "is_video": False,
                }
            }
        ),
        st.builds(
            lambda c: {
                "photo": [{"file_id": "p", "file_unique_id": "q", "width": 9, "height": 9}],
                "caption": c,
            },
            st.text(max_size=50),
        ),
        st.just({"location": {"latitude": 14.7, "longitude": -17.4}}),
        st.just({"contact": {"phone_number": "+221000", "first_name": "X"}}),
        st.just({"new_chat_members": [user]}),
    )

    def message(
        chat: dict[str, object], body: dict[str, object], sender: bool
    ) -> dict[str, object]:
        found: dict[str, object] = {"message_id": 10_000, "date": now, "chat": chat, **body}
        if sender:
            found["from"] = user
        return found

    messages = st.builds(message, chats, content, st.booleans())
    return st.one_of(
        st.builds(lambda m: {"message": m}, messages),
        st.builds(lambda m: {"edited_message": {**m, "edit_date": now}}, messages),
        st.builds(
            lambda d: {
                "callback_query": {
                    "id": "9",
                    "from": user,
                    "chat_instance": "1",
                    "message": {"message_id": 1, "date": 0, "chat": private},
                    **d,
                }
            },
            st.one_of(st.just({}), st.builds(lambda x: {"data": x}, DATA)),
        ),
        st.just(
            {
                "my_chat_member": {
                    "chat": private,
                    "from": user,
                    "date": now,
                    "old_chat_member": {"status": "member", "user": user},
                    "new_chat_member": {"status": "kicked", "user": user, "until_date": 0},
                }
            }
        ),
    )


@settings(
    max_examples=6,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_any_update_shape_is_survived(data: st.DataObject) -> None:
    async def play(folder: Path) -> None:
        emu = Emulator(rate_limit_per_second=None)
        await emu.start()
        bot = await start_bot(emu, folder / "shapes.db")
        try:
            uid = emu.add_user(NAMES[0], language_code="fr")
            await emu.send_text(uid, "/start")
            await _settled(bot)
            shapes = data.draw(st.lists(_update_shapes(uid, uid, 1_800_000_000), max_size=8))
            for shape in shapes:
                emu.state.updates.append({"update_id": emu.state.next_update_id, **shape})
                emu.state.next_update_id += 1
                emu.state.changed.notify()
                await _settled(bot)
            await emu.send_text(uid, "/help")  # and she is still answered
            await emu.wait_for(uid, contains="/start", since=0, timeout=5)
            parked = await bot.core.db.fetchall("SELECT 1 FROM inbox WHERE parked_at IS NOT NULL")
            assert parked == []
            assert not [e for e in emu.errors if e[1] >= 500]
            assert not any(APOLOGY in m.text for m in emu.bot_messages(uid))
        finally:
            await bot.shutdown()
            await emu.stop()

    with tempfile.TemporaryDirectory() as folder:
        asyncio.run(play(Path(folder)))
