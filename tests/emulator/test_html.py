"""Telegram's HTML parse mode: entities produced and the exact errors."""

from __future__ import annotations

import pytest

from bot.emulator.html import HtmlError, parse_html
from bot.emulator.text import trim, utf16_len


def test_plain_text_and_character_references() -> None:
    text, entities = parse_html("a &lt;b&gt; &amp; &quot;c&quot; &#65;&#x42; &nbsp; &#0; &amp")
    assert text == 'a <b> & "c" AB &nbsp; &#0; &'
    assert entities == []


def test_bare_less_than_is_an_unsupported_start_tag() -> None:
    with pytest.raises(HtmlError, match=r'^Unsupported start tag "" at byte offset 2$'):
        parse_html("1 < 2")


def test_nested_entities_have_utf16_offsets() -> None:
    text, entities = parse_html("😀 <b>bold <i>both</i></b> <u>u</u>")
    assert text == "😀 bold both u"
    assert entities == [
        {"type": "bold", "offset": 3, "length": 9},
        {"type": "italic", "offset": 8, "length": 4},
        {"type": "underline", "offset": 13, "length": 1},
    ]


@pytest.mark.parametrize(
    ("html", "kind"),
    [
        ("<strong>x</strong>", "bold"),
        ("<em>x</em>", "italic"),
        ("<ins>x</ins>", "underline"),
        ("<s>x</s>", "strikethrough"),
        ("<strike>x</strike>", "strikethrough"),
        ("<del>x</del>", "strikethrough"),
        ('<span class="tg-spoiler">x</span>', "spoiler"),
        ("<tg-spoiler>x</tg-spoiler>", "spoiler"),
        ("<code>x</code>", "code"),
        ("<pre>x</pre>", "pre"),
        ("<blockquote>x</blockquote>", "blockquote"),
        ("<blockquote expandable>x</blockquote>", "expandable_blockquote"),
        ("<B>x</B>", "bold"),
    ],
)
def test_every_supported_tag(html: str, kind: str) -> None:
    assert parse_html(html) == ("x", [{"type": kind, "offset": 0, "length": 1}])


def test_links_mentions_and_custom_emoji() -> None:
    _, entities = parse_html(
        '<a href="https://example.org/?a=1&amp;b=2">x</a> <a href="tg://user?id=42">y</a> '
        '<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji> <a href="javascript:x">z</a>'
    )
    assert entities[0] == {
        "type": "text_link",
        "offset": 0,
        "length": 1,
        "url": "https://example.org/?a=1&b=2",
    }
    assert entities[1]["type"] == "text_mention" and entities[1]["user"]["id"] == 42
    assert entities[2]["custom_emoji_id"] == "5368324170671202286"
    assert len(entities) == 3


def test_pre_with_language_is_one_entity() -> None:
    text, entities = parse_html('<pre><code class="language-python">print(1)</code></pre>')
    assert text == "print(1)"
    assert entities == [{"type": "pre", "offset": 0, "length": 8, "language": "python"}]


def test_empty_entities_are_dropped() -> None:
    assert parse_html("<b></b>a") == ("a", [])


@pytest.mark.parametrize(
    ("html", "error"),
    [
        ("Hello there <foo>x</foo>", 'Unsupported start tag "foo" at byte offset 12'),
        ("é <p>", 'Unsupported start tag "p" at byte offset 3'),
        ("<b>never closed", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b><i>x</i>", 'Can\'t find end tag corresponding to start tag "b"'),
        ("text</b>", "Unexpected end tag at byte offset 4"),
        ("<b>x</i>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
        ("x <b", "Unclosed start tag at byte offset 2"),
        ("<b>x</b", "Unclosed end tag at byte offset 4"),
        ("<span>x</span>", 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
        ('<a href=x"y">z</a>', "Unexpected end of name token at byte offset 8"),
        (
            "<a href>z</a>",
            'Expected equal sign in declaration of an attribute of the tag "a" at byte offset 0',
        ),
        ("<tg-emoji>x</tg-emoji>", "Invalid custom emoji identifier specified"),
    ],
)
def test_errors_match_telegram(html: str, error: str) -> None:
    with pytest.raises(HtmlError) as caught:
        parse_html(html)
    assert str(caught.value) == error


def test_utf16_length_counts_surrogate_pairs() -> None:
    assert utf16_len("😀") == 2
    assert utf16_len("é") == 1


def test_trim_shifts_entities() -> None:
    text, entities = trim("  <x>  ", [{"type": "bold", "offset": 1, "length": 4}])
    assert text == "<x>"
    assert entities == [{"type": "bold", "offset": 0, "length": 3}]
