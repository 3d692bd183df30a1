"""Logs at INFO never carry the token or what people typed."""

from __future__ import annotations

import logging

import pytest

from tests.e2e.paths import MENTOR, walk
from tests.harness import Running


async def test_logs_hold_neither_token_nor_answers(
    running: Running, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    awa = running.person("Awa")
    await awa.send("/start")
    await walk(awa, running.core.t("en"), MENTOR)
    await awa.send("this text is not a button")
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert running.emu.token not in logged
    for secret in ("awa@example.org", "I want to share", "this text is not a button"):
        assert secret not in logged
