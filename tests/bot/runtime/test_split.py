"""Long HTML texts split as Telegram measures them, on line breaks, formatting kept."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.emulator.html import parse_html
from bot.runtime.replies import Button, Edit, Send, SendDocument, fit
from bot.runtime.split import exceeds, shorten_html, split_html, visible_length


def shown(parts: list[str]) -> str:
    """The text a person reads across the parts (parsed as Telegram parses them)."""
    return "\n".join(parse_html(part)[0] for part in parts)


def test_length_is_counted_after_parsing_in_utf16_units() -> None:
    assert visible_length("<b>a &amp; b</b>") == 5
    assert visible_length("😀") == 2
    assert visible_length('<a href="https://example.org/very/long">x</a>') == 1


def test_a_short_text_is_one_part() -> None:
    assert split_html("<b>hi</b>") == ["<b>hi</b>"]


def test_parts_break_on_lines_and_lose_nothing() -> None:
    lines = [f"• <b>Mentor {i}</b> → <i>Mentee &lt;{i}&gt;</i>" for i in range(400)]
    text = "\n".join(lines)
    parts = split_html(text)
    assert len(parts) > 1
    assert all(visible_length(part) <= 4096 for part in parts)
    assert shown(parts) == parse_html(text)[0]
    assert all(part.startswith("• ") for part in parts)  # each part begins on a line


def test_formatting_open_at_a_cut_is_closed_and_reopened() -> None:
    text = "<b>" + "\n".join(f"line {i}" for i in range(2000)) + "</b>"
    parts = split_html(text)
    assert all(part.startswith("<b>") and part.endswith("</b>") for part in parts)
    for part in parts:
        parse_html(part)  # valid Telegram HTML: raises otherwise


def test_one_long_line_breaks_between_words_then_characters() -> None:
    words = split_html("word " * 2000)
    assert all(visible_length(part) <= 4096 for part in words)
    assert all(not part.startswith(" ") and "wor d" not in part for part in words)
    solid = split_html("&amp;" * 5000, 4096)
    assert [visible_length(part) for part in solid] == [4096, 904]
    assert all(part.startswith("&amp;") for part in solid)  # never inside an entity


@given(st.text(alphabet="ab <>&\n😀", max_size=300), st.integers(min_value=2, max_value=50))
def test_any_text_splits_into_fitting_parts(raw: str, limit: int) -> None:
    from bot.runtime.i18n import escape

    text = f"<b>{escape(raw)}</b>"
    parts = split_html(text, limit)
    assert all(visible_length(part) <= limit for part in parts)
    for part in parts:
        parse_html(part)
    kept = "".join(parse_html(part)[0] for part in parts)
    assert kept.replace("\n", "").replace(" ", "") == raw.replace("\n", "").replace(" ", "")


def test_fit_puts_the_buttons_on_the_last_part() -> None:
    keyboard = ((Button("OK", "x:1"),),)
    parts = fit(Send(7, "line\n" * 1000, keyboard))
    assert len(parts) == 2
    assert all(isinstance(part, Send) for part in parts)
    assert [part.keyboard for part in parts if isinstance(part, Send)] == [(), keyboard]


def test_fit_shortens_an_edit_and_moves_a_long_caption_to_messages() -> None:
    (edit,) = fit(Edit(7, 3, "<b>" + "x" * 5000 + "</b>"))
    assert isinstance(edit, Edit) and visible_length(edit.text) == 4096
    assert edit.text.endswith("</b>…")
    assert shorten_html("short") == "short"
    document, *texts = fit(SendDocument(7, "a.csv", b"x", "y" * 1500))
    assert isinstance(document, SendDocument) and document.caption == ""
    assert [part.text for part in texts if isinstance(part, Send)] == ["y" * 1500]
    assert fit(SendDocument(7, "a.csv", b"x", "short")) == [SendDocument(7, "a.csv", b"x", "short")]


@given(
    st.lists(
        st.sampled_from(
            ["a", "é", "😀", " ", "\n", "<b>", "</b>", "&amp;", "&lt;", "&#128512;", "&"]
        ),
        max_size=60,
    ),
    st.integers(min_value=0, max_value=80),
)
def test_exceeds_agrees_with_the_length_telegram_counts(pieces: list[str], limit: int) -> None:
    text = "".join(pieces)
    assert exceeds(text, limit) == (visible_length(text) > limit)
