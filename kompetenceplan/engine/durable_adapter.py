"""The one module that imports durable-rules, and the guards it needs (DESIGN.md).

Why it is long: the only importer of durable-rules: every guard its silent failure modes need
(DESIGN.md) must sit next to the calls it guards.

- One quiet host per process: the stock Host starts timer threads that steal actions.
- Rulesets are named by the plan's content fingerprint plus a generation number (a name
  registers once per host) and built from fresh dicts (registering deletes ``run``).
- A ruleset and the states of its sids are freed once its plan is released (`release`) and
  no call uses it: durable's ``delete_ruleset`` alone keeps every sid's state (~0.6 MB each),
  so each clean sid's state is deleted first. A sid left dirty by a fault is never deleted
  (``delete_state`` then segfaults): it is retired and replaced, and after
  `MAX_SIDS_PER_RULESET` sids the ruleset is replaced by a fresh generation, so faults can
  never exhaust the engine's capacity.
- Each post uses a sid no other thread is using (a pool), so a result can never be another
  call's. durable compares sids by a 32-bit hash, so the pool never holds two names with the
  same hash. Routing posts through durable's C engine (`_fire_first`: assert the event, take
  the one action it starts, complete it) rather than the Host's Python closures: the same
  engine and rules at about half the cost; anything but exactly one started action is a fault.
- A missing or unknown result, more actions than expected, an unclean retraction or any error
  from the C engine is an `EngineError`, never a level.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import re
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any, Literal

import durable_rules_engine as _durable_c
from durable import engine as _durable

from ..errors import EngineError, Problem
from ..plan.compile import (
    SEEN,
    RequirementSpec,
    RuleSpec,
    ok_key,
    requirement_definition,
    requirement_specs,
    ruleset_definition,
)
from ..plan.model import Plan, Value

#: Sids in the pool. durable allows 1024 live sids per ruleset; concurrency beyond this waits.
POOL_SIZE = 128
#: Sids one ruleset hands out over its life (durable allows 1024 live sids per ruleset). A sid
#: left dirty by a fault is retired and replaced; at this count the ruleset is regenerated.
MAX_SIDS_PER_RULESET = 896
ACQUIRE_TIMEOUT_S = 30.0
#: Faults within this many seconds make `health()` report the engine as degraded.
RECENT_FAULT_S = 300.0


class _QuietHost(_durable.Host):
    """A host without the two dispatch timer threads (they steal actions from callers)."""

    def _run(self) -> None:  # durable's thread start-up: overridden to start no timer thread
        return None


_lock = threading.Lock()
_host: _QuietHost | None = None
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
        # Last in, first out: a few sids do all the work, so few states are ever allocated.
        self._free: list[str] = []
        self._mutex = threading.Lock()
        self._ready = threading.Condition(self._mutex)
        self._waiting = 0
        self._names = itertools.count()
        self._hashes: set[int] = set()
        self.issued = 0
        self.retired = 0
        self.used: set[str] = set()  # sids posted to and left clean: their states are freed on release
        for _ in range(POOL_SIZE):
            self._free.append(self._new())

    def _new(self) -> str:
        while True:
            name = f"{self._prefix}{next(self._names)}"
            digest = fnv1a32(name)
            if digest not in self._hashes:
                self._hashes.add(digest)
                self.issued += 1
                return name

    @property
    def exhausted(self) -> bool:
        """No replacement sids are left: the ruleset must be regenerated."""
        return self.issued >= MAX_SIDS_PER_RULESET

    def free_count(self) -> int:
        return len(self._free)

    def acquire(self) -> str:
        with self._mutex:
            if self._free:
                return self._free.pop()
            self._waiting += 1
            try:
                if not self._ready.wait_for(lambda: self._free, timeout=ACQUIRE_TIMEOUT_S):
                    raise _fault("alle motorens sessioner var optaget for længe.")
            finally:
                self._waiting -= 1
            return self._free.pop()

    def _put(self, sid: str) -> None:
        with self._mutex:
            self._free.append(sid)
            if self._waiting:
                self._ready.notify()

    def release(self, sid: str, healthy: bool, touched: bool) -> None:
        if healthy:
            if touched:
                self.used.add(sid)
            self._put(sid)
            return
        with _lock:
            self.retired += 1
            self.used.discard(sid)
            if not self.exhausted:
                self._put(self._new())


class _Compiled:
    def __init__(self, key: str, name: str, specs: dict[str, Any], handle: Any = None) -> None:
        self.key = key
        self.name = name
        self.specs = specs
        self.handle = handle  # the C engine's ruleset handle (routing posts to it directly)
        #: Every field a rule's condition reads: what a fact must carry (the rest is left out).
        self.reads = frozenset(name for spec in specs.values() for name in _fields_read(spec.condition))
        self.sids = _SidPool("w")
        self.users = 0  # calls in flight (guarded by _lock)
        self.closing = False  # released or regenerated: freed when no call uses it
        self.freed = False


_compiled: dict[str, _Compiled] = {}


def _fields_read(condition: Any) -> set[str]:
    """The event or fact fields a durable condition tests: ``{"f": v}``, ``{"$gte": {"f": v}}``,
    ``{"$nex": {"f": 1}}``, nested in ``$and``/``$or`` lists."""
    if isinstance(condition, list):
        return {name for part in condition for name in _fields_read(part)}
    found: set[str] = set()
    for key, value in condition.items():
        if key in ("$and", "$or"):
            found |= _fields_read(value)
        elif key.startswith("$"):
            found |= set(value)
        else:
            found.add(key)
    return found


def _fault(what: str) -> EngineError:
    return EngineError(
        "Regelmotoren fejlede; der er ikke truffet nogen afgørelse.",
        [Problem("regelmotoren", what, "Prøv igen; sker det igen, så kontakt systemets ejer. Sagen må ikke afgøres på et lavere niveau.")],
    )


def _action(rule_name: str) -> Callable[[Any], None]:
    """durable registers a rule only with an action. Ours never run: routing and the
    documentation check drive the C engine and read each fired rule from the action message."""

    def run(c: Any) -> None:
        return None

    return run


def _get_host() -> _QuietHost:
    global _host
    if _host is None:
        _host = _QuietHost()
    return _host


_generations = itertools.count()
_faults: list[float] = []  # monotonic times of recent engine faults
_stats = {"faults": 0, "regenerated": 0, "freed": 0}


def _checkout(key: str, build: Callable[[], tuple[dict[str, Any], dict[str, Any]]]) -> _Compiled:
    """The current ruleset for ``key`` with one more user; registered on first use, and
    regenerated when faults have used up its sids."""
    with _lock:
        found = _compiled.get(key)
        if found is not None and found.sids.exhausted:
            _retire(found)
            _stats["regenerated"] += 1
            found = None
        if found is None:
            definition, specs = build()
            name = f"{key}_g{next(_generations)}"
            try:
                _get_host().register_rulesets({name: definition})
            except Exception as exc:  # noqa: BLE001 - any failure here means no engine
                raise _fault(f"planen kunne ikke oversættes til regelmotoren ({type(exc).__name__}).") from None
            found = _compiled[key] = _Compiled(key, name, specs, _get_host()._ruleset_directory[name]._handle)
        found.users += 1
        return found


def _checkin(compiled: _Compiled) -> None:
    with _lock:
        compiled.users -= 1
        if compiled.closing and compiled.users == 0:
            _free(compiled)


def _retire(compiled: _Compiled) -> None:
    """Stop handing out ``compiled``; free it now if no call uses it (caller holds _lock)."""
    if _compiled.get(compiled.key) is compiled:
        del _compiled[compiled.key]
    compiled.closing = True
    if compiled.users == 0:
        _free(compiled)


def _free(compiled: _Compiled) -> None:
    """Delete the clean sids' states, then the ruleset (caller holds _lock; no call uses it)."""
    if compiled.freed:
        return
    compiled.freed = True
    host = _get_host()
    ruleset = host._ruleset_directory.pop(compiled.name, None)
    if ruleset is None:
        return
    if ruleset in host._ruleset_list:
        host._ruleset_list.remove(ruleset)
    for sid in compiled.sids.used:
        with contextlib.suppress(Exception):  # a state that cannot be deleted is left (bounded by faults)
            ruleset.delete_state(sid)
    _durable_c.delete_ruleset(ruleset._handle)
    _stats["freed"] += 1


