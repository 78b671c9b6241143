"""Imports run one way: core ← accounts ← apikeys ← usage, with config and the project's
demo on top. Checked on the source, so a reverse import cannot hide in a function body."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LAYERS = ["core", "accounts", "apikeys", "usage"]


def runtime_imports(path: Path) -> set[str]:
    """Top-level packages a module imports when it runs (not under `if TYPE_CHECKING:`)."""
    tree = ast.parse(path.read_text(), str(path))
    type_only: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            type_only.update(id(child) for child in ast.walk(node))
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in type_only:
            continue
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


def sources(package: str) -> list[Path]:
    return [p for p in (ROOT / package).rglob("*.py") if "migrations" not in p.parts]


@pytest.mark.parametrize("package", LAYERS)
def test_no_package_imports_one_above_it(package):
    above = set(LAYERS[LAYERS.index(package) + 1 :]) | {"config"}
    offenders = {
        str(path.relative_to(ROOT)): sorted(runtime_imports(path) & above)
        for path in sources(package)
        if runtime_imports(path) & above
    }
    assert offenders == {}


@pytest.mark.parametrize("package", LAYERS)
def test_no_app_is_imported_by_name_to_dodge_the_rule(package):
    for path in sources(package):
        text = path.read_text()
        assert "import_module(" not in text and "__import__(" not in text, path


def test_the_checker_sees_a_reverse_import(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("def f():\n    from usage.models import Flow\n    return Flow\n")
    assert "usage" in runtime_imports(bad)
    typed = tmp_path / "typed.py"
    typed.write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import usage\n")
    assert "usage" not in runtime_imports(typed)
