"""Staff formatting comes back unchanged: the HTML parses (as Telegram would) to the same."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.broadcasts.formatting import Entity, to_html
from bot.emulator.html import parse_html
from bot.emulator.text import utf16_len

KINDS = (
    "bold",
    "italic",
    "underline",
    "strikethrough",
    "spoiler",
    "code",
    "pre",
    "text_link",
    "text_mention",
    "custom_emoji",
    "blockquote",
    "expandable_blockquote",
)
URLS = ("https://example.org/a?b=1&c=<2>", 'https://x.y/"quoted"', "http://a.b/'s")


def as_telegram(entity: Entity) -> dict[str, Any]:
    """An entity as the emulator's parser reports it."""
    found: dict[str, Any] = {"type": entity.type, "offset": entity.offset, "length": entity.length}
    if entity.type == "text_link":
        found["url"] = entity.url
    if entity.type == "pre" and entity.language:
        found["language"] = entity.language
    if entity.type == "custom_emoji":
        found["custom_emoji_id"] = entity.custom_emoji_id
    if entity.type == "text_mention":
        found["user"] = entity.user_id
    return found


def normal(entities: list[dict[str, Any]]) -> list[dict[str, Any]]:
    shown = [
        {**e, "user": e["user"]["id"]} if isinstance(e.get("user"), dict) else e for e in entities
    ]
    return sorted(shown, key=lambda e: (e["offset"], -e["length"], e["type"]))


@st.composite
def formatted(draw: st.DrawFn) -> tuple[str, list[Entity]]:
    """A text of letters, markup characters, emoji and Arabic, with properly nested entities."""
    text = draw(st.text(alphabet=st.sampled_from("ab <>&\"'\n😀ش"), min_size=1, max_size=30))
    cuts = [0]
    for char in text:
        cuts.append(cuts[-1] + utf16_len(char))
    entities: list[Entity] = []
    for _ in range(draw(st.integers(0, 6))):
        start, end = sorted(draw(st.lists(st.sampled_from(cuts), min_size=2, max_size=2)))
        if start == end:
            continue
        kind = draw(st.sampled_from(KINDS))
        candidate = Entity(
            kind,
            start,
            end - start,
            url=draw(st.sampled_from(URLS)) if kind == "text_link" else None,
            language=draw(st.sampled_from([None, "python", "c++"])) if kind == "pre" else None,
            custom_emoji_id="5368324170671202286" if kind == "custom_emoji" else None,
            user_id=42 if kind == "text_mention" else None,
        )
        if all(_compatible(candidate, other) for other in entities):
            entities.append(candidate)
    return text, entities


def _compatible(a: Entity, b: Entity) -> bool:
    """Telegram's own rules: nested or apart, never in one of its kind, nothing inside code,
    no quote inside a quote."""
    if a.end <= b.offset or b.end <= a.offset:
        return True
    if a.type == b.type:
        return False
    inner, outer = (a, b) if b.offset <= a.offset and a.end <= b.end else (b, a)
    if not (outer.offset <= inner.offset and inner.end <= outer.end):
        return False
    if outer.type in ("code", "pre") or inner.type in ("code", "pre"):
        return False
    quotes = ("blockquote", "expandable_blockquote")
    return not (outer.type in quotes and inner.type in quotes)


@settings(max_examples=400, deadline=None)
@given(formatted())
def test_the_html_parses_back_to_the_same_text_and_entities(
    sample: tuple[str, list[Entity]],
) -> None:
    text, entities = sample
    plain, parsed = parse_html(to_html(text, entities))
    assert plain == text
    assert normal(parsed) == normal([as_telegram(e) for e in entities])


def test_links_and_mentions_telegram_finds_itself_stay_plain_escaped_text() -> None:
    text = "See https://a.org & @awa_d <now>"
    html = to_html(text, [Entity("url", 4, 13), Entity("mention", 20, 6), Entity("bold", 0, 3)])
    assert html == "<b>See</b> https://a.org &amp; @awa_d &lt;now&gt;"


def test_crossing_entities_are_closed_and_reopened_not_mangled() -> None:
    html = to_html("abcdef", [Entity("bold", 0, 4), Entity("italic", 2, 4)])
    assert html == "<b>ab<i>cd</i></b><i>ef</i>"
    assert parse_html(html)[0] == "abcdef"
