"""A strict local Telegram Bot API emulator for end-to-end tests and the playground."""

from bot.emulator.emulator import DEFAULT_TOKEN, Emulator
from bot.emulator.errors import ApiError
from bot.emulator.faults import Fault, Hold
from bot.emulator.rate import ChatRateLimit, RateLimit
from bot.emulator.state import CallbackResult, Clock, EmuDocument, EmuMessage, EmuUser, SystemClock

__all__ = [
    "DEFAULT_TOKEN",
    "ApiError",
    "CallbackResult",
    "ChatRateLimit",
    "Clock",
    "EmuDocument",
    "EmuMessage",
    "EmuUser",
    "Emulator",
    "Fault",
    "Hold",
    "RateLimit",
    "SystemClock",
]
