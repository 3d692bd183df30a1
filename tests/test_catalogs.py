"""The French and Spanish catalogs translate every string of the code and the form data, safely.

`catalog_issues(directory)` does the checking and takes a locales directory, so the tests below
can point it at a broken copy of the catalogs and prove that it notices.
"""

from __future__ import annotations

import re
import shutil
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable
from functools import cache
from pathlib import Path
from string import Formatter

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import read_po, write_po

from bot.core import load_application_form
from bot.runtime.i18n import Catalogs
from dialogs.loader import FLOWS_DIR, FormError, load_form
from locales.__main__ import LOCALES, extract, problems
from locales.literals import unmarked, unmarked_in

PLURAL_FORMS = {
    "fr": "nplurals=2; plural=(n > 1);",
    "es": "nplurals=2; plural=(n != 1);",
}
LANGUAGES = tuple(PLURAL_FORMS)
BUTTON_LIMIT = 40
"""Longest button label (characters) that still reads on a phone, unless the English is longer."""
CODE_BUTTONS = ("Done", "Confirm", "Edit", "Back to the summary")
"""Button labels that live in the code rather than in the form data."""

TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9]*)\b[^<>]*?(/?)>")
COMMAND = re.compile(r"(?<![\w/@.])/[a-z][a-z0-9_]*")
PLURAL_HEADER = re.compile(r'^"Plural-Forms:\s*(.*?)\\n"$', re.MULTILINE)


@cache
def template() -> Catalog:
    """Every msgid of the code and the form data (extracted once per test session)."""
    return extract()


def po_path(directory: Path, language: str) -> Path:
    """Where a language's catalog lives."""
    return directory / language / "LC_MESSAGES" / "messages.po"


def read_catalog(path: Path) -> Catalog:
    """Reads a .po file."""
    with path.open("rb") as handle:
        return read_po(handle, locale=path.parent.parent.name)


def placeholders(text: str) -> Counter[str] | str:
    """The `{...}` fields of a format string, or why it cannot be formatted."""
    found: Counter[str] = Counter()
    try:
        for _, field, spec, conversion in Formatter().parse(text):
            if field is not None:
                found[
                    "{"
                    + field
                    + ("!" + conversion if conversion else "")
                    + (":" + spec if spec else "")
                    + "}"
                ] += 1
    except ValueError as error:
        return f"not a valid format string ({error})"
    return found


def tags(text: str) -> Counter[str]:
    """The HTML tags of a text, by kind: `<b>`, `</b>`, ..."""
    return Counter(
        f"<{close}{name.lower()}{selfclose}>" for close, name, selfclose in TAG.findall(text)
    )


def nesting_error(text: str) -> str | None:
    """Why the HTML tags of a text are not balanced, or None when they are."""
    stack: list[str] = []
    for close, name, selfclose in TAG.findall(text):
        name = name.lower()
        if selfclose:
            continue
        if not close:
            stack.append(name)
        elif not stack or stack.pop() != name:
            return f"</{name}> closes nothing open"
    return f"<{stack[-1]}> is never closed" if stack else None


def symbols(text: str) -> Counter[str]:
    """Emoji and other pictographs (Unicode category So) of a text."""
    return Counter(char for char in text if unicodedata.category(char) == "So")


def forms(value: object) -> tuple[str, ...]:
    """A msgid or msgstr as a tuple of strings (one, or one per plural form)."""
    if isinstance(value, (tuple, list)):
        return tuple(str(item) for item in value)
    return (str(value),) if value else ("",)


def edges(text: str) -> tuple[str, str]:
    """Leading and trailing whitespace."""
    return text[: len(text) - len(text.lstrip())], text[len(text.rstrip()) :]


def compare(source: str, translation: str) -> list[str]:
    """Everything a translation must keep from its English source, and what it did not."""
    found = []
    want, have = placeholders(source), placeholders(translation)
    if isinstance(have, str):
        found.append(f"msgstr is {have}")
    elif want != have:
        found.append(f"placeholders {sorted(want)} became {sorted(have)}")
    if tags(source) != tags(translation):
        found.append(
            f"HTML tags {sorted(tags(source).elements())} became "
            f"{sorted(tags(translation).elements())}"
        )
    elif nesting_error(source) is None and (problem := nesting_error(translation)):
        found.append(f"HTML tags are not balanced: {problem}")
    if Counter(COMMAND.findall(source)) != Counter(COMMAND.findall(translation)):
        found.append(
            f"commands {sorted(COMMAND.findall(source))} became "
            f"{sorted(COMMAND.findall(translation))}"
        )
    if symbols(source) != symbols(translation):
        found.append(f"emoji {''.join(symbols(source))!r} became {''.join(symbols(translation))!r}")
    if edges(source) != edges(translation):
        found.append(f"leading/trailing whitespace {edges(source)!r} became {edges(translation)!r}")
    if source.count("\n") != translation.count("\n"):
        found.append(f"{source.count(chr(10))} line breaks became {translation.count(chr(10))}")
    return found