def release(plan: Plan) -> None:
    """The plan is no longer served: free its rulesets once no call uses them. A later call
    with the same plan registers them again."""
    with _lock:
        for prefix in ("kp", "kpdok"):
            found = _compiled.get(f"{prefix}_{plan.meta.id}_{plan.fingerprint}")
            if found is not None:
                _retire(found)


def _record_fault() -> None:
    now = time.monotonic()
    with _lock:
        _stats["faults"] += 1
        _faults.append(now)
        while _faults and _faults[0] < now - RECENT_FAULT_S:
            _faults.pop(0)


def health() -> dict[str, Any]:
    """The engine's state for ``/health``: degraded after recent faults or with no free sid."""
    now = time.monotonic()
    with _lock:
        recent = sum(t >= now - RECENT_FAULT_S for t in _faults)
        rulesets = len(_compiled)
        starved = sum(c.sids.free_count() == 0 and c.sids.exhausted for c in _compiled.values())
        retired = sum(c.sids.retired for c in _compiled.values())
    return {
        "status": "degraded" if recent or starved else "ok",
        "faults_total": _stats["faults"],
        "faults_recent": recent,
        "retired_sessions": retired,
        "rulesets": rulesets,
        "regenerated": _stats["regenerated"],
        "freed": _stats["freed"],
    }


