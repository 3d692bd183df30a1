"""Every third-party module the code imports is declared in pyproject.toml.

A module installed by hand on one machine (hypothesis once was) must not let CI pass while
`pip install -e '.[test]'` leaves a fresh machine without it.
"""

from __future__ import annotations

import ast
import functools
import importlib.metadata
import re
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIRST_PARTY = {"bot", "handlers", "dialogs", "locales", "tests", "benchmarks"}
RUNTIME = ("bot", "handlers", "dialogs", "locales")
TEST_ONLY = ("tests", "benchmarks")


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _declared() -> tuple[set[str], set[str]]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]

    def names(requirements: list[str]) -> set[str]:
        return {_normal(re.split(r"[\s\[<>=!~;]", r, maxsplit=1)[0]) for r in requirements}

    return names(project["dependencies"]), names(project["optional-dependencies"]["test"])


def _imported(path: Path) -> set[str]:
    """Top-level modules a file imports, including `pytest.importorskip("x")`."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in ("importorskip", "import_module")
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            found.add(node.args[0].value.split(".")[0])
    return found - FIRST_PARTY - set(sys.stdlib_module_names) - {"__future__"}


@functools.cache
def _providers() -> dict[str, list[str]]:
    return dict(importlib.metadata.packages_distributions())


def _distributions(module: str) -> set[str]:
    """The distributions that provide a module (its own name if none is installed)."""
    provided = _providers().get(module, [module])
    return {_normal(name) for name in provided}


def _undeclared(folders: tuple[str, ...], allowed: set[str]) -> list[str]:
    return sorted(
        f"{path.relative_to(ROOT)}: {module}"
        for folder in folders
        for path in (ROOT / folder).rglob("*.py")
        for module in _imported(path)
        if not _distributions(module) & allowed
    )


def test_the_application_imports_only_its_dependencies() -> None:
    dependencies, _ = _declared()
    assert _undeclared(RUNTIME, dependencies) == []


def test_tests_and_benchmarks_import_only_declared_packages() -> None:
    dependencies, test = _declared()
    assert _undeclared(TEST_ONLY, dependencies | test) == []


@pytest.mark.parametrize(
    ("source", "module"),
    [("import hypothesis.strategies as st", "hypothesis"), ("from yaml import load", "yaml")],
)
def test_an_undeclared_import_is_found(tmp_path: Path, source: str, module: str) -> None:
    (tmp_path / "t.py").write_text(source + "\nimport os\nfrom bot import core\n")
    assert _imported(tmp_path / "t.py") == {module}


def _readme_command(after: str) -> str:
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    start = lines.index(after)
    return next(line.strip() for line in lines[start + 1 :] if line.startswith("    "))


def test_ci_runs_the_readme_test_command_in_a_fresh_virtual_environment() -> None:
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    steps = [line.strip() for line in script.splitlines() if not line.lstrip().startswith("#")]
    command = _readme_command("Run the tests:")
    assert command == "pip install -e '.[test]' && python -m pytest"
    assert command in steps
    venv = next(i for i, step in enumerate(steps) if step.startswith("python3 -m venv "))
    activate = next(i for i, step in enumerate(steps) if step.endswith('/bin/activate"'))
    assert venv < activate < steps.index(command)
    assert "system-site-packages" not in steps[venv]


def test_the_readme_says_its_commands_run_in_a_virtual_environment() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    first = _readme_command("Try it, with no Telegram account, no token and no network:")
    assert first == "pip install -e . && passerelle playground"
    assert readme.index("python3 -m venv .venv && . .venv/bin/activate") < readme.index(first)