def message_issues(message: Message, have: Message | None, nplurals: int) -> list[str]:
    """Whether one template message is translated completely and consistently."""
    if have is None:
        return ["missing"]
    if have.fuzzy:
        return ["fuzzy"]
    if isinstance(message.id, tuple):
        if not isinstance(have.string, tuple) or not isinstance(have.id, tuple):
            return ["the template has plural forms, the catalog entry does not"]
        if len(have.string) != nplurals:
            return [f"{len(have.string)} plural forms instead of {nplurals}"]
        singular, plural = forms(message.id)[:2]
        sources = [singular, *[plural] * (nplurals - 1)]
        strings = list(forms(have.string))
    else:
        if isinstance(have.string, tuple):
            return ["the catalog entry has plural forms, the template does not"]
        sources, strings = list(forms(message.id)), list(forms(have.string))
    found = []
    for index, (source, translation) in enumerate(zip(sources, strings, strict=True)):
        label = f"form [{index}]: " if len(strings) > 1 else ""
        if not translation or not translation.strip():
            found.append(f"{label}untranslated")
        else:
            found += [label + problem for problem in compare(source, translation)]
    return found


def button_issues(directory: Path, languages: Iterable[str], known: set[str]) -> list[str]:
    """Button labels (form options, step names in the Edit menu, code buttons) that got long."""
    form = load_form(FLOWS_DIR / "application.toml")
    labels = {option.label for step in form.steps for option in step.options}
    labels |= {step.name for step in form.steps}
    labels |= {label for label in CODE_BUTTONS if label in known}
    books = Catalogs(directory)
    found = []
    for language in languages:
        t = books.get(language)
        for label in sorted(labels):
            text = t.plain(label)
            if len(text) > max(BUTTON_LIMIT, len(label)):
                found.append(
                    f"{language}: {label!r}: button label is {len(text)} characters "
                    f"(at most {max(BUTTON_LIMIT, len(label))}): {text!r}"
                )
    return found


def catalog_issues(directory: Path, languages: Iterable[str] = LANGUAGES) -> list[str]:
    """Every problem of the catalogs under `directory`, one line each ("fr: 'msgid': why")."""
    languages = tuple(languages)
    source = template()
    found = []
    for language in languages:
        path = po_path(directory, language)
        if not path.is_file():
            found.append(f"{language}: no catalog at {path}")
            continue
        headers = PLURAL_HEADER.findall(path.read_text(encoding="utf-8"))
        plural_forms = " ".join(headers[0].split()) if headers else None
        if plural_forms != PLURAL_FORMS[language]:
            found.append(
                f"{language}: Plural-Forms header is {plural_forms!r}, "
                f"expected {PLURAL_FORMS[language]!r}"
            )
        catalog = read_catalog(path)
        if catalog.fuzzy:
            found.append(f"{language}: the header is marked fuzzy")
        nplurals = int(PLURAL_FORMS[language].split(";")[0].split("=")[1])
        for message in source:
            if not message.id:
                continue
            key = message.id[0] if isinstance(message.id, tuple) else message.id
            for problem in message_issues(message, catalog.get(message.id), nplurals):
                found.append(f"{language}: {key[:70]!r}: {problem}")
    known = {m.id if isinstance(m.id, str) else m.id[0] for m in source if m.id}
    found += button_issues(directory, languages, known)
    return found


# --- the shipped catalogs ------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_string_is_translated_consistently(language: str) -> None:
    issues = catalog_issues(LOCALES, [language])
    assert not issues, f"{len(issues)} catalog problems:\n" + "\n".join(issues)


def test_locales_check_is_clean_for_french_and_spanish() -> None:
    issues = [line for line in problems() if line.split(":")[0] in LANGUAGES]
    assert not issues, "python -m locales check reports:\n" + "\n".join(issues)


def test_the_shipped_questionnaire_loads_with_every_text_translated() -> None:
    books = Catalogs()
    for language in LANGUAGES:
        assert language in books.languages
    form = load_application_form(books)
    assert form.steps


def test_no_readable_text_of_the_code_is_left_out_of_the_catalogs() -> None:
    left_out = [str(literal) for literal in unmarked()]
    assert not left_out, "mark these with t(), t.plain() or N_():\n" + "\n".join(left_out)
    assert not [line for line in problems() if line.startswith("code:")]


