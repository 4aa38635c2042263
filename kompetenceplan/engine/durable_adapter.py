"""The one module that imports durable-rules, and the guards it needs (DESIGN.md).

- One quiet host per process: the stock Host starts timer threads that steal actions.
- Rulesets are named by the plan's content fingerprint (a name registers once per host) and
  built from fresh dicts (registering deletes ``run``).
- Each post uses a sid no other thread is using (a pool) and carries a correlation id; the
  action records its rule under that id, so a result can never be another call's.
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
from ..plan.compile import RuleSpec, event_value, rule_specs, ruleset_definition
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
_cids = itertools.count()


class _SidPool:
    def __init__(self, prefix: str) -> None:
        self._prefix = prefix
        self._free: queue.LifoQueue[str] = queue.LifoQueue()
        self._names = itertools.count()
        self.retired = 0
        for _ in range(POOL_SIZE):
            self._free.put(self._new())

    def _new(self) -> str:
        return f"{self._prefix}{next(self._names)}"

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
    def __init__(self, name: str, specs: list[RuleSpec]) -> None:
        self.name = name
        self.specs = {s.name: s for s in specs}
        self.sids = _SidPool("w")


_compiled: dict[str, _Compiled] = {}


def _fault(what: str) -> EngineError:
    return EngineError(
        "Regelmotoren fejlede; der er ikke truffet nogen afgørelse.",
        [Problem("regelmotoren", what, "Prøv igen; sker det igen, så kontakt systemets ejer. Sagen må ikke afgøres på et lavere niveau.")],
    )


def _action(rule_name: str) -> Callable[[Any], None]:
    def run(c: Any) -> None:
        _results[c.m["cid"]] = rule_name

    return run


def _get_host() -> _QuietHost:
    global _host
    if _host is None:
        _host = _QuietHost()
    return _host


def compiled_for(plan: Plan) -> _Compiled:
    """Register the plan's ruleset once per process (keyed by the plan's content)."""
    name = f"kp_{plan.meta.id}_{plan.fingerprint}"
    found = _compiled.get(name)
    if found is not None:
        return found
    with _lock:
        found = _compiled.get(name)
        if found is None:
            specs = rule_specs(plan)
            try:
                _get_host().register_rulesets({name: ruleset_definition(specs, _action)})
            except Exception as exc:  # noqa: BLE001 - any failure here means no engine
                raise _fault(f"planen kunne ikke oversættes til regelmotoren ({type(exc).__name__}).") from None
            found = _compiled[name] = _Compiled(name, specs)
    return found


_SAFE_DETAIL = re.compile(r"error code: -?\d+")
#: durable-rules' JSON reader fails on exponents (1e-05, 1e+16) with error 204.
_PLAIN_NUMBER = re.compile(r"-?\d+\.\d+")


def route(plan: Plan, values: Mapping[str, Value]) -> RuleSpec:
    """Post a validated case to durable-rules; return the rule that fired first."""
    compiled = compiled_for(plan)
    cid = f"c{next(_cids)}"
    sid = compiled.sids.acquire()
    event: dict[str, Any] = {name: event_value(v) for name, v in values.items()}
    if any(isinstance(v, float) and not _PLAIN_NUMBER.fullmatch(repr(v)) for v in event.values()):
        raise _fault("et tal kan ikke skrives uden eksponent, og durable-rules kan kun læse almindelige decimaltal.")
    event.update(kind="case", cid=cid, sid=sid)
    healthy = False
    try:
        state = _get_host().post(compiled.name, event)
        healthy = not (isinstance(state, dict) and state.get("exception"))
    except Exception as exc:  # noqa: BLE001 - C engine errors have no finer type
        # durable's messages can contain the event (the case's data): keep only an error code.
        code = _SAFE_DETAIL.search(str(exc))
        detail = f" ({code.group(0)})" if code else ""
        raise _fault(f"durable-rules rejste {type(exc).__name__}{detail}.") from None
    finally:
        compiled.sids.release(sid, healthy)
        fired = _results.pop(cid, None)
    if not healthy:
        raise _fault("en regel-handling fejlede inde i durable-rules.")
    if fired is None:
        raise _fault("durable-rules returnerede uden resultat.")
    return compiled.specs[fired]
