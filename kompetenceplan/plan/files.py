"""A plan folder's files as bytes: one consistent snapshot and its content fingerprint.

Light on purpose (no parsing): the plan cache keys on the same snapshot the loader reads.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import PlanError, Problem

if TYPE_CHECKING:
    from .model import Plan

MAX_FILE_BYTES = 2_000_000


def _sha256() -> Callable[..., Any]:
    """The interpreter's own SHA-256 (the same digest; a test holds it equal to hashlib's):
    hashlib would load OpenSSL first, ≈ 2 ms of every CLI start."""
    for module in ("_sha2", "_sha256"):  # Python 3.12, 3.11
        try:
            return import_module(module).sha256
        except (ImportError, AttributeError):
            continue
    from hashlib import sha256

    return sha256


sha256 = _sha256()


def plan_files(folder: Path) -> list[Path]:
    """The plan's TOML files in the order they are read (by name)."""
    return sorted(p for p in folder.glob("*.toml") if p.is_file())


#: A UTF-8 byte order mark, which some Windows editors write; it is skipped, not an error.
BOM = b"\xef\xbb\xbf"


def read_snapshot(files: list[Path], problems: list[Problem]) -> dict[Path, bytes]:
    """Every file's bytes, read before anything is parsed. Unreadable files are problems."""
    out: dict[Path, bytes] = {}
    for file in files:
        try:
            if file.stat().st_size > MAX_FILE_BYTES:
                problems.append(Problem(str(file), f"filen er større end {MAX_FILE_BYTES} bytes.", "Del planen i flere filer."))
                continue
            out[file] = file.read_bytes()
        except OSError as exc:
            problems.append(Problem(str(file), f"filen kan ikke læses ({exc.strerror or type(exc).__name__}).", "Kontrollér filens rettigheder, og at den ikke er ved at blive skrevet."))
    return out


def fingerprint(snapshot: dict[Path, bytes]) -> str:
    """The plan's content fingerprint: a hash of its files' names and bytes."""
    digest = sha256()
    for file, raw in snapshot.items():
        digest.update(file.name.encode() + b"\0" + raw + b"\0")
    return digest.hexdigest()[:16]


def verify_unchanged(plan: Plan) -> None:
    """Read the plan's files again: a file written while the plan was read (an editor saving)
    could leave a half-edited plan that still parses. Refuse it; the caller tries again later."""
    files = plan_files(plan.path)
    problems: list[Problem] = []
    again = read_snapshot(files, problems)
    if problems or fingerprint(again) != plan.fingerprint:
        raise PlanError(
            f"Planen i {plan.path} blev ændret, mens den blev læst.",
            [Problem(str(plan.path), "filerne ændrede sig under indlæsningen; en halvt gemt plan bruges aldrig.", "Vent til alle filer er gemt, og indlæs planen igen.")],
        )