@pytest.mark.parametrize(
    "source",
    [
        'BUTTONS_HINT = "Please answer with one of the buttons below."',
        'reply = Send(chat_id, "Thank you!")',
        'reply = Send(chat_id, f"Hello {name}")',
        'row = (Button("Done", data),)',
        "response = Response.text(chat_id, 'Stopped.')",
        'response.send(chat_id, "Nothing to stop")',
        'toast = Toast(text="Saved")',
        'edit = Edit(chat_id, message_id, "✓ Done" + mark)',
        "text = f\"<i>{t('Please answer with one of the buttons below.')}</i>\"",
        "text = f\"{status}\\n\\n{now.t('Send /help to see what I can do.')}\"",
        'labels = {"yes": "Yes, I agree"}',
    ],
)
def test_readable_text_outside_the_catalogs_is_found(source: str) -> None:
    assert unmarked_in(source), source


@pytest.mark.parametrize(
    "source",
    [
        '"""A docstring with many words."""',
        'HINT = N_("Please answer with one of the buttons below.")',
        'reply = Send(chat_id, t("Thank you!"))',
        'reply = Send(chat_id, f"<b>{t(name)}</b>\\n\\n{text}")',
        'row = (Button(t.plain("Done"), "q:1:done"),)',
        'log.info("could not set the menu of chat %s", chat_id)',
        'raise FormError(f"step {step!r} is defined twice")',
        'assert ok, "the bot did not start polling"',
        'rows = await db.fetchall("SELECT step, value FROM answers WHERE user_id = ?")',
        'if "message is not modified" in error.message: pass',
        'reason = message.removeprefix("Value error, ")',
        'text = data["text"]',
        'Migration(6, "the message that asks the current question", ())',
        'mark = "✅ "',
    ],
)
def test_text_people_do_not_read_or_that_is_marked_is_not_reported(source: str) -> None:
    assert unmarked_in(source) == [], source


def test_the_template_knows_the_strings_of_code_and_form() -> None:
    ids = {m.id if isinstance(m.id, str) else m.id[0] for m in template() if m.id}
    form = load_form(FLOWS_DIR / "application.toml")
    assert set(form.msgids()) <= ids
    assert "This button is no longer active." in ids


