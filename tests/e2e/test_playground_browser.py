"""The playground page in real headless Chromium: a candidate applies, staff approves her."""

from __future__ import annotations

import asyncio
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

    await page.locator("#start-btn").click()  # a new chat with a bot begins with START
    await screen.wait_reply(0, "agree")
    assert "Hello Emily" in await page.locator("#messages .msg.in").first.inner_text()
    before = await screen.received()
    await page.fill("#text", "/hel")
    await page.locator("#commands li", has_text="/help").wait_for()
    await page.press("#text", "Enter")
    await screen.wait_reply(before, "/status")
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
    await page.locator("#chat-meta", has_text="the bot uses Toronto time").wait_for()

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


async def _bot_says(playground: Playground, chat_id: int, text: str) -> None:
    """The bot sends a text through the Bot API."""
    url = f"{playground.emu.api_url}{playground.emu.token}/sendMessage"
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, json={"chat_id": chat_id, "text": text}) as response,
    ):
        assert response.status == 200, await response.text()


ARABIC = "شكرا لرسالتك، سنرد عليك قريبا"
BADGE = "button.persona:has-text('{name}') .unread"
DIRECTION = "(node) => getComputedStyle(node).direction"


async def test_telegram_behaviours_in_the_browser(playground: Playground, browser: Any) -> None:
    context = await browser.new_context(
        viewport={"width": 1280, "height": 820}, timezone_id="Africa/Dakar"
    )
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.set_default_timeout(TIMEOUT_MS)
    await page.goto(playground.url)
    await page.locator("#bot-name", has_text="@passerelle_bot").wait_for()
    screen = Screen(page)
    ARTIFACTS.mkdir(exist_ok=True)

    # The time zone field starts at the browser's zone; each persona keeps her own.
    assert await page.input_value("#np-zone") == "Africa/Dakar"
    await page.fill("#np-zone", "America/Toronto")
    await screen.create("Nadia", "en", staff=True)
    await page.locator("#chat-meta", has_text="Toronto").wait_for()
    assert await page.input_value("#np-zone") == "Africa/Dakar"  # the form is ready again
    await screen.create("Fatou", "en")
    await page.locator("#chat-meta", has_text="Dakar").wait_for()
    fatou = next(p["id"] for p in await playground.describe() if p["first_name"] == "Fatou")

    # A persona who never talked to the bot has Telegram's START button instead of the box.
    assert await page.locator("#start-btn").is_visible()
    assert await page.locator("#composer").is_hidden()
    await page.screenshot(path=str(ARTIFACTS / "playground-start.png"))
    await page.locator("#start-btn").click()
    await screen.wait_reply(0, "agree")
    assert await page.locator("#composer").is_visible()
    assert await page.locator("#start-btn").is_hidden()

    # Right-to-left text is aligned right, each message by its own letters.
    before = await screen.received()
    await page.fill("#text", "مرحبا، أنا فاطمة وأريد أن أنضم إلى البرنامج")
    await page.press("#text", "Enter")
    await screen.wait_reply(before, "buttons")
    arabic = page.locator("#messages .msg.out .bubble").last
    assert await arabic.evaluate(DIRECTION) == "rtl"
    assert await page.locator("#messages .msg.in .bubble").last.evaluate(DIRECTION) == "ltr"
    await _bot_says(playground, fatou, f"{ARABIC}\n{ARABIC} {ARABIC}")
    answer = page.locator("#messages .msg.in .bubble", has_text=ARABIC)
    assert await answer.evaluate(DIRECTION) == "rtl"
    await page.screenshot(path=str(ARTIFACTS / "playground-rtl.png"))

    # A /command in the bot's text is clickable and sends the command as the persona.
    await screen.open("Nadia")
    await screen.type("/help", "For program staff")
    before = await screen.received()
    await page.locator("#messages .msg.in").last.locator(".cmd", has_text="/review").click()
    await page.locator("#messages .msg.out", has_text="/review").wait_for()
    await screen.wait_reply(before, "")

    # An invite link is a link; a link to this bot sends /start with its parameter, as
    # Telegram does: here Fatou pastes the link she was given and opens it.
    await screen.type("/staff invite", "works once")
    invite = page.locator("#messages .msg.in a[href*='start=staff-']").last
    href = await invite.get_attribute("href")
    assert href is not None and href.startswith("https://t.me/passerelle_bot?start=staff-")
    assert await invite.get_attribute("target") == "_blank"
    await _bot_says(playground, fatou, "Our guide: https://example.org/guide (read it first)")
    await screen.open("Fatou")
    guide = page.locator("#messages .msg.in a[href='https://example.org/guide']")
    assert await guide.get_attribute("rel") == "noopener noreferrer"
    await screen.type(href, "buttons")
    before = await screen.received()
    await page.locator("#messages .msg.out a[href*='start=staff-']").last.click()
    code = href.rsplit("=", 1)[1]
    await page.locator("#messages .msg.out", has_text=f"/start {code}").wait_for()
    await screen.wait_reply(before, "staff")
    await page.locator("button.persona", has_text="Fatou").locator(".staff").wait_for()
    await page.screenshot(path=str(ARTIFACTS / "playground-links-rtl.png"))

    # Unread badges count only what was not seen, also after a reload.
    await screen.open("Nadia")
    await _bot_says(playground, fatou, "First news")
    await _bot_says(playground, fatou, "Second news")
    await page.locator(BADGE.format(name="Fatou"), has_text="2").wait_for()
    await page.reload()
    await page.locator(BADGE.format(name="Fatou"), has_text="2").wait_for()
    assert await page.locator(BADGE.format(name="Nadia")).count() == 0
    await screen.open("Fatou")
    await page.locator("#messages .msg.in", has_text="Second news").wait_for()
    await screen.open("Nadia")
    await page.reload()
    await page.locator("#chat-name", has_text="Nadia").wait_for()
    await page.locator("button.persona", has_text="Fatou").wait_for()
    assert await page.locator(BADGE.format(name="Fatou")).count() == 0

    phone = await browser.new_context(
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        timezone_id="Africa/Dakar",
    )
    small = await phone.new_page()
    small.on("pageerror", lambda error: errors.append(str(error)))
    await small.goto(f"{playground.url}/#persona-{fatou}")
    await small.locator("#messages .msg.in", has_text="Second news").wait_for()
    await small.locator("#messages .msg.in", has_text=ARABIC).scroll_into_view_if_needed()
    await small.screenshot(path=str(ARTIFACTS / "playground-links-rtl-phone.png"))
    await small.locator("#back").click()
    await small.fill("#np-name", "Lucía")
    await small.select_option("#np-lang", "es")
    await small.get_by_role("button", name="Create persona").click()
    await small.locator("#start-btn").wait_for()
    await small.screenshot(path=str(ARTIFACTS / "playground-start-phone.png"))
    await phone.close()
    await context.close()
    assert errors == []


async def test_a_command_sent_before_the_menu_loaded_leaves_the_menu_closed(
    playground: Playground, browser: Any
) -> None:
    context = await browser.new_context(viewport={"width": 1280, "height": 820})
    page = await context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    await page.goto(playground.url)
    screen = Screen(page)
    await screen.create("Rosa", "es")
    await page.locator("#start-btn").click()
    await screen.wait_reply(0, "Rosa")
    held, asked = asyncio.Event(), asyncio.Event()

    async def hold(route: Any) -> None:
        asked.set()
        await held.wait()
        await route.continue_()

    # Her command list is loaded when she types "/" the first time: it answers only after
    # she has sent her command (a slow network, a busy machine).
    await page.route("**/_emu/users/*/commands", hold)
    await page.fill("#text", "/help")
    await asyncio.wait_for(asked.wait(), TIMEOUT_MS / 1000)
    await page.press("#text", "Enter")
    await page.locator("#messages .msg.out", has_text="/help").wait_for()
    held.set()
    await page.wait_for_function("() => state.commandsFor !== null")
    assert await page.locator("#commands").is_hidden()  # nothing covers her chat's buttons
    await context.close()
