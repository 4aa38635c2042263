"""Layering rules, checked on the source with `ast`: every import (also those inside functions)
goes to the module's own layer or a lower one, there are no import circles, and durable-rules
stays behind one adapter module. The table is the one in docs/architecture.md."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "kompetenceplan"
ADAPTER = PACKAGE / "engine" / "durable_adapter.py"

#: Lowest first. A module is named by its first component below the package (``plan`` covers
#: ``plan/loader.py``). Interfaces and the users' day (register, meetings, web, tilsyn) sit on top.
LAYERS: list[set[str]] = [
    {"errors"},
    {"io", "json_edge", "law", "submission", "submission_paths", "safe_paths"},
    {"plan"},
    {"case", "decision"},
    {"engine", "routing"},
    {"explain", "api", "scenarios"},
    {"checks", "tooling", "schemas", "contract"},
    {"store", "meetings", "tilsyn"},
    {"service", "http_guard", "web", "cli", "cli_base", "cli_register", "cli_economy", "cli_tilsyn", "__main__", "__init__"},
]
LAYER_OF = {name: i for i, names in enumerate(LAYERS) for name in names}


def _unit(module: str) -> str:
    """'kompetenceplan.plan.loader' -> 'plan'."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__" and len(parts) > 1:
        parts = parts[:-1] if len(parts) > 2 else parts
    return ".".join(parts)


def _package_imports(path: Path) -> set[str]:
    """Every module of the package that ``path`` imports, anywhere in the file (lazy ones too)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    here = _module_name(path).split(".")
    package = here if path.name == "__init__.py" else here[:-1]
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names if a.name.split(".")[0] == "kompetenceplan"}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            if module.split(".")[0] != "kompetenceplan":
                continue
            # `from . import x` / `from .plan import loader`: x may be a module itself; then the
            # import is of that module, not of the package's __init__.
            submodules = {f"{module}.{a.name}" for a in node.names if (PACKAGE.parent / f"{module}.{a.name}".replace(".", "/")).with_suffix(".py").exists()}
            out |= submodules
            if len(submodules) < len(node.names):
                out.add(module)
    return out


def _modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "migrations" not in p.parts)


def _plain_imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
            names |= {f"{node.module}.{a.name}" for a in node.names}
    return names


def test_every_module_has_a_layer() -> None:
    """A new module must be placed in the layer table (and in docs/architecture.md)."""
    missing = sorted({_unit(_module_name(p)) for p in _modules()} - set(LAYER_OF))
    assert missing == [], f"add these to LAYERS: {missing}"


def test_no_upward_imports() -> None:
    """Each import goes to the same layer or a lower one (lazy imports inside functions included)."""
    upward = []
    for path in _modules():
        me = _unit(_module_name(path))
        for target in _package_imports(path):
            other = _unit(target)
            if other in LAYER_OF and me in LAYER_OF and LAYER_OF[other] > LAYER_OF[me]:
                upward.append(f"{path.relative_to(PACKAGE)} -> {target}")
    assert upward == []


def test_no_import_circles() -> None:
    """The module graph (every import, lazy ones too) has no cycle."""
    graph = {_module_name(p): {t for t in _package_imports(p) if t != _module_name(p)} for p in _modules()}
    known = set(graph)
    state: dict[str, int] = {}
    cycle: list[str] = []

    def visit(node: str, stack: list[str]) -> bool:
        state[node] = 1
        for nxt in sorted(graph.get(node, ())):
            if nxt not in known:
                continue
            if state.get(nxt) == 1:
                cycle.extend(stack[stack.index(nxt) :] + [nxt] if nxt in stack else [node, nxt])
                return True
            if state.get(nxt) is None and visit(nxt, stack + [nxt]):
                return True
        state[node] = 2
        return False

    # The package __init__ re-exports lazily from everything; it is the top and no one imports it.
    for node in sorted(known - {"kompetenceplan"}):
        if state.get(node) is None and visit(node, [node]):
            break
    assert cycle == []


def test_only_the_adapter_imports_durable() -> None:
    """Exactly one module imports durable-rules."""
    importers = [p for p in _modules() if any(n == "durable" or n.startswith("durable.") or n.startswith("durable_rules") for n in _plain_imports(p))]
    assert importers == [ADAPTER]


def test_nobody_imports_durable_lang() -> None:
    """durable.lang has a global host and shadows all/any: never import it."""
    assert [p for p in _modules() if "durable.lang" in _plain_imports(p)] == []


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("from ..cli import main\n", "kompetenceplan.cli"),
        ("def f():\n    from ..service import app\n", "kompetenceplan.service"),
        ("import kompetenceplan.api\n", "kompetenceplan.api"),
    ],
)
def test_the_scanner_sees_relative_lazy_and_absolute_imports(tmp_path: Path, source: str, expected: str, monkeypatch) -> None:
    """The layer check can fail: an upward import written any of these ways is seen."""
    probe = PACKAGE / "plan" / "_probe_for_test.py"
    probe.write_text(source, encoding="utf-8")
    try:
        assert expected in _package_imports(probe)
    finally:
        probe.unlink()


def test_every_plan_code_in_the_source_is_registered_and_documented() -> None:
    """One registry of PLAN codes: every code the package uses is in it, and the docs table lists
    exactly the registry (ruff/sqlfluff style)."""
    import re

    from kompetenceplan.plan.codes import CODES

    used = {m for p in _modules() for m in re.findall(r"PLAN-\d{3}", p.read_text(encoding="utf-8"))}
    assert used <= set(CODES)
    docs = (PACKAGE.parent / "docs" / "rule-format.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| (PLAN-\d{3}) \| (\w+) \| (.*) \|$", docs, re.M)
    assert [(c, k, s) for c, k, s in rows] == [(c.code, c.kind, c.summary) for c in CODES.values()]
