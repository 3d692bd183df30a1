"""Loading a form data file: the shipped one loads, broken ones fail naming the problem."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.core import load_application_form
from bot.runtime.callbacks import encode
from bot.runtime.i18n import Catalogs, catalogs
from dialogs.loader import FLOWS_DIR, Form, FormError, load_form
from dialogs.runner import advance, start
from dialogs.runner_types import DONE, EDIT_MENU, SUMMARY, Ask, Press, Reselect, Text
from dialogs.steps import Step

SHIPPED = FLOWS_DIR / "application.toml"

HEAD = """
id = "test"
summary_prompt = "Check your answers."

[[steps]]
id = "role"
kind = "choice"
name = "Profile"
prompt = "Who are you?"
[[steps.options]]
id = "mentor"
label = "Mentor"
sets = { role = "mentor" }
[[steps.options]]
id = "mentee"
label = "Mentee"
sets = { role = "mentee" }
"""

TEXT_STEP = """
[[steps]]
id = "email"
kind = "text"
name = "E-mail"
prompt = "Your e-mail?"
validator = "email"
hint = "Type an e-mail address."
"""


@pytest.fixture
def write(tmp_path: Path) -> Callable[[str], Path]:
    """Writes a form file in a temporary folder."""

    def write(text: str) -> Path:
        path = tmp_path / "broken.toml"
        path.write_text(text, encoding="utf-8")
        return path

    return write


def test_the_shipped_form_loads() -> None:
    form = load_form(SHIPPED)

    assert form.id == "application"
    assert [step.id for step in form.steps][:2] == ["consent", "role"]
    assert form.roles == {"mentor", "mentee"}
    assert form.option("role", "mentor") is not None
    assert form.option("role", "admin") is None
    assert form.option("nowhere", "mentor") is None


def test_the_shipped_form_is_translated_in_every_shipped_language() -> None:
    books = Catalogs()

    def missing(msgid: str) -> list[str]:
        return [lang for lang in books.languages if not books.has(lang, msgid)]

    assert isinstance(load_form(SHIPPED, missing), Form)
    assert set(books.languages) >= {"en", "fr", "es"}


def test_every_button_of_the_shipped_form_fits_in_callback_data() -> None:
    form = load_form(SHIPPED)
    huge_round = 10**9

    for step in form.steps:
        encode("q", huge_round, EDIT_MENU, step.id)
        for option in step.options:
            encode("q", huge_round, step.id, option.id)
        if step.kind == "multi":
            encode("q", huge_round, step.id, DONE)


def test_a_minimal_form_loads(write: Callable[[str], Path]) -> None:
    form = load_form(write(HEAD + TEXT_STEP))

    assert [step.id for step in form.steps] == ["role", "email"]


@pytest.mark.parametrize(
    ("extra", "problem"),
    [
        (TEXT_STEP.replace('"email"\nhint', '"phone"\nhint'), "unknown validator 'phone'"),
        (TEXT_STEP.replace('validator = "email"\n', ""), "unknown validator None"),
        (TEXT_STEP.replace('hint = "Type an e-mail address."\n', ""), "needs a hint"),
        (TEXT_STEP.replace('hint = "Type an e-mail address."', 'hint = ""'), "needs a hint"),
        (
            TEXT_STEP.replace(
                'id = "email"', 'id = "email"\nwhen = { step = "ghost", in = ["x"] }'
            ),
            "'when' names unknown or later step 'ghost'",
        ),
        (
            TEXT_STEP.replace(
                'id = "email"', 'id = "email"\nwhen = { step = "email", in = ["x"] }'
            ),
            "'when' names unknown or later step 'email'",
        ),
        (
            TEXT_STEP.replace('id = "email"', 'id = "email"\nasked_of = ["mentor", "staff"]'),
            "unknown roles ['staff']",
        ),
        (
            TEXT_STEP.replace('id = "email"', 'id = "email"\nprompt_by_role = { admin = "Hi" }'),
            "unknown roles ['admin']",
        ),
        (TEXT_STEP + TEXT_STEP, "'email' is defined twice"),
        (
            TEXT_STEP
            + '\n[[rules]]\ncheck = "speaks_klingon"\noutcome = "review"\nreason = "Klingon."\n',
            "unknown rule check 'speaks_klingon'",
        ),
        (
            '\n[[steps]]\nid = "sector"\nkind = "choice"\nname = "Sector"\nprompt = "Which?"\n',
            "a choice step needs options",
        ),
        (
            '\n[[steps]]\nid = "langs"\nkind = "multi"\nname = "Languages"\nprompt = "Which?"\n',
            "a multi step needs options",
        ),
        (
            TEXT_STEP + '[[steps.options]]\nid = "a"\nlabel = "A"\n',
            "a text step has no options",
        ),
        (
            '\n[[steps]]\nid = "adult"\nkind = "choice"\nname = "Age"\nprompt = "18+?"\n'
            '[[steps.options]]\nid = "no"\nlabel = "No"\noutcome = "not_eligible"\n',
            "option 'no' needs a reason",
        ),
        (
            '\n[[steps]]\nid = "adult"\nkind = "choice"\nname = "Age"\nprompt = "18+?"\n'
            '[[steps.options]]\nid = "no"\nlabel = "No"\n'
            '[[steps.options]]\nid = "no"\nlabel = "Nope"\n',
            "option ids repeat",
        ),
    ],
)
def test_a_broken_form_fails_naming_the_problem(
    write: Callable[[str], Path], extra: str, problem: str
) -> None:
    with pytest.raises(FormError) as raised:
        load_form(write(HEAD + extra))

    assert problem in str(raised.value)
    assert str(raised.value).startswith("broken.toml: ")


def test_when_naming_a_later_step_is_an_error(write: Callable[[str], Path]) -> None:
    early = TEXT_STEP.replace('id = "email"', 'id = "email"\nwhen = { step = "role", in = ["x"] }')
    text = HEAD.replace('[[steps]]\nid = "role"', early.strip() + '\n\n[[steps]]\nid = "role"', 1)

    with pytest.raises(FormError, match="'when' names unknown or later step 'role'"):
        load_form(write(text))


def test_an_option_id_too_long_for_callback_data_is_refused(write: Callable[[str], Path]) -> None:
    long_id = "x" * 60
    text = HEAD.replace('id = "mentee"', f'id = "{long_id}"')
    assert len(f"q:1:role:{long_id}".encode()) > 64

    with pytest.raises(FormError) as raised:
        load_form(write(text))

    assert "steps.0.options.1.id" in str(raised.value)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("id = [unclosed", "broken.toml"),
        (HEAD + '\ncolour = "blue"\n', "colour"),
        (HEAD.replace('kind = "choice"', 'kind = "dropdown"'), "kind"),
        (HEAD.replace('id = "role"', 'id = "Role Step"'), "steps.0.id"),
        (HEAD.replace('summary_prompt = "Check your answers."', ""), "summary_prompt"),
    ],
)
def test_a_malformed_file_is_a_form_error(
    write: Callable[[str], Path], text: str, problem: str
) -> None:
    with pytest.raises(FormError, match=re.escape(problem)):
        load_form(write(text))


def test_a_missing_file_is_a_form_error(tmp_path: Path) -> None:
    with pytest.raises(FormError, match=r"absent\.toml"):
        load_form(tmp_path / "absent.toml")


def test_a_missing_translation_is_reported_by_the_translated_callback(
    write: Callable[[str], Path],
) -> None:
    asked: list[str] = []

    def translated(msgid: str) -> list[str]:
        asked.append(msgid)
        return ["es", "fr"] if msgid == "Type an e-mail address." else []

    with pytest.raises(FormError) as raised:
        load_form(write(HEAD + TEXT_STEP), translated)

    assert "'Type an e-mail address.' is not translated in es, fr" in str(raised.value)
    assert {"Check your answers.", "Profile", "Who are you?", "Mentor", "Mentee"} <= set(asked)


def test_every_text_kind_is_checked_for_translation(write: Callable[[str], Path]) -> None:
    form = load_form(SHIPPED)
    msgids = set(form.msgids())

    assert form.spec.summary_prompt in msgids
    for step in form.steps:
        assert {step.name, step.prompt, *step.prompt_by_role.values()} <= msgids
        assert {option.label for option in step.options} <= msgids
        assert {rule.reason for rule in step.rules} <= msgids
        if step.hint:
            assert step.hint in msgids
    assert {rule.reason for rule in form.spec.rules} <= msgids
    assert set(form.spec.texts.values()) <= msgids


# --- Changing a question is a data-only edit ----------------------------------------------

LANGUAGES_END = '[[steps]]\nid = "commitment"'
PORTUGUESE = '[[steps.options]]\nid = "pt"\nlabel = "Portuguese"\n\n'
NEW_STEP = """[[steps]]
id = "website"
kind = "text"
name = "Website"
prompt = "What is your business's website?"
asked_of = ["mentee"]
validator = "length"
args = { min = 4, max = 200 }
hint = "Please write between 4 and 200 characters."

