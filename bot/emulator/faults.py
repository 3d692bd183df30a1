"""Injected Telegram faults: error answers, hanging calls and held responses.

A fault or a hold matches Bot API calls by method name (case-insensitive; None matches every
method, getUpdates included) and by chat (the call's `chat_id` parameter; None matches any call,
also those without a chat). Faults are tried in the order they were added; the first live one
that matches decides.

- An error fault answers the call with Telegram's error envelope (`ok: false`, `error_code`,
  `description`, for a 429 `parameters.retry_after`); the call has no effect.
- A hanging fault (`hang=True`) accepts the call and sends no answer while the fault lasts.
  When it is cleared or expires, the waiting call is processed normally; a call whose client
  already gave up (closed the connection) is dropped then, since its answer could reach nobody.
  When the emulator stops, the connection is closed without an answer.
- `times=N`: the fault catches the next N matching calls, then lets later calls through (an
  error fault then clears itself; the calls a hanging fault caught keep waiting until it is
  cleared or expires). `seconds=S`: the fault lasts S seconds of the emulator's clock.
- A hold lets matching calls take effect (the message is stored, as Telegram delivered it) but
  keeps their answer back until `release()`; when the emulator stops, the connection is closed
  without an answer, like a bot killed while its request was in flight.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable
from datetime import datetime, timedelta
from http import HTTPStatus
from typing import Any

from bot.emulator.api import CONFLICT
from bot.emulator.errors import ApiError
from bot.emulator.state import Clock, Notifier

Call = tuple[str, dict[str, Any]]
_DESCRIPTIONS = {
    401: "Unauthorized",
    403: "Forbidden: bot was blocked by the user",
    404: "Not Found",
    409: CONFLICT,
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}
_PREFIXES = {400: "Bad Request: ", 403: "Forbidden: ", 409: "Conflict: "}
# How often a hanging call looks at the clock: a test's clock moves without telling anybody.
_CLOCK_POLL = 0.05


def call_chat(params: dict[str, Any]) -> int | None:
    """Returns the call's integer chat_id (form-encoded calls send it as text), or None."""
    value = params.get("chat_id")
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            return None
    return None


def _description(status: int, description: str | None, retry_after: int | None) -> str:
    if status == 429:
        if description is not None:
            raise ValueError("a 429 is always 'Too Many Requests: retry after N'")
        return f"Too Many Requests: retry after {retry_after}"
    if description is None:
        if status == 400:
            raise ValueError("a 400 fault needs the description Telegram would give")
        if status in _DESCRIPTIONS:
            return _DESCRIPTIONS[status]
        try:
            return HTTPStatus(status).phrase
        except ValueError:
            return "Error"
    prefix = _PREFIXES.get(status)
    if prefix and not description.startswith(prefix):
        return prefix + description
    return description


class _Matcher:
    def __init__(self, id: int, method: str | None, chat_id: int | None) -> None:
        self.id = id
        self.method = method
        self.chat_id = chat_id

    def matches(self, method: str, params: dict[str, Any]) -> bool:
        if self.method is not None and self.method.lower() != method.lower():
            return False
        return self.chat_id is None or call_chat(params) == self.chat_id


class Fault(_Matcher):
    """One injected fault; `hits` counts the calls it caught, `calls` lists them."""

    def __init__(
        self,
        faults: Faults,
        id: int,
        method: str | None,
        chat_id: int | None,
        *,
        status: int,
        description: str | None,
        retry_after: int | None,
        times: int | None,
        until: datetime | None,
        hang: bool,
    ) -> None:
        super().__init__(id, method, chat_id)
        self._faults = faults
        self.status = status
        self.description = description
        self.retry_after = retry_after
        self.times = times
        self.until = until
        self.hang = hang
        self.hits = 0
        self.calls: list[Call] = []
        self.cleared = False

    def error(self) -> ApiError:
        """Returns a fresh ApiError for one answer."""
        parameters = None if self.retry_after is None else {"retry_after": self.retry_after}
        return ApiError(self.status, self.description or "", parameters)

    def lasting(self, now: datetime) -> bool:
        """Returns whether the fault is neither cleared nor expired."""
        return not self.cleared and (self.until is None or now < self.until)

    def catching(self, now: datetime) -> bool:
        """Returns whether the fault still catches new calls."""
        return self.lasting(now) and (self.times is None or self.hits < self.times)

    def clear(self) -> None:
        """Ends the fault; calls it keeps hanging are then processed."""
        if not self.cleared:
            self.cleared = True
            self._faults.forget(self)

    def to_json(self, now: datetime) -> dict[str, Any]:
        """Returns the control-surface view of this fault."""
        return {
            "id": self.id,
            "method": self.method,
            "chat_id": self.chat_id,
            "status": None if self.hang else self.status,
            "description": None if self.hang else self.description,
            "retry_after": self.retry_after,
            "times": self.times,
            "seconds_left": (
                None if self.until is None else max(0.0, (self.until - now).total_seconds())
            ),
            "hang": self.hang,
            "hits": self.hits,
            "active": self.catching(now),
        }


