"""The per-person inbound limit, with a movable monotonic clock."""

from __future__ import annotations

from bot.runtime.flood import FloodGate, Verdict


class Ticks:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def test_a_flood_is_noticed_once_then_ignored_for_the_quiet_time() -> None:
    ticks = Ticks()
    gate = FloodGate(count=5, window=10, quiet=30, now=ticks)
    assert [gate.check(1) for _ in range(5)] == [Verdict.HANDLE] * 5
    assert gate.check(2) == Verdict.HANDLE  # someone else is counted apart
    assert gate.check(1) == Verdict.FLOODED
    assert [gate.check(1) for _ in range(10)] == [Verdict.IGNORE] * 10
    ticks.t += 29.9
    assert gate.check(1) == Verdict.IGNORE
    ticks.t += 0.2
    assert gate.check(1) == Verdict.HANDLE  # back to normal, counting afresh
    assert gate.check(2) == Verdict.HANDLE


def test_a_steady_person_is_never_stopped() -> None:
    ticks = Ticks()
    gate = FloodGate(count=5, window=10, quiet=30, now=ticks)
    for _ in range(100):  # one every 2.1 s: never more than 5 in any 10 s
        assert gate.check(7) == Verdict.HANDLE
        ticks.t += 2.1


def test_idle_people_are_forgotten() -> None:
    ticks = Ticks()
    gate = FloodGate(count=2, window=10, quiet=30, now=ticks)
    gate.check(1)
    for _ in range(3):
        gate.check(2)
    ticks.t += 11
    gate.forget_idle()
    assert len(gate) == 1  # 2 is still within her quiet time
    ticks.t += 20
    gate.forget_idle()
    assert len(gate) == 0
