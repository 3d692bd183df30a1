"""Finds text a person could read that is written in the code but not marked for translation.

Babel extracts only what is marked (`t(...)`, `t.plain`, `t.plural`, `N_`): a sentence left as
a plain constant never reaches the catalogs, so they look complete while people read English.
This walks the syntax tree of the code people talk to and reports each string literal that
reads as prose (two words or more), and each literal with letters that goes straight into a
reply (a message, an edit, a button, a notice), unless it is marked, a docstring, a log line,
an exception's or an assertion's message, SQL, or an operand of a comparison or of a string
method. A marked literal inside an f-string is reported too: babel does not look there, so
it is never extracted either.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FOLDERS = ("bot", "handlers", "dialogs")
NOT_FOR_PEOPLE = ("bot/emulator/", "bot/playground/", "bot/cli.py", "handlers/request.py")
"""Developer tools, the operator's command line and the HTTP transport (its errors are
python-telegram-bot's, for logs): English by design, never in a chat."""

MARKERS = frozenset({"t", "plain", "plural", "N_"})
LOGGING = frozenset({"debug", "info", "warning", "error", "exception", "critical"})
STRING_METHODS = frozenset(
    {
        "startswith",
        "endswith",
        "removeprefix",
        "removesuffix",
        "replace",
        "split",
        "rsplit",
        "partition",
        "rpartition",
        "strip",
        "lstrip",
        "rstrip",
        "find",
        "index",
        "count",
        "join",
    }
)
INTERNAL_CALLS = frozenset(
    {"Migration", "Attempt", "format_datetime", "format_date", "format_time", "format_skeleton"}
)
"""Calls whose text is recorded for developers (a migration's name, why a send failed), never
shown, or is a pattern babel localises ("EEEE HH:mm")."""
INTERNAL_TEXTS: dict[tuple[str, str], str] = {
    ("bot/runtime/ics.py", "-//Passerelle//Passerelle bot//EN"): "a calendar file's PRODID",
    ("handlers/sender.py", "message to edit not found"): "Telegram's words, compared",
    ("handlers/sender.py", "message can't be edited"): "Telegram's words, compared",
}
"""Single literals that read as prose but no person reads, with the reason."""

SINKS: dict[str, tuple[int, tuple[str, ...]]] = {
    # callee: (position of the text argument, its keyword names)
    "Send": (1, ("text",)),
    "Edit": (2, ("text",)),
    "Button": (0, ("label",)),
    "Toast": (0, ("text",)),
    "SendDocument": (3, ("caption",)),
    "send": (1, ("text",)),  # Response.send(chat_id, text, keyboard)
    "text": (1, ("text",)),  # Response.text(chat_id, text)
}
"""Constructors of replies, and where their readable text goes."""

_TAG = re.compile(r"</?[a-zA-Z][^<>]*(?:>|$)|\{[^{}]*\}|&[a-z]+;")  # a tag (or its start)
_PROSE = re.compile(r"[^\W\d_]+[ \u00a0]+[^\W\d_]{2,}|[^\W\d_]{2,}[ \u00a0]+[^\W\d_]")
_LETTER = re.compile(r"[^\W\d_]")
_SQL = re.compile(
    r"\b(SELECT|INSERT|UPDATE|DELETE|CREATE|ALTER|DROP|WHERE|FROM|VALUES|ORDER BY|AND|"
    r"IN|NOT|IS NULL|ON CONFLICT|DO NOTHING|SAVEPOINT|RELEASE|ROLLBACK|BEGIN|PRAGMA|"
    r"GROUP BY|HAVING|LIMIT|OFFSET|JOIN|UNION|CASE|COALESCE)\b"
)


@dataclass(frozen=True)
class Literal:
    """A string in the code that people would read untranslated."""

    path: str
    line: int
    text: str
    why: str = "is not marked for translation"

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.text[:70]!r} {self.why}"


