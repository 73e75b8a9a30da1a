"""Dependencies point one way: ``portal`` may use ``kb``; ``kb`` never imports ``portal`` or
``litestar``, and domain modules never import the web framework."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
WEB_MODULES = {"routes.py", "app.py", "deps.py", "errors.py", "security.py", "guards.py"}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("path", sorted((ROOT / "kb").rglob("*.py")), ids=str)
def test_kb_stands_alone(path: Path) -> None:
    assert not _imports(path) & {"portal", "litestar"}


def _domain_modules() -> list[Path]:
    return [
        p
        for p in sorted((ROOT / "portal").rglob("*.py"))
        if p.name not in WEB_MODULES
        and not p.name.endswith("_routes.py")
        and "web" not in p.parts
        and "migrations" not in p.parts
        and p.name not in {"cli.py", "__main__.py"}
    ]


@pytest.mark.parametrize("path", _domain_modules(), ids=str)
def test_domain_code_does_not_import_the_web_framework(path: Path) -> None:
    assert "litestar" not in _imports(path)
