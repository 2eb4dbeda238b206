"""The parts of ``integration/`` import each other in one direction only.

Each subpackage (``normalise``, ``validation``, ``store``, ...) and each top-level
module is a node; an ``import`` anywhere in its files, at module level or inside a
function, is an edge. A cycle means two parts can only be understood (and
changed) together, and a lazy import inside a function is how one hides, so
every import counts. Read with :mod:`ast`, so nothing is imported to check it.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _module_name(path: Path, root: Path) -> str:
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _part(module: str) -> str | None:
    """``integration.sync.plan`` -> ``sync``; ``integration`` itself -> ``None``."""
    pieces = module.split(".")
    return pieces[1] if len(pieces) > 1 and pieces[0] == "integration" else None


def _imported(path: Path, root: Path) -> Iterator[tuple[str, int]]:
    """Every module ``path`` imports (absolute or relative), with its line."""
    module = _module_name(path, root)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            if target == "integration":
                # ``from integration import api`` names subpackages.
                for alias in node.names:
                    yield f"integration.{alias.name}", node.lineno
            else:
                yield target, node.lineno


def import_graph(root: Path = ROOT) -> dict[str, dict[str, list[str]]]:
    """part -> imported part -> where (``path:line``), for the parts of ``root/integration``."""
    graph: dict[str, dict[str, list[str]]] = {}
    for path in sorted((root / "integration").rglob("*.py")):
        if "migrations" in path.parts:
            continue
        source = _part(_module_name(path, root))
        for target, line in _imported(path, root):
            imported = _part(target)
            if source and imported and imported != source:
                where = f"{path.relative_to(root)}:{line}"
                graph.setdefault(source, {}).setdefault(imported, []).append(where)
    return graph


def cycles(graph: dict[str, dict[str, list[str]]]) -> list[list[str]]:
    """The strongly connected groups of more than one part (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph.get(node, {}):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_checker_finds_a_cycle_hidden_in_a_function(tmp_path: Path) -> None:
    fake = tmp_path / "integration"
    (fake / "alpha").mkdir(parents=True)
    (fake / "beta").mkdir()
    (fake / "alpha" / "__init__.py").write_text("from integration.beta import b\n")
    (fake / "beta" / "__init__.py").write_text("def f():\n    from ..alpha import a\n")
    (fake / "gamma.py").write_text("from integration import alpha\n")
    graph = import_graph(tmp_path)
    assert graph["beta"] == {"alpha": ["integration/beta/__init__.py:2"]}
    assert graph["gamma"] == {"alpha": ["integration/gamma.py:1"]}
    assert cycles(graph) == [["alpha", "beta"]]


def test_no_import_cycles_between_the_parts_of_integration() -> None:
    graph = import_graph()
    assert {"normalise", "validation", "store", "api", "app"} <= set(graph)
    assert "validation" not in graph["normalise"]
    found = cycles(graph)
    detail = {
        f"{a} -> {b}": graph[a][b][:3]
        for group in found
        for a in group
        for b in group
        if b in graph.get(a, {})
    }
    assert found == [], detail