def _callee(call: ast.Call) -> str:
    if isinstance(call.func, ast.Name):
        return call.func.id
    if isinstance(call.func, ast.Attribute):
        return call.func.attr
    return ""


def _words(text: str) -> str:
    """The text without HTML tags, {placeholders} and entities."""
    return _TAG.sub(" ", text)


class _Finder(ast.NodeVisitor):
    """Walks one module, remembering what each string literal sits in."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.found: list[Literal] = []
        self._exempt = 0  # inside a marked call, a log line, a raise, a docstring...
        self._sink = 0  # inside the text argument of a reply
        self._fstring = 0  # inside an f-string

    def _visit_exempt(self, nodes: list[ast.AST]) -> None:
        self._exempt += 1
        for node in nodes:
            self.visit(node)
        self._exempt -= 1

    def visit_Expr(self, node: ast.Expr) -> None:
        if isinstance(node.value, ast.Constant):  # a docstring, or a bare string
            return
        self.generic_visit(node)

    def visit_Raise(self, node: ast.Raise) -> None:
        self._visit_exempt([child for child in (node.exc, node.cause) if child is not None])

    def visit_Assert(self, node: ast.Assert) -> None:
        self.visit(node.test)
        if node.msg is not None:
            self._visit_exempt([node.msg])

    def visit_Subscript(self, node: ast.Subscript) -> None:
        self.visit(node.value)
        self._visit_exempt([node.slice])  # a key: data["text"]

    def visit_Compare(self, node: ast.Compare) -> None:
        self._visit_exempt([node.left, *node.comparators])

    def visit_JoinedStr(self, node: ast.JoinedStr) -> None:
        self._fstring += 1
        self.generic_visit(node)
        self._fstring -= 1

    def visit_Call(self, node: ast.Call) -> None:
        name = _callee(node)
        first = node.args[0] if node.args else None
        if name in MARKERS and self._fstring and isinstance(first, ast.Constant):
            why = "is marked inside an f-string, where babel does not extract it"
            self.found.append(Literal(self.path, node.lineno, str(first.value), why))
        is_log = name in LOGGING and isinstance(node.func, ast.Attribute)
        if name in MARKERS | STRING_METHODS | INTERNAL_CALLS or is_log:
            self.visit(node.func)
            self._visit_exempt([*node.args, *(keyword.value for keyword in node.keywords)])
            return
        self.visit(node.func)
        position, names = SINKS.get(name, (-1, ()))
        for index, argument in enumerate(node.args):
            self._visit_argument(argument, index == position)
        for keyword in node.keywords:
            self._visit_argument(keyword.value, keyword.arg in names)

    def _visit_argument(self, node: ast.AST, readable: bool) -> None:
        self._sink += readable
        self.visit(node)
        self._sink -= readable

    def visit_Constant(self, node: ast.Constant) -> None:
        if not isinstance(node.value, str) or self._exempt:
            return
        if (self.path, node.value) in INTERNAL_TEXTS:
            return
        words = _words(node.value)
        prose = _PROSE.search(words) is not None and _SQL.search(node.value) is None
        if prose or (self._sink and _LETTER.search(words)):
            self.found.append(Literal(self.path, node.lineno, node.value))


def unmarked_in(source: str, path: str = "<source>") -> list[Literal]:
    """The untranslated readable literals of one module's source."""
    finder = _Finder(path)
    finder.visit(ast.parse(source))
    return sorted(finder.found, key=lambda literal: literal.line)


def _modules(root: Path) -> Iterator[tuple[str, Path]]:
    for folder in FOLDERS:
        for path in sorted((root / folder).rglob("*.py")):
            relative = path.relative_to(root).as_posix()
            if not relative.startswith(NOT_FOR_PEOPLE):
                yield relative, path


def unmarked(root: Path = ROOT) -> list[Literal]:
    """Every untranslated readable literal of bot/, handlers/ and dialogs/."""
    return [
        literal
        for relative, path in _modules(root)
        for literal in unmarked_in(path.read_text(encoding="utf-8"), relative)
    ]
