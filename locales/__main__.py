"""Catalog maintenance: `python -m locales update` re-extracts messages.pot and merges it into
every <lang>/LC_MESSAGES/messages.po; `python -m locales check` lists untranslated or fuzzy strings,
and text in the code that people would read but that is not marked for translation.
To add a language: `python -m locales init wo`, translate locales/wo/LC_MESSAGES/messages.po."""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

from locales.literals import unmarked

ROOT = Path(__file__).resolve().parent.parent
LOCALES = ROOT / "locales"
POT = LOCALES / "messages.pot"
KEYWORDS = {"t": None, "plain": None, "N_": None, "plural": (1, 2)}
SOURCES = (
    ("bot", [("**.py", "python")]),
    ("handlers", [("**.py", "python")]),
    ("dialogs", [("**.py", "python"), ("flows/**.toml", "dialogs.extract:extract_form")]),
)


def extract() -> Catalog:
    """Extracts every msgid from the code and the form data files."""
    catalog = Catalog(project="passerelle", charset="utf-8", fuzzy=False)
    for folder, method_map in SOURCES:
        for filename, lineno, message, comments, context in extract_from_dir(
            ROOT / folder, method_map, keywords=KEYWORDS, comment_tags=("TRANSLATORS:",)
        ):
            if folder == "bot" and filename.startswith("emulator"):
                continue
            catalog.add(
                message,
                None,
                [(f"{folder}/{filename}", lineno)],
                auto_comments=comments,
                context=context,
            )
    return catalog


def update() -> None:
    """Writes messages.pot and merges it into each language's catalog."""
    template = extract()
    with POT.open("wb") as handle:
        write_po(handle, template, width=100, omit_header=False, sort_output=True)
    for po in sorted(LOCALES.glob("*/LC_MESSAGES/messages.po")):
        with po.open("rb") as handle:
            catalog = read_po(handle, locale=po.parent.parent.name)
        catalog.update(template, no_fuzzy_matching=True)
        with po.open("wb") as handle:
            write_po(handle, catalog, width=100, ignore_obsolete=True, sort_output=True)
        print(f"updated {po.relative_to(ROOT)}")


def init(language: str) -> None:
    """Creates the catalog of a new language from the template."""
    with POT.open("rb") as handle:
        template = read_po(handle)
    target = LOCALES / language / "LC_MESSAGES" / "messages.po"
    target.parent.mkdir(parents=True, exist_ok=True)
    catalog = Catalog(locale=language, project="passerelle", charset="utf-8")
    catalog.update(template)
    with target.open("wb") as handle:
        write_po(handle, catalog, width=100, sort_output=True)
    print(f"created {target.relative_to(ROOT)}")


def problems() -> list[str]:
    """Every untranslated, fuzzy or obsolete-template string, per language, and every
    readable text of the code that is not marked for translation ("code: ...")."""
    template = extract()
    found = [f"code: {literal}" for literal in unmarked()]
    for po in sorted(LOCALES.glob("*/LC_MESSAGES/messages.po")):
        with po.open("rb") as handle:
            catalog = read_po(handle)
        for message in template:
            if not message.id:
                continue
            have = catalog.get(message.id)
            strings = have.string if have is not None else None
            values = strings if isinstance(strings, tuple) else (strings,)
            if have is None or not all(values) or have.fuzzy:
                found.append(f"{po.parent.parent.name}: {str(message.id)[:70]!r}")
    return found


def main(argv: list[str]) -> int:
    """Runs a maintenance command."""
    command = argv[0] if argv else "check"
    if command == "update":
        update()
    elif command == "init" and len(argv) == 2:
        init(argv[1])
    elif command == "check":
        issues = problems()
        print("\n".join(issues) or "every string is translated")
        return 1 if issues else 0
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
