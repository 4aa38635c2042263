"""Dated versions: a plan folder can hold several versions, each in force from its ``valid_from``.

    rules/<plan>/plan.toml …          one version, or
    rules/<plan>/<version>/plan.toml  several (any subfolder with TOML files except scenarier/)

A decision on a date uses the version in force that day; a date no version covers is an error,
never a guess. Amounts carry their price year (``price_year``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from ..errors import PlanError, Problem
from .cache import load_plan
from .model import Plan

SCENARIO_FOLDER = "scenarier"


@dataclass(frozen=True, eq=False)
class PlanSet:
    """The versions of one plan, oldest first."""

    path: Path
    versions: tuple[Plan, ...]

    def in_force(self, on: dt.date) -> Plan:
        """The version in force on ``on``; `PlanError` if none is."""
        found = None
        for plan in self.versions:
            if plan.meta.valid_from <= on and (plan.meta.valid_to is None or on <= plan.meta.valid_to):
                found = plan
        if found is None:
            periods = "; ".join(f"{p.meta.version}: {p.meta.valid_from} – {p.meta.valid_to or ''}" for p in self.versions)
            raise PlanError(
                "Ingen version af planen er i kraft på datoen.",
                [Problem(f"{self.path} på {on.isoformat()}", f"datoen ligger uden for alle versioner ({periods}).", "Vælg en dato i en versions gyldighedsperiode, eller tilføj en version.")],
            )
        return found

    @property
    def latest(self) -> Plan:
        return self.versions[-1]

    @property
    def scenario_dir(self) -> Path:
        return self.path / SCENARIO_FOLDER


def version_folders(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.is_dir() and p.name != SCENARIO_FOLDER and any(p.glob("*.toml")))


def load_plans(path: str | Path) -> PlanSet:
    """Load a plan folder with one or several versions; check that the periods do not overlap.
    Every failure is a `PlanError` (a reload must never fail with anything else)."""
    folder = Path(path)
    try:
        return _load_plans(folder)
    except PlanError:
        raise
    except Exception as exc:  # noqa: BLE001 - unreadable folders, nesting too deep, bugs: never a crash
        what = "mappen kan ikke læses" if isinstance(exc, OSError) else "planen kunne ikke læses"
        raise PlanError(
            "Planen kunne ikke indlæses.",
            [Problem(str(folder), f"{what} ({type(exc).__name__}).", "Kontrollér mappen og filernes rettigheder og indhold; den hidtidige plan bruges stadig.")],
        ) from None


def _load_plans(folder: Path) -> PlanSet:
    if folder.is_dir() and not any(folder.glob("*.toml")) and version_folders(folder):
        versions = [load_plan(sub) for sub in version_folders(folder)]
    else:
        versions = [load_plan(folder)]
    versions.sort(key=lambda p: p.meta.valid_from)
    problems = []
    for plan in versions:
        if plan.meta.valid_to is not None and plan.meta.valid_to < plan.meta.valid_from:
            problems.append(Problem(f"{plan.path}: plan.valid_to", "slutter før den begynder.", "Ret valid_to eller valid_from."))
    for old, new in zip(versions, versions[1:], strict=False):
        if old.meta.id != new.meta.id:
            problems.append(Problem(f"{new.path}: plan.id", f"versionerne har forskellige id'er ({old.meta.id}, {new.meta.id}).", "Giv alle versioner samme plan-id."))
        if old.meta.valid_to is None or old.meta.valid_to >= new.meta.valid_from:
            problems.append(
                Problem(
                    f"{old.path}: plan.valid_to",
                    f"version {old.meta.version} overlapper {new.meta.version}, der gælder fra {new.meta.valid_from}.",
                    f"Sæt valid_to = {new.meta.valid_from - dt.timedelta(days=1)} i version {old.meta.version}.",
                )
            )
    if problems:
        raise PlanError(f"Versionerne i {folder} passer ikke sammen.", problems)
    return PlanSet(folder, tuple(versions))
