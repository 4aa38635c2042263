"""Layering rules, checked on the source: durable-rules stays behind one adapter module."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "kompetenceplan"
ADAPTER = PACKAGE / "engine" / "durable_adapter.py"


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
            names |= {f"{node.module}.{a.name}" for a in node.names}
    return names


def _modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def test_only_the_adapter_imports_durable() -> None:
    """Exactly one module imports durable-rules."""
    importers = [p for p in _modules() if any(n == "durable" or n.startswith("durable.") or n.startswith("durable_rules") for n in _imports(p))]
    assert importers == [ADAPTER]


def test_nobody_imports_durable_lang() -> None:
    """durable.lang has a global host and shadows all/any: never import it."""
    assert [p for p in _modules() if "durable.lang" in _imports(p)] == []


def test_plan_layer_does_not_depend_on_engine_or_interfaces() -> None:
    """Rule data (plan/) is pure: it imports neither the engine nor the CLI."""
    for path in (PACKAGE / "plan").glob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert "..engine" not in text and "..cli" not in text and "..api" not in text, path.name


def test_architecture_check_can_fail(tmp_path: Path) -> None:
    """The import scanner sees a durable import when there is one."""
    probe = tmp_path / "probe.py"
    probe.write_text("from durable import engine\nimport durable.lang\n", encoding="utf-8")
    assert {"durable", "durable.lang"} <= _imports(probe)