def compiled_for(plan: Plan) -> _Compiled:
    """The routing ruleset of a plan (keyed by the plan's content), checked out: the caller
    must `_checkin` it (`_Session` does)."""

    def build() -> tuple[dict[str, Any], dict[str, Any]]:
        specs = list(plan.rule_specs)
        return ruleset_definition(specs, _action), {s.name: s for s in specs}

    return _checkout(f"kp_{plan.meta.id}_{plan.fingerprint}", build)


def compiled_requirements_for(plan: Plan) -> _Compiled:
    """The documentation-check ruleset of a plan, checked out like `compiled_for`."""

    def build() -> tuple[dict[str, Any], dict[str, Any]]:
        specs = requirement_specs(plan)
        return requirement_definition(specs, _action), {s.name: s for s in specs}

    return _checkout(f"kpdok_{plan.meta.id}_{plan.fingerprint}", build)


def _event(values: Mapping[str, Value], extra: Mapping[str, Any], kind: str, cid: str, sid: str) -> dict[str, Any]:
    # Bools are posted as 1/0 (`event_value`); a float must print without an exponent.
    event: dict[str, Any] = {}
    for name, v in itertools.chain(values.items(), extra.items()):
        if v.__class__ is bool:
            v = 1 if v else 0
        elif v.__class__ is float and _PLAIN_NUMBER.fullmatch(repr(v)) is None:
            raise _fault("et tal kan ikke skrives uden eksponent, og durable-rules kan kun læse almindelige decimaltal.")
        event[name] = v
    event.update(kind=kind, cid=cid, sid=sid)
    return event


#: One encoder for every event and fact (``json.dumps`` with options builds one per call).
_to_json = json.JSONEncoder(ensure_ascii=False).encode


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
        self.touched = False

    def __enter__(self) -> _Session:
        try:
            self.sid = self.compiled.sids.acquire()
        except BaseException:
            _checkin(self.compiled)
            raise
        return self

    def cleanup(self, undo: Callable[[], Any]) -> None:
        try:
            undo()
        except Exception:  # noqa: BLE001 - a sid that cannot be cleaned is retired
            self.healthy = False

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: Any) -> Literal[False]:
        if kind is not None and issubclass(kind, EngineError) and not self.touched:
            self.healthy = True  # raised before durable was touched
        self.compiled.sids.release(self.sid, self.healthy, self.touched)
        _checkin(self.compiled)
        if not self.healthy:
            _record_fault()
        if exc is not None and isinstance(exc, Exception) and not isinstance(exc, EngineError):
            raise _engine_error(exc) from None
        if exc is None and not self.healthy:
            raise _fault("en regel-handling fejlede inde i durable-rules.")
        return False


def route(plan: Plan, values: Mapping[str, Value]) -> RuleSpec:
    """Post a validated case to durable-rules as an event; return the rule that fired first.
    The event carries the values some rule reads (the rest cannot change which rule fires)."""
    compiled = compiled_for(plan)
    reads = compiled.reads
    with _Session(compiled) as session:
        event = _event({name: value for name, value in values.items() if name in reads}, {}, "case", f"c{next(_cids)}", session.sid)
        session.touched = True
        fired = _fire_first(compiled.handle, _to_json(event))
        session.healthy = True
    spec = compiled.specs.get(fired)
    if spec is None:
        raise _fault("durable-rules returnerede en ukendt regel.")
    return spec


def _fire_first(handle: Any, event: str) -> str:
    """The event through durable's C engine: assert it, take the one action it starts, complete
    it. This is what durable's ``Host.post`` does, without its Python closures, promises and the
    JSON round trip of the state; an event is consumed by the first rule in priority order, so
    exactly one action must start. Anything else is a fault, and the caller retires the sid."""
    code, state = _durable_c.assert_event(handle, event)
    if code != 0:
        raise _fault(f"durable-rules afviste sagen (kode {code}).")
    action = _durable_c.start_action_for_state(handle, state)
    if not action:
        raise _fault("durable-rules returnerede uden resultat.")
    try:
        fired = _action_name(action[1])
        _durable_c.update_state(handle, action[0])
        more = _durable_c.complete_and_start_action(handle, state)
    except BaseException:
        _durable_c.abandon_action(handle, state)
        raise
    if more:
        raise _fault("mere end én regel startede for samme sag.")
    return fired


