"""The shape of the code that STYLE.md asks for, checked so it stays true."""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


# The entry points sit above handlers/: the command line and the playground start the bot.
ENTRY_POINTS = ("bot/cli.py", "bot/playground/")


@pytest.mark.parametrize("package", ["bot", "dialogs"])
def test_nothing_below_handlers_imports_telegram(package: str) -> None:
    offenders = [
        relative
        for path in (ROOT / package).rglob("*.py")
        if not (relative := str(path.relative_to(ROOT))).startswith(ENTRY_POINTS)
        and "telegram" in _imports(path)
    ]
    assert offenders == []


def test_the_form_runner_does_no_io() -> None:
    for name in ("runner.py", "runner_types.py", "validators.py", "checks.py", "schema.py"):
        assert not _imports(ROOT / "dialogs" / name) & {"telegram", "aiosqlite", "sqlite3", "bot"}


def test_handlers_hold_no_sql() -> None:
    sql = re.compile(r"\b(SELECT|INSERT|UPDATE|DELETE)\b\s+[A-Z*]")
    offenders = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "handlers").glob("*.py")
        if sql.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


@pytest.mark.skipif(shutil.which("ruff") is None, reason="ruff is installed with the test extra")
def test_ruff_is_clean() -> None:
    result = subprocess.run(
        ["ruff", "check", "--quiet", "."], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


# What only one staff command or mode needs, imported when it runs: each of these cost every
# start a tenth of a second or more.
LATE_IMPORTS = (
    "numpy",  # /pair's suggestions
    "scipy",  # /pair's suggestions
    "matplotlib",  # the /report chart
    "icalendar",  # a meeting's calendar file
    "aiohttp.web",  # run --webhook
    "babel.messages",  # the catalogs are read without it
)


def test_starting_the_bot_imports_no_module_only_one_command_needs() -> None:
    """The modules `passerelle run` imports before it polls leave these for later."""
    script = (
        "import sys, bot.cli, bot.core, handlers.app, handlers.menu\n"
        f"print(' '.join(m for m in {LATE_IMPORTS!r} if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.split() == []
