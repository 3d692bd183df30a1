"""The playground page in real headless Chromium: a candidate applies, staff approves her."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.playground import Playground

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 8000

LAST_MESSAGE_AFTER = """([count, expected]) => {
    const received = document.querySelectorAll('#messages .msg.in');
    if (received.length <= count) return false;
    const text = received[received.length - 1].textContent.toLowerCase();
    return text.includes(expected.toLowerCase());
}"""


def _need_chromium() -> None:
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is missing: install Debian's chromium to run the browser tests"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)


@pytest.fixture
async def playground(tmp_path: Path) -> AsyncIterator[Playground]:
    """The playground on a free local port."""
    play = Playground(db=tmp_path / "play.db", reminders="60s,20s")
    await play.start("127.0.0.1", 0)
    yield play
    await play.stop()


@pytest.fixture
async def browser() -> AsyncIterator[Any]:
    """Headless Debian Chromium driven by Playwright (never a downloaded browser)."""
    _need_chromium()
    playwright_api = pytest.importorskip("playwright.async_api")
    async with playwright_api.async_playwright() as driver:
        chromium = await driver.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield chromium
        finally:
            await chromium.close()


class Screen:
    """A person at the playground page: picks personas, types, presses buttons by label."""

    def __init__(self, page: Any) -> None:
        self.page = page

    async def received(self) -> int:
        """How many bot messages the open chat shows."""
        return int(await self.page.locator("#messages .msg.in").count())

    async def wait_reply(self, before: int, expected: str) -> None:
        """Waits for a new bot message (after `before` of them) whose text contains `expected`."""
        await self.page.wait_for_function(
            LAST_MESSAGE_AFTER, arg=[before, expected], timeout=TIMEOUT_MS
        )

    async def create(self, name: str, language: str, staff: bool = False) -> None:
        """Creates a persona through the form."""
        await self.page.fill("#np-name", name)
        await self.page.select_option("#np-lang", language)
        if staff:
            await self.page.check("#np-staff")
        await self.page.get_by_role("button", name="Create persona").click()
        await self.page.locator("#chat-name", has_text=name).wait_for(timeout=TIMEOUT_MS)

    async def open(self, name: str) -> None:
        """Opens a persona's chat from the list."""
        await self.page.locator("button.persona", has_text=name).click()
        await self.page.locator("#chat-name", has_text=name).wait_for(timeout=TIMEOUT_MS)

    async def type(self, text: str, expected: str) -> None:
        """Types a message, sends it with Enter and waits for the bot's answer."""
        before = await self.received()
        await self.page.fill("#text", text)
        await self.page.press("#text", "Enter")
        await self.wait_reply(before, expected)

    def _keyboard_button(self, label: str) -> Any:
        keyboards = self.page.locator("#messages .msg.in:has(.keyboard)").last
        return keyboards.locator("button.kb-btn", has_text=label).first

    async def press(self, label: str, expected: str) -> None:
        """Presses a button of the newest keyboard and waits for the bot's next message."""
        before = await self.received()
        await self._keyboard_button(label).click()
        await self.wait_reply(before, expected)

    async def toggle(self, label: str) -> None:
        """Presses a toggle button and waits until the message shows it ticked."""
        await self._keyboard_button(label).click()
        ticked = self.page.locator("#messages .msg.in:has(.keyboard)").last.locator(
            "button.kb-btn", has_text="✅"
        )
        await ticked.filter(has_text=label).wait_for(timeout=TIMEOUT_MS)


async def test_apply_and_approve_in_the_browser(playground: Playground, browser: Any) -> None:
    context = await browser.new_context(viewport={"width": 1280, "height": 820})
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.set_default_timeout(TIMEOUT_MS)
    await page.goto(playground.url)
    await page.locator("#reminders", has_text="60s, 20s").wait_for()
    screen = Screen(page)

    await screen.create("Nadia", "en", staff=True)
    await screen.create("Emily", "en")
    assert await page.locator("button.persona", has_text="Nadia").locator(".staff").count() == 1

    before = await screen.received()
    await page.fill("#text", "/sta")
    await page.locator("#commands li", has_text="/start").wait_for()
    await page.press("#text", "Enter")
    await screen.wait_reply(before, "agree")
    assert "Hello Emily" in await page.locator("#messages .msg.in").first.inner_text()
    assert await page.locator("#messages .msg.in strong, #messages .msg.in b").count() >= 0

    await screen.press("I agree", "describes you")
    await screen.press("Canadian volunteer", "citizen")
    await screen.press("Yes", "18")
    await screen.press("Yes", "province")
    await screen.press("Quebec", "partner country")
    await screen.press("Senegal", "sector")
    await screen.press("Technology", "years")
    await screen.type("7", "languages")
    await screen.toggle("French")
    await screen.press("Done", "commit")
    await screen.press("Yes", "e-mail")
    await screen.type("emily@example.org", "why")
    await screen.type("I want to share what I learned with <b>other</b> women.", "confirm")
    assert await page.locator("#messages .msg.out", has_text="<b>other</b>").count() == 1
    await screen.press("Confirm", "thank")
    await page.locator("#chat-meta", has_text="Toronto").wait_for()

    await screen.open("Nadia")
    notice = page.locator("#messages .msg.in", has_text="New application")
    await notice.wait_for()
    assert "Emily" in await notice.locator("strong").first.inner_text()
    await screen.type("/review", "Emily")
    before = await screen.received()
    await screen._keyboard_button("Approve").click()
    await page.locator("#messages .msg.in", has_text="Approved by").wait_for()
    assert await screen.received() >= before

    await screen.open("Emily")
    await page.locator("#messages .msg.in", has_text="approved").wait_for()
    emily = next(p["id"] for p in await playground.describe() if p["first_name"] == "Emily")
    await _bot_sends_document(playground, emily, "meeting.ics", b"BEGIN:VCALENDAR\r\n")
    link = page.locator("#messages .msg.in a.doc", has_text="meeting.ics")
    href = await link.get_attribute("href")
    assert href is not None and href.startswith("/_emu/files/")
    download = await page.request.get(playground.url + href)
    assert download.ok and (await download.body()).startswith(b"BEGIN:VCALENDAR")
    ARTIFACTS.mkdir(exist_ok=True)
    await screen.open("Nadia")
    await page.screenshot(path=str(ARTIFACTS / "playground.png"))

    phone = await browser.new_context(
        viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True
    )
    small = await phone.new_page()
    await small.goto(f"{playground.url}/#persona-{emily}")
    await small.locator("#messages .msg.in", has_text="approved").wait_for()
    assert await small.locator(".sidebar").is_hidden()
    await small.screenshot(path=str(ARTIFACTS / "playground-phone.png"))
    await small.locator("#back").click()
    assert await small.locator("button.persona", has_text="Nadia").is_visible()
    await phone.close()

    await page.get_by_role("button", name="Reset everything").click()
    await page.get_by_role("button", name="Reset, no personas").click()
    await page.locator("#empty-personas").wait_for()
    assert await page.locator("button.persona").count() == 0
    await context.close()
    assert errors == []


async def _bot_sends_document(playground: Playground, chat_id: int, name: str, data: bytes) -> None:
    """The bot sends a document through the Bot API, as it does for .ics files and exports."""
    form = aiohttp.FormData()
    form.add_field("chat_id", str(chat_id))
    form.add_field("document", data, filename=name, content_type="text/calendar")
    url = f"{playground.emu.api_url}{playground.emu.token}/sendDocument"
    async with aiohttp.ClientSession() as session, session.post(url, data=form) as response:
        assert response.status == 200, await response.text()
