"""The emulator stands in for Google: it is its own package and knows nothing
of the service, so the service's tests cannot pass by sharing its code."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "sheets_emulator"
SERVICE = ("integration", "connectors")


def _imports(source: str) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            found.add(node.module)
    return found


def test_the_check_sees_absolute_imports() -> None:
    assert _imports("import integration.x\nfrom connectors import y\nfrom . import z\n") == {
        "integration.x",
        "connectors",
    }


def test_the_emulator_imports_nothing_of_the_service() -> None:
    modules = sorted(PACKAGE.rglob("*.py"))
    assert len(modules) > 20
    offenders = [
        f"{path.name}: {name}"
        for path in modules
        for name in _imports(path.read_text("utf-8"))
        if name.split(".")[0] in SERVICE
    ]
    assert offenders == []
