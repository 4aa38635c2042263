"""Generated code in sight.

Four fast paths are Python generated per plan from validated plan data (never from a case): the
bulk router and the fast validator (`engine.bulk`), the bulk decider (`Decider.one`) and the
documentation standard's applicability (`checks.requirements`). `build` is the one way they are
made: each generated module gets a name (``<kompetenceplan router nyborg 2026.1 1a2b3c4d5e6f>``),
its source is registered with `linecache` so a traceback shows the generated line, and it is kept
(for the life of the process, the newest per name) for ``kompetenceplan debug generated``.

``KOMPETENCEPLAN_PLAIN=1`` switches every generated path off: each caller then takes its plain
path (`validate_case`, the reference evaluator, `applies`), which gives the same answers — the
property tests hold them equal — only slower. docs/performance.md says what each one earns.
"""

from __future__ import annotations

import linecache
import os
import threading
from typing import Any

PLAIN_ENV = "KOMPETENCEPLAN_PLAIN"

#: The kinds of generated module, with what they do (for `kompetenceplan debug generated`).
KINDS = {
    "router": "bulk-routerens prioritetsliste (decide_many's strict path)",
    "validator": "den hurtige validering af en sag (decide og check)",
    "decider": "bulk-afgøreren: validering og prioritetsliste i én funktion (decide_many, audit)",
    "applying": "hvilke dokumentationskrav der gælder (check, sammenholdt med durable-rules)",
}

#: (kind, plan id, plan version) -> (module name, source): the newest of each, so that reloading
#: edited plans does not keep every old source alive.
_sources: dict[tuple[str, str, str], tuple[str, str]] = {}
_lock = threading.Lock()


def plain() -> bool:
    """Whether the generated paths are switched off (``KOMPETENCEPLAN_PLAIN=1``)."""
    return os.environ.get(PLAIN_ENV) == "1"


def module_name(kind: str, plan: Any) -> str:
    """The name a generated module of ``kind`` for ``plan`` carries in tracebacks."""
    meta = plan.meta
    return f"<kompetenceplan {kind} {meta.id} {meta.version} {plan.fingerprint[:12]}>"


def build(kind: str, plan: Any, lines: list[str], env: dict[str, Any], entry: str) -> Any:
    """Compile ``lines`` as the module ``module_name(kind, plan)``, run it in ``env`` and return
    its function ``entry``. The source is registered for tracebacks and for `sources`."""
    if kind not in KINDS:  # a programming error
        raise ValueError(f"unknown kind of generated code {kind!r}")
    name = module_name(kind, plan)
    source = "\n".join(lines) + "\n"
    code = compile(source, name, "exec")
    with _lock:
        key = (kind, plan.meta.id, plan.meta.version)
        old = _sources.get(key)
        if old is not None and old[0] != name:
            linecache.cache.pop(old[0], None)
        _sources[key] = (name, source)
        # size, mtime None (never stale: `linecache.checkcache` keeps it), lines, name
        linecache.cache[name] = (len(source), None, source.splitlines(True), name)
    exec(code, env)  # noqa: S102 - source built from validated plan data only (see the callers)
    return env[entry]


def sources() -> dict[str, str]:
    """The generated modules of this process (the newest per kind and plan version): name -> source."""
    with _lock:
        return dict(_sources.values())
