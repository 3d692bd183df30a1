"""Babel extractor for form data files: every translatable text becomes a msgid."""

from __future__ import annotations

import tomllib
from collections.abc import Collection, Iterator, Mapping
from typing import IO, Any

from dialogs.loader import Form
from dialogs.schema import FormSpec


def extract_form(
    fileobj: IO[bytes],
    keywords: Mapping[str, Any],
    comment_tags: Collection[str],
    options: Mapping[str, Any],
) -> Iterator[tuple[int, str, str, list[str]]]:
    """Yields (line, funcname, message, comments) for each text of a form file."""
    form = Form(FormSpec.model_validate(tomllib.loads(fileobj.read().decode("utf-8"))))
    seen: set[str] = set()
    for msgid in form.msgids():
        if msgid not in seen:
            seen.add(msgid)
            yield 0, "", msgid, [f"form {form.id}"]
