"""Layering rules, checked on the source with `ast`: every import (also those inside functions)
goes to the module's own layer or a lower one, there are no import circles, and durable-rules
stays behind one adapter module. The table is the one in docs/architecture.md."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "kompetenceplan"
ADAPTER = PACKAGE / "engine" / "durable_adapter.py"
ARCHITECTURE = PACKAGE.parent / "docs" / "architecture.md"


def read_layers(text: str) -> list[list[str]]:
    """The floors of the map in docs/architecture.md, lowest first: each a list of rooms
    (``api``, ``plan/``, ``engine/routing``), as the table under "## Layers" writes them."""
    section = text.split("## Layers", 1)[1].split("\n## ", 1)[0]
    floors: list[list[str]] = []
    for number, rooms in re.findall(r"^\| (\d+) \| ([^|]+) \|", section, re.M):
        assert int(number) == len(floors), f"floor {number} out of order in docs/architecture.md"
        floors.append(re.findall(r"`([\w/]+)`", rooms))
    return floors


LAYERS = read_layers(ARCHITECTURE.read_text(encoding="utf-8"))
LAYER_OF = {room.rstrip("/"): i for i, rooms in enumerate(LAYERS) for room in rooms}


def _unit(module: str) -> str:
    """The most specific room of the map that holds ``module``: 'kompetenceplan.engine.routing'
    -> 'engine/routing' when that module is a room of its own, else 'engine'."""
    parts = module.split(".")[1:] or ["__init__"]
    for n in range(len(parts), 0, -1):
        room = "/".join(parts[:n])
        if room in LAYER_OF:
            return room
    return "/".join(parts)


def _module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__" and len(parts) > 1:
        parts = parts[:-1] if len(parts) > 2 else parts
    return ".".join(parts)


def _is_module(name: str) -> bool:
    path = PACKAGE.parent / name.replace(".", "/")
    return path.with_suffix(".py").exists() or (path / "__init__.py").exists()


def _package_imports(path: Path, source: str | None = None, module: str | None = None) -> set[str]:
    """Every module of the package that ``path`` imports, anywhere in the file (lazy ones too)."""
    tree = ast.parse(source if source is not None else path.read_text(encoding="utf-8"))
    here = (module or _module_name(path)).split(".")
    package = here if path.name == "__init__.py" else here[:-1]
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names if a.name.split(".")[0] == "kompetenceplan"}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.split(".")[0] != "kompetenceplan":
                continue
            # `from . import x` / `from .. import web`: x may be a module or a package itself;
            # then the import is of that, not of the package's __init__.
            submodules = {f"{target}.{a.name}" for a in node.names if _is_module(f"{target}.{a.name}")}
            out |= submodules
            if len(submodules) < len(node.names):
                out.add(target)
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
    """A new module or folder must be placed on the map in docs/architecture.md."""
    missing = sorted({_unit(_module_name(p)) for p in _modules()} - set(LAYER_OF))
    assert missing == [], f"add these to the table in docs/architecture.md: {missing}"


def test_every_room_of_the_map_exists() -> None:
    """The map names no folder or module that is not in the package (it cannot drift)."""
    rooms = {room.rstrip("/") for rooms in LAYERS for room in rooms} - {"__init__"}
    gone = sorted(r for r in rooms if not (PACKAGE / f"{r}.py").exists() and not (PACKAGE / r / "__init__.py").exists())
    assert gone == []


def test_the_map_is_read_from_the_docs() -> None:
    """The table is parsed from docs/architecture.md, with its finer order: the store below the
    meetings below the tilsyn, the CLI base below the command groups, the pages below the service."""
    order = LAYER_OF
    assert order["errors"] == 0
    assert order["store"] < order["meetings"] < order["tilsyn"]
    assert order["cli/base"] < order["cli"]
    assert order["web"] < order["service"]
    assert order["engine"] < order["engine/routing"] < order["engine/explain"] < order["api"]


def test_a_room_is_the_most_specific_entry() -> None:
    """A module that is a room of its own is placed there; the rest of its folder with the folder."""
    assert _unit("kompetenceplan.engine.routing") == "engine/routing"
    assert _unit("kompetenceplan.engine.bulk") == "engine"
    assert _unit("kompetenceplan.cli.register") == "cli"
    assert _unit("kompetenceplan") == "__init__"


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
        ("def f():\n    from ..service import app\n", "kompetenceplan.service.app"),
        ("from .. import web\n", "kompetenceplan.web"),
        ("import kompetenceplan.api\n", "kompetenceplan.api"),
    ],
)
def test_the_scanner_sees_relative_lazy_and_absolute_imports(source: str, expected: str) -> None:
    """The layer check can fail: an upward import written any of these ways is seen (the probe
    is read as if it were plan/_probe.py; nothing is written into the package)."""
    assert expected in _package_imports(PACKAGE / "plan" / "_probe.py", source, "kompetenceplan.plan._probe")


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