"""


def _modified_copy(tmp_path: Path) -> Path:
    text = SHIPPED.read_text(encoding="utf-8")
    assert text.count(LANGUAGES_END) == 1
    text = text.replace(LANGUAGES_END, PORTUGUESE + LANGUAGES_END)
    text = text.replace('[[steps]]\nid = "email"', NEW_STEP + '[[steps]]\nid = "email"')
    text = text.replace(
        'prompt = "Are you 18 or older?"', 'prompt = "Are you 18 years old or older?"'
    )
    path = tmp_path / "application.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_new_option_step_and_wording_are_data_only_edits(tmp_path: Path) -> None:
    form = load_form(_modified_copy(tmp_path))
    assert form.by_id["adult"].prompt == "Are you 18 years old or older?"
    assert [option.id for option in form.by_id["languages"].options] == ["fr", "en", "es", "pt"]

    state = start(form)
    answers = {
        "consent": "agree",
        "role": "mentee",
        "country": "bolivia",
        "business_age": "gt3",
        "sector": "ecotourism",
        "commitment": "yes",
    }
    while state.step in answers:
        state = advance(form, state, Press(state.round, state.step, answers[state.step])).state
    assert state.step == "languages"

    toggled = advance(form, state, Press(state.round, "languages", "pt"))
    assert toggled.outputs == (Reselect("languages", state.round, ("pt",)),)
    state = advance(form, toggled.state, Press(state.round, "languages", DONE)).state
    assert state.answers["languages"] == ("pt",)
    state = advance(form, state, Press(state.round, "commitment", "yes")).state

    assert state.step == "website"
    asked = advance(form, state, Text("x"))
    assert asked.outputs == (
        Ask("website", state.round, (), "Please write between 4 and 200 characters."),
    )
    state = advance(form, state, Text("https://example.bo")).state
    assert state.step == "email"
    state = advance(form, state, Text("eva@example.bo")).state
    state = advance(form, state, Text("Grow my lodge with help.")).state
    assert state.step == SUMMARY
    assert state.answers["website"] == "https://example.bo"


def test_the_new_texts_are_reported_untranslated_until_translated(tmp_path: Path) -> None:
    books = Catalogs()

    def missing(msgid: str) -> list[str]:
        return [lang for lang in books.languages if not books.has(lang, msgid)]

    with pytest.raises(FormError, match="is not translated in es, fr"):
        load_form(_modified_copy(tmp_path), missing)


def test_a_step_the_code_relies_on_missing_from_the_file_stops_the_start(tmp_path: Path) -> None:
    text = (FLOWS_DIR / "application.toml").read_text(encoding="utf-8")
    assert 'id = "country"' in text
    renamed = tmp_path / "application.toml"
    renamed.write_text(text.replace('id = "country"', 'id = "pays"'), encoding="utf-8")

    with pytest.raises(FormError, match="relies on steps missing from the file: country"):
        load_form(renamed, requires=list(Step))
    assert set(load_application_form(catalogs()).by_id) >= set(Step)