# --- the checker notices broken catalogs ----------------------------------------------------


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    """A private copy of the shipped catalogs, free to break."""
    target = tmp_path / "locales"
    shutil.copytree(LOCALES, target, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    return target


def edit_entry(
    directory: Path, language: str, msgid: str, change: Callable[[Message], None]
) -> None:
    """Changes one entry of a catalog copy."""
    path = po_path(directory, language)
    catalog = read_catalog(path)
    message = catalog.get(msgid)
    assert message is not None, msgid
    change(message)
    with path.open("wb") as handle:
        write_po(handle, catalog, width=100, sort_output=True)


def form_msgid() -> str:
    """A text of the questionnaire (an option label)."""
    form = load_form(FLOWS_DIR / "application.toml")
    return form.steps[0].options[0].label


def code_msgid() -> str:
    """A text of the code."""
    return "This button is no longer active."


def plural_msgid() -> tuple[str, str]:
    """A plural entry of the template."""
    message = next(m for m in template() if isinstance(m.id, tuple))
    singular, plural = forms(message.id)[:2]
    return singular, plural


def reported(issues: list[str], language: str, msgid: str, words: str) -> bool:
    return any(line.startswith(f"{language}: {msgid[:70]!r}") and words in line for line in issues)


def test_the_copy_is_clean_before_it_is_broken(copy: Path) -> None:
    assert catalog_issues(copy) == []


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("msgid", [form_msgid(), code_msgid()])
def test_a_blank_translation_is_reported(copy: Path, language: str, msgid: str) -> None:
    def blank(message: Message) -> None:
        message.string = ""

    edit_entry(copy, language, msgid, blank)
    issues = catalog_issues(copy)
    assert reported(issues, language, msgid, "untranslated"), issues
    other = [lang for lang in LANGUAGES if lang != language]
    assert not any(line.startswith(tuple(f"{lang}:" for lang in other)) for line in issues)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("msgid", [form_msgid(), code_msgid()])
def test_a_fuzzy_translation_is_reported(copy: Path, language: str, msgid: str) -> None:
    def fuzz(message: Message) -> None:
        message.flags.add("fuzzy")

    edit_entry(copy, language, msgid, fuzz)
    assert "#, fuzzy" in po_path(copy, language).read_text(encoding="utf-8")
    assert reported(catalog_issues(copy), language, msgid, "fuzzy")


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_missing_entry_is_reported(copy: Path, language: str) -> None:
    path = po_path(copy, language)
    catalog = read_catalog(path)
    catalog.delete(code_msgid())
    with path.open("wb") as handle:
        write_po(handle, catalog, width=100, sort_output=True)
    assert reported(catalog_issues(copy), language, code_msgid(), "missing")


@pytest.mark.parametrize("language", LANGUAGES)
def test_an_untranslated_form_text_stops_the_questionnaire_from_loading(
    copy: Path, language: str
) -> None:
    def blank(message: Message) -> None:
        message.string = ""

    load_application_form(Catalogs(copy))
    edit_entry(copy, language, form_msgid(), blank)
    with pytest.raises(FormError, match=language):
        load_application_form(Catalogs(copy))


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_blank_plural_form_is_reported(copy: Path, language: str) -> None:
    def blank_second(message: Message) -> None:
        message.string = (forms(message.string)[0], "")

    singular, _ = plural_msgid()
    edit_entry(copy, language, singular, blank_second)
    assert reported(catalog_issues(copy), language, singular, "form [1]: untranslated")


@pytest.mark.parametrize(
    ("broken", "words"),
    [
        (lambda text: text.replace("{", "{x", 1), "placeholders"),
        (lambda text: text.replace("}", "", 1), "not a valid format string"),
        (lambda text: text.replace("<b>", "<i>", 1), "HTML tags"),
        (lambda text: text.replace("</b>", "", 1), "HTML tags"),
        (lambda text: text + "\n", "whitespace"),
        (lambda text: text.replace("📝", ""), "emoji"),
    ],
)
def test_a_damaged_format_is_reported(copy: Path, broken: Callable[[str], str], words: str) -> None:
    msgid = "📝 New application from <b>{name}</b>"
    if msgid not in {m.id for m in template()}:
        pytest.skip("the sample string left the code")

    def damage(message: Message) -> None:
        message.string = broken(forms(message.string)[0])

    edit_entry(copy, "fr", msgid, damage)
    assert reported(catalog_issues(copy), "fr", msgid, words)


def test_placeholders_of_each_plural_form_are_checked(copy: Path) -> None:
    def drop_count(message: Message) -> None:
        first, second = forms(message.string)[:2]
        message.string = (first, second.replace("{count}", "plusieurs"))

    singular, _ = plural_msgid()
    edit_entry(copy, "fr", singular, drop_count)
    assert reported(catalog_issues(copy), "fr", singular, "form [1]: placeholders")


def test_a_translated_command_is_reported() -> None:
    assert compare("Send /start to apply.", "Envoyez /commencer pour postuler.")
    assert not compare("Send /start to apply.", "Envoyez /start pour postuler.")


def test_lost_line_breaks_are_reported() -> None:
    assert compare("A\n<b>B:</b> {x}\n\nC", "A <b>B :</b> {x}\n\nC")


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_wrong_plural_forms_header_is_reported(copy: Path, language: str) -> None:
    path = po_path(copy, language)
    text = path.read_text(encoding="utf-8")
    assert PLURAL_FORMS[language] in text
    path.write_text(text.replace(PLURAL_FORMS[language], "nplurals=1; plural=0;"), encoding="utf-8")
    assert any(line.startswith(f"{language}: Plural-Forms header") for line in catalog_issues(copy))


def test_a_long_button_label_is_reported(copy: Path) -> None:
    label = form_msgid()

    def lengthen(message: Message) -> None:
        message.string = "Oui, j'accepte sans aucune réserve tout ce qui précède"

    edit_entry(copy, "fr", label, lengthen)
    assert any("button label" in line and repr(label) in line for line in catalog_issues(copy))


def test_every_message_is_valid_telegram_html_in_every_language() -> None:
    """Each msgid and each translation, with placeholders filled, parses as Telegram HTML."""
    from babel.messages.pofile import read_po

    from bot.emulator.html import HtmlError, parse_html

    texts: list[tuple[str, str]] = []
    for po in sorted(LOCALES.glob("*/LC_MESSAGES/messages.po")):
        with po.open("rb") as handle:
            catalog = read_po(handle)
        for message in catalog:
            if not message.id:
                continue
            ids = message.id if isinstance(message.id, tuple) else (message.id,)
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            texts += [("en", text) for text in ids]
            texts += [(po.parent.parent.name, text) for text in strings if text]
    broken = []
    for language, text in texts:
        try:
            parse_html(re.sub(r"\{[a-z_]+\}", "x", text))
        except HtmlError as error:
            broken.append(f"{language}: {text[:50]!r}: {error}")
    assert len(texts) > 300
    assert broken == []
