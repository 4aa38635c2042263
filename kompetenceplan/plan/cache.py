"""A per-user cache of loaded plans, so a command starts without parsing and checking the plan.

A plan is cached after a full, successful `loader.load_plan` and found again only by a key of
everything the loaded plan is made of: the folder as named, every file's name and bytes, the
Python version and the program itself (the bytes of the modules that make a plan and the
installed pydantic, taken once per process: `PROGRAM`). A changed byte, a renamed file, another Python or another version of the package is a
miss, and the plan is loaded and checked from scratch. Nothing is ever stored for a plan that
failed to load, so every error still comes from the loader.

The cache is only a shortcut, never a source of truth: whatever goes wrong with it (a missing,
foreign or writable-by-others folder, a corrupt or truncated entry, a full disk) means the plan
is loaded as if there were no cache. Entries are pickles, so they are read only from a folder
that belongs to the user and nobody else may write to, only when their checksum holds, and only
with the classes a plan is made of.

    $KOMPETENCEPLAN_CACHE_DIR          the folder (default $XDG_CACHE_HOME/kompetenceplan,
                                       else ~/.cache/kompetenceplan)
    KOMPETENCEPLAN_NO_CACHE=1          never read or write the cache
"""

from __future__ import annotations

import contextlib
import io
import os
import pickle
import stat
import sys
import time
from pathlib import Path
from typing import Any

from ..law import floor_for
from .files import fingerprint, plan_files, read_snapshot, sha256
from .model import Plan, consent_rules, statutory_floors
from .operators import OPERATORS

ENV_DIR = "KOMPETENCEPLAN_CACHE_DIR"
ENV_OFF = "KOMPETENCEPLAN_NO_CACHE"
#: Entries kept; the oldest are removed when a new one is written.
MAX_ENTRIES = 32
_MAGIC = b"KPLAN-CACHE-1\n"
_PACKAGE = Path(__file__).resolve().parent.parent


def load_plan(path: str | Path) -> Plan:
    """The plan in folder ``path``: from the cache when nothing it is made of has changed,
    otherwise loaded by `loader.load_plan` (every check, every error) and then cached."""
    folder = Path(path)
    where = cache_dir()
    key = None
    if where is not None:
        try:
            key = entry_key(folder)
        except OSError:
            key = None
        if key is not None:
            cached = _read(where / f"{key}.plan")
            if cached is not None:
                return cached
    from .loader import load_plan as load_fresh

    plan = load_fresh(folder)
    # Stored only under the key of the bytes the loader used (it read them, checked them and
    # confirmed them unchanged): a file that changed after the key was taken is not stored.
    if where is not None and key is not None and key.endswith(plan.fingerprint):
        with contextlib.suppress(OSError):
            _write(where, f"{key}.plan", plan)
    return plan


def cache_dir() -> Path | None:
    """The cache folder if it may be used: created 0700 if missing, owned by this user, not
    writable by anyone else and not a symbolic link. None means: do not cache."""
    if os.environ.get(ENV_OFF, "").strip() not in ("", "0"):
        return None
    configured = os.environ.get(ENV_DIR, "").strip()
    base = os.environ.get("XDG_CACHE_HOME", "").strip()
    if configured and Path(configured).is_absolute():
        where = Path(configured)
    else:  # a relative path is ignored, as the XDG specification says (it would follow the cwd)
        where = (Path(base) if base and Path(base).is_absolute() else Path.home() / ".cache") / "kompetenceplan"
    try:
        where.mkdir(mode=0o700, parents=True, exist_ok=True)
        return where if _private(where.lstat(), directory=True) else None
    except (OSError, RuntimeError):  # RuntimeError: no home folder
        return None


def entry_key(folder: Path) -> str | None:
    """The cache key of the plan in ``folder`` as it is now, or None when the loader must
    speak (no files, an unreadable or oversized file). It ends with the plan's fingerprint."""
    if PROGRAM is None:
        return None
    problems: list[Any] = []
    files = plan_files(folder)
    snapshot = read_snapshot(files, problems) if files else {}
    if not snapshot or problems:
        return None
    digest = sha256()
    for part in (str(folder), sys.version, PROGRAM):
        digest.update(part.encode("utf-8", "surrogatepass") + b"\0")
    for file, raw in snapshot.items():
        digest.update(file.name.encode("utf-8", "surrogatepass") + b"\0" + raw + b"\0")
    return f"{digest.hexdigest()[:40]}-{fingerprint(snapshot)}"


#: The modules whose code makes a loaded plan (the plan package and what it imports from the
#: package; `tests/test_plan_cache.py` checks the list against what the loader imports).
PLAN_MODULES = ("errors.py", "law.py", "danish.py", "plan")
#: Libraries whose behaviour the loader depends on (pydantic validates the rule format).
LIBRARIES = ("pydantic", "pydantic_core")


