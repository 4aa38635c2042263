"""The one module that imports durable-rules, and the guards it needs (DESIGN.md).

- One quiet host per process: the stock Host starts timer threads that steal actions.
- Rulesets are named by the plan's content fingerprint (a name registers once per host) and
  built from fresh dicts (registering deletes ``run``).
- Each post uses a sid no other thread is using (a pool) and carries a correlation id; the
  action records its rule under that id, so a result can never be another call's. durable
  compares sids by a 32-bit hash, so the pool never holds two names with the same hash.
- durable swallows exceptions raised in actions and may return None: a missing result, an
  ``exception`` in the state or any error from the C engine is an `EngineError`, never a level.
"""

from __future__ import annotations

import itertools
import queue
import re
import threading
from collections.abc import Mapping
from typing import Any, Callable

from durable import engine as _durable

from ..errors import EngineError, Problem
from ..plan.compile import (
    SEEN,
    RequirementSpec,
    RuleSpec,
    event_value,
    requirement_definition,
    requirement_specs,
    ruleset_definition,
)
from ..plan.model import Plan, Value

#: Sids in the pool. durable allows 1024 live sids per ruleset; concurrency beyond this waits.
POOL_SIZE = 128
#: A sid whose action failed keeps the failure in its state; it is retired, at most this many.
MAX_RETIRED = 256
ACQUIRE_TIMEOUT_S = 30.0


class _QuietHost(_durable.Host):
    """A host without the two dispatch timer threads (they steal actions from callers)."""

    def _run(self) -> None:  # noqa: D401 - overriding durable's thread start-up
        return None


_lock = threading.Lock()
_host: _QuietHost | None = None
_results: dict[str, str] = {}
_findings: dict[str, list[str]] = {}
_cids = itertools.count()


def fnv1a32(text: str) -> int:
    """durable-rules' sid hash (FNV-1a, 32 bit; state.c fnv1Hash32). Two sids with the same hash
    share one state in durable, so the pool never hands out two such names."""
    value = 0x811C9DC5
    for byte in text.encode("ascii"):
        value = ((value ^ byte) * 16777619) & 0xFFFFFFFF
    return value


class _SidPool:
    def __init__(self, prefix: str) -> None:
        self._prefix = prefix
        self._free: queue.LifoQueue[str] = queue.LifoQueue()
        self._names = itertools.count()
        self._hashes: set[int] = set()
        self.retired = 0
        for _ in range(POOL_SIZE):
            self._free.put(self._new())

    def _new(self) -> str:
        while True:
            name = f"{self._prefix}{next(self._names)}"
            digest = fnv1a32(name)
            if digest not in self._hashes:
                self._hashes.add(digest)
                return name

    def acquire(self) -> str:
        try:
            return self._free.get(timeout=ACQUIRE_TIMEOUT_S)
        except queue.Empty:
            raise _fault("alle motorens sessioner var optaget for længe.") from None

    def release(self, sid: str, healthy: bool) -> None:
        if healthy:
            self._free.put(sid)
            return
        with _lock:
            self.retired += 1
            if self.retired <= MAX_RETIRED:
                self._free.put(self._new())


class _Compiled:
    def __init__(self, name: str, specs: dict[str, Any]) -> None:
        self.name = name
        self.specs = specs
        self.sids = _SidPool("w")


_compiled: dict[str, _Compiled] = {}


def _fault(what: str) -> EngineError:
    return EngineError(
        "Regelmotoren fejlede; der er ikke truffet nogen afgørelse.",
        [Problem("regelmotoren", what, "Prøv igen; sker det igen, så kontakt systemets ejer. Sagen må ikke afgøres på et lavere niveau.")],
    )


def _action(rule_name: str) -> Callable[[Any], None]:
    """Routing: the first rule to fire records itself under the event's correlation id."""

    def run(c: Any) -> None:
        _results[c.m["cid"]] = rule_name

    return run


def _fact_action(rule_name: str) -> Callable[[Any], None]:
    """Documentation check: every rule that fires adds itself to the fact's list."""

    def run(c: Any) -> None:
        _findings[c.m["cid"]].append(rule_name)

    return run


def _get_host() -> _QuietHost:
    global _host
    if _host is None:
        _host = _QuietHost()
    return _host


def _register(name: str, build: Callable[[], tuple[dict[str, Any], dict[str, Any]]]) -> _Compiled:
    """Register a ruleset once per process; ``build`` returns (definition, specs by rule name)."""
    found = _compiled.get(name)
    if found is not None:
        return found
    with _lock:
        found = _compiled.get(name)
        if found is None:
            definition, specs = build()
            try:
                _get_host().register_rulesets({name: definition})
            except Exception as exc:  # noqa: BLE001 - any failure here means no engine
                raise _fault(f"planen kunne ikke oversættes til regelmotoren ({type(exc).__name__}).") from None
            found = _compiled[name] = _Compiled(name, specs)
    return found