class Hold(_Matcher):
    """Matching calls take effect but their answers wait for `release()`."""

    def __init__(self, faults: Faults, id: int, method: str | None, chat_id: int | None) -> None:
        super().__init__(id, method, chat_id)
        self._faults = faults
        self.calls: list[Call] = []
        self.released = False
        self._changed = Notifier()

    def release(self) -> None:
        """Sends every held answer and stops holding new ones."""
        if not self.released:
            self.released = True
            self._faults.forget(self)
            self._changed.notify()

    async def wait(self, count: int = 1, timeout: float = 5.0) -> list[Call]:
        """Waits until `count` calls are held (or were); returns them."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while len(self.calls) < count:
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(
                    f"{len(self.calls)} calls held within {timeout}s, expected {count}: "
                    f"{[method for method, _ in self.calls]}"
                )
            await self._changed.wait(remaining)
        return list(self.calls)

    async def keep(self, method: str, params: dict[str, Any]) -> bool:
        """Holds one answer; returns False if the emulator stopped meanwhile."""
        self.calls.append((method, params))
        self._changed.notify()
        while not self.released and not self._faults.closing:
            await self._faults.changed.wait(3600.0)
        return self.released

    def to_json(self) -> dict[str, Any]:
        """Returns the control-surface view of this hold."""
        return {
            "id": self.id,
            "method": self.method,
            "chat_id": self.chat_id,
            "held": len(self.calls),
            "released": self.released,
        }


class Faults:
    """The live faults and holds of one emulator."""

    def __init__(self, clock: Clock, canonical: Callable[[str], str | None]) -> None:
        self.clock = clock
        self._canonical = canonical
        self.faults: list[Fault] = []
        self.holds: list[Hold] = []
        self.changed = Notifier()
        self.closing = False
        self._ids = itertools.count(1)

    def _method(self, method: str | None) -> str | None:
        if method is None:
            return None
        canonical = self._canonical(method)
        if canonical is None:
            raise ValueError(f"{method!r} is not a Bot API method")
        return canonical

    def add(
        self,
        method: str | None = None,
        chat_id: int | None = None,
        *,
        status: int = 500,
        description: str | None = None,
        retry_after: int | None = None,
        times: int | None = None,
        seconds: float | None = None,
        hang: bool = False,
    ) -> Fault:
        """Adds a fault; raises ValueError for one Telegram would never produce."""
        if chat_id is not None and (isinstance(chat_id, bool) or not isinstance(chat_id, int)):
            raise ValueError("chat_id must be an integer")
        if times is not None and (isinstance(times, bool) or not isinstance(times, int)):
            raise ValueError("times must be an integer")
        if times is not None and times < 1:
            raise ValueError("times must be at least 1")
        if seconds is not None and (isinstance(seconds, bool) or seconds <= 0):
            raise ValueError("seconds must be positive")
        if hang:
            if description is not None or retry_after is not None:
                raise ValueError("a hanging call has no description or retry_after")
        else:
            if isinstance(status, bool) or not isinstance(status, int) or not 400 <= status <= 599:
                raise ValueError("status must be a Telegram error code (400-599)")
            if retry_after is not None and status != 429:
                raise ValueError("retry_after comes only with status 429")
            if status == 429:
                if retry_after is None:
                    retry_after = 1
                if isinstance(retry_after, bool) or not isinstance(retry_after, int):
                    raise ValueError("retry_after must be an integer")
                if retry_after < 1:
                    raise ValueError("retry_after must be at least 1")
            description = _description(status, description, retry_after)
        until = None if seconds is None else self.clock.now() + timedelta(seconds=seconds)
        fault = Fault(
            self,
            next(self._ids),
            self._method(method),
            chat_id,
            status=status,
            description=description,
            retry_after=retry_after,
            times=times,
            until=until,
            hang=hang,
        )
        self.faults.append(fault)
        return fault

    def hold(self, method: str | None = None, chat_id: int | None = None) -> Hold:
        """Adds a hold."""
        if chat_id is not None and (isinstance(chat_id, bool) or not isinstance(chat_id, int)):
            raise ValueError("chat_id must be an integer")
        hold = Hold(self, next(self._ids), self._method(method), chat_id)
        self.holds.append(hold)
        return hold

    def forget(self, item: Fault | Hold) -> None:
        """Removes a cleared fault or a released hold and wakes the calls waiting on it."""
        if isinstance(item, Fault) and item in self.faults:
            self.faults.remove(item)
        elif isinstance(item, Hold) and item in self.holds:
            self.holds.remove(item)
        self.changed.notify()

    def live(self) -> list[Fault]:
        """Returns the faults neither cleared nor expired, forgetting the expired ones."""
        now = self.clock.now()
        for fault in [f for f in self.faults if not f.lasting(now)]:
            fault.clear()
        return list(self.faults)

    def catch(self, method: str, params: dict[str, Any]) -> Fault | None:
        """Returns the fault that catches this call, counting the hit, or None."""
        now = self.clock.now()
        for fault in self.live():
            if fault.catching(now) and fault.matches(method, params):
                fault.hits += 1
                fault.calls.append((method, params))
                if not fault.hang and not fault.catching(now):
                    fault.clear()
                return fault
        return None

    async def hang(self, fault: Fault) -> bool:
        """Waits while the fault lasts; returns False if the emulator stopped meanwhile."""
        while fault.lasting(self.clock.now()) and not self.closing:
            await self.changed.wait(_CLOCK_POLL)
        self.live()
        return not self.closing

    def holding(self, method: str, params: dict[str, Any]) -> Hold | None:
        """Returns the first hold matching this call, or None."""
        return next((h for h in self.holds if h.matches(method, params)), None)

    def clear(self) -> None:
        """Clears every fault and releases every hold."""
        for fault in list(self.faults):
            fault.clear()
        for hold in list(self.holds):
            hold.release()

    def close(self) -> None:
        """The emulator stops: waiting calls end without an answer."""
        self.closing = True
        self.changed.notify()
