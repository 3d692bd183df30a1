"""Telegram's HTML parse mode: the exact tag subset, its error messages and resulting entities.

Follows the algorithm of TDLib's `parse_html` (MessageEntity.cpp), which the Bot API uses:
byte offsets in error messages are UTF-8 offsets into the text as sent, entity offsets and
lengths are UTF-16 code units of the resulting plain text.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.emulator.text import utf16_len

_SUPPORTED_TAGS = frozenset(
    {
        "a",
        "b",
        "strong",
        "i",
        "em",
        "s",
        "strike",
        "del",
        "u",
        "ins",
        "tg-spoiler",
        "tg-emoji",
        "span",
        "pre",
        "code",
        "blockquote",
    }
)
_SIMPLE_TYPES = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
}
_SPACES = frozenset(" \t\r\n\0\v\f")
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_URL_SCHEMES = ("http://", "https://", "tg://", "ton://")


class HtmlError(ValueError):
    """The text is not valid Telegram HTML; `str(err)` is Telegram's detail."""


@dataclass
class _Open:
    tag: str
    argument: str
    utf16_offset: int
    result_pos: int


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8"))


def _at(text: str, index: int) -> str:
    return text[index] if index < len(text) else "\0"


def _decode_entity(text: str, pos: int) -> tuple[str, int] | None:
    """Decodes an HTML character reference at `pos` (which holds '&'): (character, new pos)."""
    end = pos + 1
    code = 0
    if _at(text, end) == "#":
        end += 1
        if _at(text, end) == "x":
            end += 1
            while _at(text, end) in "0123456789abcdefABCDEF":
                code = code * 16 + int(text[end], 16)
                end += 1
                if code >= 0x10FFFF:
                    return None
        else:
            while _at(text, end).isascii() and _at(text, end).isdigit():
                code = code * 10 + int(text[end])
                end += 1
                if code >= 0x10FFFF:
                    return None
        if code == 0 or 0xD800 <= code <= 0xDFFF or end - pos >= 10:
            return None
        char = chr(code)
    else:
        while _at(text, end).isascii() and _at(text, end).isalpha():
            end += 1
        name = text[pos + 1 : end]
        if name not in _NAMED_ENTITIES:
            return None
        char = _NAMED_ENTITIES[name]
    if _at(text, end) == ";":
        end += 1
    return char, end


def normalize_url(url: str) -> str | None:
    """Returns the link Telegram would keep for an `<a href>`, or None if it drops it."""
    url = url.strip()
    if not url or any(ch in _SPACES for ch in url):
        return None
    lower = url.lower()
    if lower.startswith(_URL_SCHEMES):
        return url
    if "://" in url or lower.startswith(("javascript:", "data:", "mailto:")):
        return None
    host = url.split("/", 1)[0]
    if "." in host and not host.startswith(".") and not host.endswith("."):
        return f"http://{url}"
    return None


def _parse_attributes(text: str, i: int, tag: str, begin: int) -> tuple[str, int]:
    """Parses the attributes of a start tag from `i`; returns (argument, index of '>')."""
    argument = ""
    while _at(text, i) != ">":
        while _at(text, i) != "\0" and _at(text, i) in _SPACES:
            i += 1
        if _at(text, i) == ">":
            break
        attr_begin = i
        while _at(text, i) not in _SPACES and _at(text, i) not in "=>":
            i += 1
        attribute = text[attr_begin:i].lower()
        if not attribute:
            raise HtmlError(
                f'Empty attribute name in the tag "{tag}" '
                f"at byte offset {_byte_offset(text, begin)}"
            )
        while _at(text, i) != "\0" and _at(text, i) in _SPACES:
            i += 1
        if _at(text, i) != "=":
            if tag == "blockquote" and attribute == "expandable":
                argument = "1"
                continue
            raise HtmlError(
                f'Expected equal sign in declaration of an attribute of the tag "{tag}" '
                f"at byte offset {_byte_offset(text, begin)}"
            )
        i += 1
        while _at(text, i) != "\0" and _at(text, i) in _SPACES:
            i += 1
        if i >= len(text):
            raise HtmlError(
                f'Unclosed start tag "{tag}" at byte offset {_byte_offset(text, begin)}'
            )
        if text[i] not in "'\"":
            token_begin = i
            while _at(text, i).isascii() and (_at(text, i).isalnum() or _at(text, i) in ".-"):
                i += 1
            value = text[token_begin:i].lower()
            if _at(text, i) not in _SPACES and _at(text, i) != ">":
                raise HtmlError(
                    f"Unexpected end of name token at byte offset {_byte_offset(text, token_begin)}"
                )
        else:
            quote = text[i]
            i += 1
            chars: list[str] = []
            while i < len(text) and text[i] != quote:
                if text[i] == "&":
                    decoded = _decode_entity(text, i)
                    if decoded is not None:
                        chars.append(decoded[0])
                        i = decoded[1]
                        continue
                chars.append(text[i])
                i += 1
            if i < len(text):
                i += 1
            value = "".join(chars)
        if i >= len(text):
            raise HtmlError(f"Unclosed start tag at byte offset {_byte_offset(text, begin)}")
        if tag == "a" and attribute == "href":
            argument = value
        elif tag == "code" and attribute == "class" and value.startswith("language-"):
            argument = value[len("language-") :]
        elif tag == "span" and attribute == "class" and value.startswith("tg-"):
            argument = value[len("tg-") :]
        elif tag == "tg-emoji" and attribute == "emoji-id":
            argument = value
        elif tag == "blockquote" and attribute == "expandable":
            argument = "1"
    return argument, i