def compiled_for(plan: Plan) -> _Compiled:
    """The routing ruleset of a plan (keyed by the plan's content)."""

    def build() -> tuple[dict[str, Any], dict[str, Any]]:
        specs = list(plan.rule_specs)
        return ruleset_definition(specs, _action), {s.name: s for s in specs}

    return _register(f"kp_{plan.meta.id}_{plan.fingerprint}", build)


def compiled_requirements_for(plan: Plan) -> _Compiled:
    """The documentation-check ruleset of a plan."""

    def build() -> tuple[dict[str, Any], dict[str, Any]]:
        specs = requirement_specs(plan)
        return requirement_definition(specs, _fact_action), {s.name: s for s in specs}

    return _register(f"kpdok_{plan.meta.id}_{plan.fingerprint}", build)


def _event(values: Mapping[str, Value], extra: Mapping[str, Any], kind: str, cid: str, sid: str) -> dict[str, Any]:
    event: dict[str, Any] = {name: event_value(v) for name, v in values.items()}
    event.update(extra)
    if any(isinstance(v, float) and not _PLAIN_NUMBER.fullmatch(repr(v)) for v in event.values()):
        raise _fault("et tal kan ikke skrives uden eksponent, og durable-rules kan kun læse almindelige decimaltal.")
    event.update(kind=kind, cid=cid, sid=sid)
    return event


def _engine_error(exc: Exception) -> EngineError:
    # durable's messages can contain the event (the case's data): keep only an error code.
    code = _SAFE_DETAIL.search(str(exc))
    detail = f" ({code.group(0)})" if code else ""
    return _fault(f"durable-rules rejste {type(exc).__name__}{detail}.")


_SAFE_DETAIL = re.compile(r"error code: -?\d+")
#: durable-rules' JSON reader fails on exponents (1e-05, 1e+16) with error 204.
_PLAIN_NUMBER = re.compile(r"-?\d+\.\d+")


class _Session:
    """One call on a sid no other call is using. A sid is retired unless the call left it
    clean; an exception from durable's C code becomes an `EngineError` that hides the event."""

    def __init__(self, compiled: _Compiled) -> None:
        self.compiled = compiled
        self.healthy = False

    def __enter__(self) -> "_Session":
        self.sid = self.compiled.sids.acquire()
        return self

    def completed(self, state: Any) -> None:
        """durable swallows exceptions raised in actions into the returned state."""
        self.healthy = not (isinstance(state, dict) and state.get("exception"))

    def cleanup(self, undo: Callable[[], Any]) -> None:
        try:
            undo()
        except Exception:  # noqa: BLE001 - a sid that cannot be cleaned is retired
            self.healthy = False

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: Any) -> bool:
        if kind is not None and issubclass(kind, EngineError):
            self.healthy = True  # raised before durable was touched
        self.compiled.sids.release(self.sid, self.healthy)
        if exc is not None and isinstance(exc, Exception) and not isinstance(exc, EngineError):
            raise _engine_error(exc) from None
        if exc is None and not self.healthy:
            raise _fault("en regel-handling fejlede inde i durable-rules.")
        return False


def route(plan: Plan, values: Mapping[str, Value]) -> RuleSpec:
    """Post a validated case to durable-rules as an event; return the rule that fired first."""
    compiled = compiled_for(plan)
    cid = f"c{next(_cids)}"
    try:
        with _Session(compiled) as session:
            session.completed(_get_host().post(compiled.name, _event(values, {}, "case", cid, session.sid)))
    finally:
        fired = _results.pop(cid, None)
    if fired is None:
        raise _fault("durable-rules returnerede uden resultat.")
    return compiled.specs[fired]


def unmet_requirements(plan: Plan, values: Mapping[str, Value], flags: Mapping[str, int]) -> list[RequirementSpec]:
    """Assert one submission fact, collect every requirement rule that fires, always retract."""
    compiled = compiled_requirements_for(plan)
    cid = f"f{next(_cids)}"
    _findings[cid] = []
    host = _get_host()
    try:
        with _Session(compiled) as session:
            fact = _event(values, flags, "sub", cid, session.sid)
            try:
                session.completed(host.assert_fact(compiled.name, fact))
            finally:
                session.cleanup(lambda: host.retract_fact(compiled.name, fact))
    finally:
        fired = _findings.pop(cid, [])
    if SEEN not in fired:
        raise _fault("durable-rules returnerede uden resultat.")
    return [compiled.specs[name] for name in fired if name != SEEN]
