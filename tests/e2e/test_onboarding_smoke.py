"""A first end-to-end pass: a mentor applies in English."""

from tests.harness import Running


async def test_mentor_applies_in_english(running: Running) -> None:
    awa = running.person("Awa")
    first = await awa.send("/start", expect="agree")
    assert "Hello Awa" in awa.texts()[0]
    assert first.buttons
    await awa.press("I agree", expect="describes you")
    await awa.press("Canadian volunteer", expect="citizen")
    await awa.press("Yes", expect="18")
    await awa.press("Yes", expect="province")
    await awa.press("Quebec", expect="partner country")
    await awa.press("Senegal", expect="sector")
    await awa.press("Technology", expect="years")
    await awa.send("7", expect="languages")
    toggled = await awa.toggle("French")
    assert any("✅" in label and "French" in label for row in toggled.buttons for label in row)
    await awa.press("Done", expect="commit")
    await awa.press("Yes", expect="e-mail")
    await awa.send("awa@example.org", expect="why")
    summary = await awa.send("I want to share what I learned with other women.", expect="confirm")
    assert "awa@example.org" in summary.text
    done = await awa.press("Confirm", expect="thank")
    assert "/status" in done.text
