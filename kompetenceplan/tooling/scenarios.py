"""Scenario files: a plan owner's own tests, kept next to the plan (``rules/<plan>/scenarier/``).

Each scenario has a Danish sentence as its name, a case and what must happen::

    [[scenarios]]
    name = "Familiebehandling til 12.000 kr. om måneden afgøres af rådgiveren"
    case = { paragraf = "bl-32-1-5", trin = 3, maanedlig_udgift = 12000, ... }
    expect = { level = "raadgiver", row = "B-TRIN-1" }

``on`` (a date) picks the plan version; ``expect`` is either a level (with the deciding ``row``, or ``escalated = true``) or an
``error`` (CaseError, MissingInputError, or PlanError when no version is in force) with the
``fields`` the error must name (words that must appear in where the problems are).
"""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from ..api import decide
from ..errors import CaseError, KompetenceplanError, MissingInputError, PlanError, Problem
from ..plan.model import Plan
from ..plan.versions import PlanSet


class Expect(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    level: str | None = None
    row: str | None = None
    escalated: bool = False
    error: Literal["CaseError", "MissingInputError", "PlanError"] | None = None
    fields: list[str] = []

    @model_validator(mode="after")
    def _one_kind(self) -> Expect:
        if (self.level is None) == (self.error is None):
            raise ValueError("angiv enten level eller error")
        if self.level is not None and (self.row is None) != self.escalated:
            raise ValueError("et niveau kræver enten row (rækken der afgør) eller escalated = true")
        if self.error is not None and not self.fields:
            raise ValueError("en forventet fejl kræver fields (de felter, fejlen skal nævne)")
        return self


class Scenario(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    name: str = Field(min_length=10, max_length=300)
    on: dt.date | None = Field(default=None, description="the date (plan version) to route on")
    case: dict[str, Any]
    expect: Expect
    file: str = ""


class _ScenarioFile(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    scenarios: list[Scenario]


@dataclass(frozen=True)
class Result:
    scenario: Scenario
    passed: bool
    detail: str


def load_scenarios(*paths: Path) -> list[Scenario]:
    """Scenarios from TOML files or folders of them; names must be unique."""
    files: list[Path] = []
    for path in paths:
        files.extend(sorted(path.glob("*.toml")) if path.is_dir() else [path])
    out: list[Scenario] = []
    problems: list[Problem] = []
    for file in files:
        try:
            data = tomllib.loads(file.read_text(encoding="utf-8"))
            parsed = _ScenarioFile.model_validate(data)
        except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            problems.append(Problem(str(file), f"kan ikke læses ({exc}).", "Ret filen."))
            continue
        except ValidationError as exc:
            for err in exc.errors(include_url=False, include_input=False):
                loc = ".".join(str(x) for x in err["loc"])
                problems.append(Problem(f"{file}: {loc}", err["msg"], "Se formatet i docs/rule-format.md, afsnittet Scenario files."))
            continue
        out.extend(s.model_copy(update={"file": str(file)}) for s in parsed.scenarios)
    names = [s.name for s in out]
    problems.extend(Problem(s.file, f"scenariet '{s.name}' findes flere gange.", "Giv hvert scenarie et unikt navn.") for i, s in enumerate(out) if names.index(s.name) != i)
    if problems:
        raise PlanError("Scenarierne kan ikke indlæses.", problems)
    return out


def run_scenario(plan: Plan | PlanSet, scenario: Scenario) -> Result:
    """Route the scenario's case (on its date, default the newest version) and compare."""
    expect = scenario.expect
    on = scenario.on
    if on is None and isinstance(plan, PlanSet):
        on = plan.latest.meta.valid_from
    try:
        decision = decide(plan, scenario.case, on=on)
    except (CaseError, MissingInputError, PlanError) as exc:
        if expect.error is None:
            return Result(scenario, False, f"forventede {expect.level}, fik fejl: {exc.render()}")
        if type(exc).__name__ != expect.error:
            return Result(scenario, False, f"forventede {expect.error}, fik {type(exc).__name__}: {exc.render()}")
        named = {p.where.rsplit(".", 1)[-1] for p in exc.problems} | {w for p in exc.problems for w in p.where.split()}
        missing = [f for f in expect.fields if f not in named]
        if missing:
            return Result(scenario, False, f"fejlen nævner ikke {', '.join(missing)}: {exc.render()}")
        return Result(scenario, True, f"{expect.error} som forventet")
    except KompetenceplanError as exc:
        return Result(scenario, False, f"uventet fejl: {exc.render()}")
    if expect.error is not None:
        return Result(scenario, False, f"forventede {expect.error}, fik niveauet {decision.level.id}")
    got = (decision.level.id, decision.deciding_row, decision.escalated)
    want = (expect.level, expect.row, expect.escalated)
    if got != want:
        return Result(scenario, False, f"forventede niveau {want[0]} (række {want[1]}), fik {got[0]} (række {got[1]})")
    return Result(scenario, True, f"{decision.level.id} ({decision.deciding_row or 'eskaleret'})")
