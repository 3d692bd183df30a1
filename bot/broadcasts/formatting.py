"""A message's formatting (Telegram's entities) as the HTML that sends it back unchanged.

Staff write an announcement in their Telegram app, with bold, links, quotes...; Telegram gives
the bot the plain text and its entities (offsets in UTF-16 code units). `to_html` writes the
HTML that Telegram turns back into the same text and entities: the text escaped, the tags
nested as the entities are, link targets escaped inside their quotes. Entities Telegram finds
by itself (links, mentions, commands, hashtags) stay plain text: it finds them again.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass

from bot.runtime.i18n import escape


@dataclass(frozen=True)
class Entity:
    """One formatting entity as Telegram describes it (offset and length in UTF-16 units)."""

    type: str
    offset: int
    length: int
    url: str | None = None
    language: str | None = None
    custom_emoji_id: str | None = None
    user_id: int | None = None

    @property
    def end(self) -> int:
        """Where the entity ends (exclusive)."""
        return self.offset + self.length


_SIMPLE = {
    "bold": "b",
    "italic": "i",
    "underline": "u",
    "strikethrough": "s",
    "spoiler": "tg-spoiler",
    "code": "code",
    "blockquote": "blockquote",
}
_SPECIAL = frozenset({"pre", "text_link", "text_mention", "custom_emoji", "expandable_blockquote"})
_VERBATIM = frozenset({"code", "pre"})  # Telegram keeps no formatting inside code


def _tags(entity: Entity) -> tuple[str, str]:
    """The opening and closing tags of an entity."""
    if entity.type in _SIMPLE:
        tag = _SIMPLE[entity.type]
        return f"<{tag}>", f"</{tag}>"
    if entity.type == "pre":
        if entity.language:
            language = html.escape(entity.language, quote=True)
            return f'<pre><code class="language-{language}">', "</code></pre>"
        return "<pre>", "</pre>"
    if entity.type == "text_link":
        return f'<a href="{html.escape(entity.url or "", quote=True)}">', "</a>"
    if entity.type == "text_mention":
        return f'<a href="tg://user?id={entity.user_id}">', "</a>"
    if entity.type == "custom_emoji":
        emoji = html.escape(entity.custom_emoji_id or "", quote=True)
        return f'<tg-emoji emoji-id="{emoji}">', "</tg-emoji>"
    return "<blockquote expandable>", "</blockquote>"


def _kept(entities: Sequence[Entity], total: int) -> list[Entity]:
    """The formatting entities, inside the text, outermost first, none inside code."""
    known = [
        e
        for e in entities
        if (e.type in _SIMPLE or e.type in _SPECIAL)
        and 0 <= e.offset < total
        and e.length > 0
        and (e.type != "text_mention" or e.user_id is not None)
        and (e.type != "text_link" or e.url)
    ]
    known.sort(key=lambda e: (e.offset, -e.length))
    verbatim = [e for e in known if e.type in _VERBATIM]
    return [
        e
        for e in known
        if not any(
            v is not e and v.offset <= e.offset and e.end <= v.end and e.type not in _VERBATIM
            for v in verbatim
        )
    ]


def to_html(text: str, entities: Sequence[Entity]) -> str:
    """The text with its formatting, as Telegram HTML that parses back to the same."""
    units = text.encode("utf-16-le")
    total = len(units) // 2

    def piece(start: int, end: int) -> str:
        return escape(units[start * 2 : end * 2].decode("utf-16-le", errors="replace"))

    kept = _kept(entities, total)
    cuts = sorted({0, total, *(e.offset for e in kept), *(min(e.end, total) for e in kept)})
    out: list[str] = []
    stack: list[Entity] = []
    for position, following in zip(cuts, [*cuts[1:], total], strict=True):
        ending = [e for e in stack if min(e.end, total) <= position]
        if ending:  # close down to the deepest ending one, then reopen what was only crossed
            depth = min(stack.index(e) for e in ending)
            crossed = [e for e in stack[depth:] if e not in ending]
            for entity in reversed(stack[depth:]):
                out.append(_tags(entity)[1])
            del stack[depth:]
            for entity in crossed:
                out.append(_tags(entity)[0])
                stack.append(entity)
        for entity in (e for e in kept if e.offset == position):
            out.append(_tags(entity)[0])
            stack.append(entity)
        out.append(piece(position, following))
    out.extend(_tags(entity)[1] for entity in reversed(stack))
    return "".join(out)