def _close_entity(
    opened: _Open, utf16_offset: int, result: list[str], entities: list[dict[str, Any]]
) -> None:
    """Appends the entity produced by closing `opened` at `utf16_offset`."""
    if utf16_offset <= opened.utf16_offset:
        return
    offset = opened.utf16_offset
    length = utf16_offset - offset
    tag = opened.tag
    if tag in _SIMPLE_TYPES:
        entities.append({"type": _SIMPLE_TYPES[tag], "offset": offset, "length": length})
    elif tag == "a":
        url = opened.argument or "".join(result[opened.result_pos :])
        if url.startswith("tg://user?id="):
            user_id = url[len("tg://user?id=") :]
            if user_id.isdigit():
                entities.append(
                    {
                        "type": "text_mention",
                        "offset": offset,
                        "length": length,
                        "user": {"id": int(user_id), "is_bot": False, "first_name": ""},
                    }
                )
            return
        normalized = normalize_url(url)
        if normalized is not None:
            entities.append(
                {"type": "text_link", "offset": offset, "length": length, "url": normalized}
            )
    elif tag == "pre":
        last = entities[-1] if entities else None
        if (
            last is not None
            and last["type"] == "code"
            and last["offset"] == offset
            and last["length"] == length
            and last.get("language")
        ):
            last["type"] = "pre"
        else:
            entities.append({"type": "pre", "offset": offset, "length": length})
    elif tag == "code":
        last = entities[-1] if entities else None
        if (
            last is not None
            and last["type"] == "pre"
            and "language" not in last
            and last["offset"] == offset
            and last["length"] == length
            and opened.argument
        ):
            last["language"] = opened.argument
        else:
            entity: dict[str, Any] = {"type": "code", "offset": offset, "length": length}
            if opened.argument:
                entity["language"] = opened.argument
            entities.append(entity)
    elif tag == "blockquote":
        kind = "expandable_blockquote" if opened.argument else "blockquote"
        entities.append({"type": kind, "offset": offset, "length": length})
    elif tag == "tg-emoji":
        entities.append(
            {
                "type": "custom_emoji",
                "offset": offset,
                "length": length,
                "custom_emoji_id": opened.argument,
            }
        )


def parse_html(text: str) -> tuple[str, list[dict[str, Any]]]:
    """Parses Telegram HTML into (plain text, entities); raises HtmlError with Telegram's detail."""
    result: list[str] = []
    entities: list[dict[str, Any]] = []
    stack: list[_Open] = []
    utf16_offset = 0
    i = 0
    while i < len(text):
        c = text[i]
        if c == "&":
            decoded = _decode_entity(text, i)
            if decoded is not None:
                result.append(decoded[0])
                utf16_offset += utf16_len(decoded[0])
                i = decoded[1]
                continue
        if c != "<":
            result.append(c)
            utf16_offset += utf16_len(c)
            i += 1
            continue
        begin = i
        i += 1
        if _at(text, i) != "/":
            while _at(text, i) not in _SPACES and _at(text, i) != ">":
                i += 1
            if i >= len(text):
                raise HtmlError(f"Unclosed start tag at byte offset {_byte_offset(text, begin)}")
            tag = text[begin + 1 : i].lower()
            if tag not in _SUPPORTED_TAGS:
                raise HtmlError(
                    f'Unsupported start tag "{tag}" at byte offset {_byte_offset(text, begin)}'
                )
            argument, i = _parse_attributes(text, i, tag, begin)
            if tag == "span" and argument != "spoiler":
                raise HtmlError(
                    'Tag "span" must have class "tg-spoiler" at byte offset '
                    f"{_byte_offset(text, begin)}"
                )
            if tag == "tg-emoji" and not (argument.isdigit() and int(argument) > 0):
                raise HtmlError("Invalid custom emoji identifier specified")
            stack.append(_Open(tag, argument, utf16_offset, len(result)))
        else:
            if not stack:
                raise HtmlError(f"Unexpected end tag at byte offset {_byte_offset(text, begin)}")
            while _at(text, i) not in _SPACES and _at(text, i) != ">":
                i += 1
            end_tag = text[begin + 2 : i].lower()
            while i < len(text) and text[i] in _SPACES:
                i += 1
            if _at(text, i) != ">":
                raise HtmlError(f"Unclosed end tag at byte offset {_byte_offset(text, begin)}")
            opened = stack[-1]
            if end_tag and end_tag != opened.tag:
                raise HtmlError(
                    f"Unmatched end tag at byte offset {_byte_offset(text, begin)}, "
                    f'expected "</{opened.tag}>", found "</{end_tag}>"'
                )
            _close_entity(opened, utf16_offset, result, entities)
            stack.pop()
        i += 1
    if stack:
        raise HtmlError(f'Can\'t find end tag corresponding to start tag "{stack[-1].tag}"')
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(result), entities
