"""Only ``integration/config.py`` reads the environment.

Every setting has one name, one default and one parser there; connectors take
explicit parameters. This test parses the source of every product module and
fails on any other access to the environment, so that stays true.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("integration", "connectors", "sheets_emulator")
ALLOWED = {Path("integration/config.py")}
#: attributes and names through which a module reaches the process environment
ENVIRONMENT = {"environ", "environb", "getenv", "getenvb", "putenv", "unsetenv"}


def environment_reads(source: str) -> list[tuple[int, str]]:
    """Line and text of each place ``source`` touches the environment."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Attribute) and node.attr in ENVIRONMENT:
            found.append((node.lineno, ast.unparse(node)))
        elif isinstance(node, ast.ImportFrom) and node.module == "os":
            found += [
                (node.lineno, f"from os import {a.name}")
                for a in node.names
                if a.name in ENVIRONMENT or a.name == "*"
            ]
    return sorted(found)


def test_the_check_sees_each_way_of_reading_the_environment() -> None:
    source = (
        "import os\nfrom os import getenv\n"
        "a = os.environ['X']\nb = os.getenv('Y')\nc = config.environ.get('Z')\n"
        "os.environ['W'] = '1'\nd = os.path.join('a', 'b')\n"
    )
    assert [line for line, _ in environment_reads(source)] == [2, 3, 4, 5, 6]


def test_no_module_outside_config_reads_the_environment() -> None:
    offenders = []
    modules = [p for pkg in PACKAGES for p in sorted((ROOT / pkg).rglob("*.py"))]
    assert len(modules) > 50  # the walk found the product, not an empty folder
    for path in modules:
        relative = path.relative_to(ROOT)
        if relative in ALLOWED:
            continue
        for line, text in environment_reads(path.read_text("utf-8")):
            offenders.append(f"{relative}:{line}: {text}")
    assert offenders == []
