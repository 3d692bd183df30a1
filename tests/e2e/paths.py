"""Answer paths through the questionnaire, pressed and typed as a person would."""

from __future__ import annotations

from bot.emulator import EmuMessage
from bot.runtime.i18n import Translator
from tests.harness import Person

Action = tuple[str, str]

MENTOR_START: tuple[Action, ...] = (
    ("press", "I agree"),
    ("press", "Canadian volunteer or entrepreneur"),
)
MENTOR: tuple[Action, ...] = (
    *MENTOR_START,
    ("press", "Yes"),
    ("press", "Yes"),
    ("press", "Quebec"),
    ("press", "Senegal"),
    ("press", "Technology"),
    ("send", "7"),
    ("toggle", "French"),
    ("press", "Done"),
    ("press", "Yes"),
    ("send", "awa@example.org"),
    ("send", "I want to share what I learned with other women."),
)
MENTEE: tuple[Action, ...] = (
    ("press", "I agree"),
    ("press", "Entrepreneur in a partner country"),
    ("press", "Bolivia"),
    ("press", "1 to 3 years"),
    ("press", "Agri-food processing"),
    ("toggle", "Spanish"),
    ("press", "Done"),
    ("press", "Yes"),
    ("send", "maria@example.bo"),
    ("send", "Quiero hacer crecer mi empresa de jugos."),
)


async def walk(person: Person, t: Translator, actions: tuple[Action, ...]) -> EmuMessage:
    """Performs each action with labels in the person's language; returns the last message."""
    message = person.last()
    for kind, value in actions:
        if kind == "press":
            message = await person.press(t.plain(value))
        elif kind == "toggle":
            message = await person.toggle(t.plain(value))
        else:
            message = await person.send(value)
    return message
