"""Scripts import project modules lazily (inside functions), so a rename breaks them only at run time —
CI's fuzz step once failed that way. Resolve every project import in scripts/ here instead."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path
from typing import List, Tuple

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROJECT_PACKAGES = {p.name for p in ROOT.iterdir() if (p / "__init__.py").exists()}


def _project_imports() -> List[Tuple[str, str, str]]:
    found = []
    for script in sorted((ROOT / "scripts").glob("*.py")):
        for node in ast.walk(ast.parse(script.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                if node.module.split(".")[0] in PROJECT_PACKAGES:
                    for alias in node.names:
                        found.append((script.name, node.module, alias.name))
    return found


IMPORTS = _project_imports()


def test_scripts_have_project_imports() -> None:
    assert any(module.startswith("tests.") for _, module, _ in IMPORTS)


@pytest.mark.parametrize("script,module,name", IMPORTS, ids=[f"{s}:{m}.{n}" for s, m, n in IMPORTS])
def test_script_import_resolves(script: str, module: str, name: str) -> None:
    imported = importlib.import_module(module)
    assert name == "*" or hasattr(imported, name), f"{script}: {module} has no {name}"
