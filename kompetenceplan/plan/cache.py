"""A per-user cache of loaded plans, so a command starts without parsing and checking the plan.

A plan is cached after a full, successful `loader.load_plan` and found again only by a key of
everything the loaded plan is made of: the folder as named, every file's name and bytes, the
Python version and the program itself (size and modification time of every module of the
package). A changed byte, a renamed file, another Python or another version of the package is a
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

import hashlib
import io
import os
import pickle
import stat
import sys
from pathlib import Path
from typing import Any

from ..errors import PlanError
from .files import fingerprint, plan_files, read_snapshot
from .model import Plan

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
    if where is not None and key is not None:
        try:
            # Store it under the key of the bytes the loader used (a file may have changed since).
            if entry_key(folder) == key and key.endswith(plan.fingerprint):
                _write(where, f"{key}.plan", plan)
        except (OSError, PlanError):
            pass
    return plan


def cache_dir() -> Path | None:
    """The cache folder if it may be used: created 0700 if missing, owned by this user, not
    writable by anyone else and not a symbolic link. None means: do not cache."""
    if os.environ.get(ENV_OFF, "").strip() not in ("", "0"):
        return None
    configured = os.environ.get(ENV_DIR, "").strip()
    if configured:
        where = Path(configured)
    else:
        base = os.environ.get("XDG_CACHE_HOME", "").strip()
        where = (Path(base) if base else Path.home() / ".cache") / "kompetenceplan"
    try:
        where.mkdir(mode=0o700, parents=True, exist_ok=True)
        return where if _private(where.lstat(), directory=True) else None
    except (OSError, RuntimeError):  # RuntimeError: no home folder
        return None


def entry_key(folder: Path) -> str | None:
    """The cache key of the plan in ``folder`` as it is now, or None when the loader must
    speak (no files, an unreadable or oversized file). It ends with the plan's fingerprint."""
    problems: list[Any] = []
    files = plan_files(folder)
    snapshot = read_snapshot(files, problems) if files else {}
    if not snapshot or problems:
        return None
    digest = hashlib.sha256()
    for part in (str(folder), sys.version, _program_stamp()):
        digest.update(part.encode("utf-8", "surrogatepass") + b"\0")
    for file, raw in snapshot.items():
        digest.update(file.name.encode("utf-8", "surrogatepass") + b"\0" + raw + b"\0")
    return f"{digest.hexdigest()[:40]}-{fingerprint(snapshot)}"


def _program_stamp() -> str:
    """Every module of the package by path, size and modification time: an edited, upgraded or
    reinstalled program never reads an entry an older one wrote."""
    parts = []
    for root, dirs, names in os.walk(_PACKAGE):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(names):
            if name.endswith(".py"):
                info = os.stat(os.path.join(root, name))
                parts.append(f"{os.path.relpath(os.path.join(root, name), _PACKAGE)}:{info.st_size}:{info.st_mtime_ns}")
    return "\n".join(parts)


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
        if hashlib.sha256(payload).digest() != checksum:
            return None
        plan = _PlanUnpickler(io.BytesIO(payload)).load()
    except Exception:  # noqa: BLE001 - a cache entry that cannot be read is a miss, never a failure
        return None
    if not isinstance(plan, Plan) or not file.name.removesuffix(".plan").endswith(plan.fingerprint):
        return None
    return plan


def _write(where: Path, name: str, plan: Plan) -> None:
    import tempfile  # only on a miss: it is slow to import

    payload = pickle.dumps(plan, protocol=pickle.HIGHEST_PROTOCOL)
    fd, temporary = tempfile.mkstemp(dir=where, prefix=".tmp-", suffix=".plan")  # mode 0600
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(_MAGIC + hashlib.sha256(payload).digest() + payload)
        os.replace(temporary, where / name)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    _prune(where)


def _prune(where: Path) -> None:
    entries = sorted(where.glob("*.plan"), key=lambda p: p.stat().st_mtime_ns, reverse=True)
    for old in entries[MAX_ENTRIES:]:
        old.unlink(missing_ok=True)


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
            if isinstance(found, type):
                return found
        raise pickle.UnpicklingError(f"{module}.{name} hører ikke til en plan")