def unmet_requirements(plan: Plan, values: Mapping[str, Value], flags: Mapping[str, int]) -> list[RequirementSpec]:
    """Assert one submission fact, collect every requirement rule that fires, always retract.

    The fact carries only the values some requirement rule reads (their conditions name them;
    the rest cannot change which rules fire): each fired action hands the whole fact back, so
    a smaller fact is a cheaper cycle."""
    compiled = compiled_requirements_for(plan)
    handle = compiled.handle
    reads = compiled.reads
    with _Session(compiled) as session:
        read = {name: value for name, value in values.items() if name in reads}
        fact = _to_json(_event(read, flags, "sub", f"f{next(_cids)}", session.sid))
        session.touched = True
        try:
            fired = _fire_all(handle, fact)
            if SEEN not in fired:  # not even the rule every fact meets: the sid is not trusted
                raise _fault("durable-rules returnerede uden resultat.")
            session.healthy = True
        finally:
            session.cleanup(lambda: _retract(handle, fact))
    specs = compiled.specs
    unknown = [name for name in fired if name not in specs]
    if unknown:
        raise _fault("durable-rules returnerede en ukendt regel.")
    return [specs[name] for name in fired if name != SEEN]


def applicable_requirements(plan: Plan, values: Mapping[str, Value]) -> frozenset[str]:
    """The codes of the requirements durable-rules says apply to a case at a level (``values``
    holds the case's inputs and ``niveau``): one fact with every requirement "not met", so each
    applying requirement's rule fires (`unmet_requirements`). Which rules fire depends on the
    fact's values in `requirement_inputs` alone."""
    zero = plan.memo.get("unmet_flags")
    if zero is None:
        zero = plan.memo["unmet_flags"] = {ok_key(req.code): 0 for req in plan.requirements}
    return frozenset(str(spec.code) for spec in unmet_requirements(plan, values, zero))


def requirement_inputs(plan: Plan) -> tuple[str, ...]:
    """The values the requirement rules read, the flags aside: the case inputs their conditions
    name and ``niveau``, sorted; once per loaded plan."""
    found = plan.memo.get("requirement_inputs")
    if found is None:
        # From the specs, not `compiled_requirements_for(plan).reads`: that checks the ruleset
        # out, and one never checked in is never freed on a reload.
        read = {name for spec in requirement_specs(plan) for name in _fields_read(spec.condition)}
        found = plan.memo["requirement_inputs"] = tuple(sorted(read - {ok_key(req.code) for req in plan.requirements} - {"kind"}))
    return found


def _fire_all(handle: Any, fact: str) -> list[str]:
    """Assert a fact through durable's C engine and complete every action it starts, in order
    (what ``Host.assert_fact`` does, without its Python closures); the rules that fired."""
    code, state = _durable_c.assert_fact(handle, fact)
    if code != 0:
        raise _fault(f"durable-rules afviste indstillingen (kode {code}).")
    fired: list[str] = []
    action = _durable_c.start_action_for_state(handle, state)
    if not action:
        return fired
    state_json, message = action
    try:
        while message:
            fired.append(_action_name(message))
            _durable_c.update_state(handle, state_json)
            message = _durable_c.complete_and_start_action(handle, state)
    except BaseException:
        _durable_c.abandon_action(handle, state)
        raise
    return fired


def _action_name(message: str) -> str:
    """The rule an action message is for: durable writes ``{"<rule>":{"m":{...the event...}}}``.
    Our rule names (r12, q3, seen) need no escaping, so the name is read without parsing the
    event; anything else is parsed in full, and an unknown name is a fault at the caller."""
    end = message.find('"', 2)
    if message.startswith('{"') and message.startswith('":', end):
        return message[2:end]
    return str(next(iter(json.loads(message))))


def _retract(handle: Any, fact: str) -> None:
    """Retract the fact; no rule may start on its retraction (the sid is then not clean)."""
    code, state = _durable_c.retract_fact(handle, fact)
    if code != 0 or _durable_c.start_action_for_state(handle, state):
        raise _fault("indstillingen kunne ikke trækkes tilbage fra regelmotoren.")