def program_digest(package: Path) -> str | None:
    """A hash of the bytes of every module that makes a loaded plan, and of the installed
    libraries' versions (by their files' size and time). None — no cache — if one is missing."""
    from importlib.util import find_spec

    digest = sha256()
    try:
        for entry in PLAN_MODULES:
            path = package / entry
            files = sorted(path.glob("*.py")) if path.is_dir() else [path]
            if not files:
                return None
            for file in files:
                digest.update(str(file.relative_to(package)).encode() + b"\0" + file.read_bytes() + b"\0")
        for library in LIBRARIES:
            spec = find_spec(library)
            if spec is None or spec.origin is None:
                return None
            info = os.stat(spec.origin)
            digest.update(f"{library}:{spec.origin}:{info.st_size}:{info.st_mtime_ns}\0".encode())
    except (OSError, ValueError, ImportError):
        return None
    return digest.hexdigest()


#: Taken once, when the program starts: an entry is keyed by the code that is running, so a
#: process that outlives an upgrade never stores an old program's plan under the new one's key.
PROGRAM = program_digest(_PACKAGE)


def _private(info: os.stat_result, directory: bool) -> bool:
    kind = stat.S_ISDIR if directory else stat.S_ISREG
    mine = not hasattr(os, "getuid") or info.st_uid == os.getuid()
    return kind(info.st_mode) and mine and not info.st_mode & 0o022


def _read(file: Path) -> Plan | None:
    try:
        fd = os.open(file, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return None
    try:
        with os.fdopen(fd, "rb") as handle:
            if not _private(os.fstat(handle.fileno()), directory=False):
                return None
            data = handle.read()
        if not data.startswith(_MAGIC):
            return None
        checksum, payload = data[len(_MAGIC) : len(_MAGIC) + 32], data[len(_MAGIC) + 32 :]
        if sha256(payload).digest() != checksum:
            return None
        plan = _PlanUnpickler(io.BytesIO(payload)).load()
    except Exception:  # noqa: BLE001 - a cache entry that cannot be read is a miss, never a failure
        return None
    if not isinstance(plan, Plan) or not file.name.removesuffix(".plan").endswith(plan.fingerprint) or not _vouch(plan):
        return None
    return plan


def _vouch(plan: Plan) -> bool:
    """What the program itself, not the rule data, decides about a plan is taken from the
    program again, never from the entry: every operator is the program's own (the bulk router
    compiles their Python text), and the law's reserved bodies and consent rules are recomputed
    from the statute tables (`law`). An entry that disagrees is not used."""
    terms = [t for r in plan.rows for t in r.terms] + [t for r in plan.requirements for t in r.terms]
    terms += [t for implied in plan.implications.values() for t in implied]
    if any(t.operator is not OPERATORS.get(t.operator.name) for t in terms):
        return False
    paragraphs = plan.inputs[plan.meta.paragraph_input].values or {}
    every_floor_kept = all(code in plan.floors for code, v in paragraphs.items() if floor_for(v.law, v.section, v.stk) is not None)
    return every_floor_kept and plan.floors == statutory_floors(plan) and plan.consent_codes == consent_rules(plan)


def _write(where: Path, name: str, plan: Plan) -> None:
    import tempfile  # only on a miss: it is slow to import

    payload = pickle.dumps(plan, protocol=pickle.HIGHEST_PROTOCOL)
    fd, temporary = tempfile.mkstemp(dir=where, prefix=".tmp-", suffix=".tmp")  # mode 0600
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(_MAGIC + sha256(payload).digest() + payload)
        os.replace(temporary, where / name)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    _prune(where)


def _prune(where: Path) -> None:
    """Keep the newest entries; remove what an interrupted write left over an hour ago."""
    entries = sorted(where.glob("*.plan"), key=lambda p: p.stat().st_mtime_ns, reverse=True)
    for old in entries[MAX_ENTRIES:]:
        old.unlink(missing_ok=True)
    for left in where.glob(".tmp-*.tmp"):
        if time.time() - left.stat().st_mtime > 3600:
            left.unlink(missing_ok=True)


#: Where the classes of a plan live; `operator_named` restores an operator by its name.
_CLASS_MODULES = frozenset({"kompetenceplan.law", "kompetenceplan.plan.model", "kompetenceplan.plan.parts"})
_ALLOWED = frozenset({("kompetenceplan.plan.operators", "operator_named"), ("pathlib", "PosixPath"), ("pathlib", "WindowsPath"), ("datetime", "date")})


class _PlanUnpickler(pickle.Unpickler):
    """Reads only what a plan is made of: an entry naming anything else is refused."""

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in _ALLOWED:
            return super().find_class(module, name)
        if module in _CLASS_MODULES and not name.startswith("_"):
            found = super().find_class(module, name)
            if isinstance(found, type) and found.__module__ == module:  # defined there, not imported (Operator)
                return found
        raise pickle.UnpicklingError(f"{module}.{name} hører ikke til en plan")
