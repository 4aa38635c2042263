"""`lint`: semantic analysis of a plan over its declared input domains.

Codes (stable, never reused):

- PLAN-001 hul: a region of valid cases no row covers (they escalate; the plan should say so).
- PLAN-002 modstridende rækker: two rows with the same conditions and different levels.
- PLAN-003 monotoni brudt: a higher step or cost gets a lower level somewhere.
- PLAN-004 overskygget række: a row that applies somewhere but never decides.
- PLAN-005 uopnåelig række: a row no valid case can meet.
- PLAN-006 scenarie med ukendt henvisning: a scenario names a level or row the plan lacks.
- PLAN-007 for mange rækker på én gang: a case meets more rows than durable-rules can handle in
  one event (error 303 above 64); such cases would be refused, never decided.
- PLAN-008 monotoni brudt på tværs af paragraffer: the lowest level a case on a higher step can
  get is below the lowest level on a lower step of the same area (e.g. § 108 on trin 6 to the
  advisor while § 107 on trin 5 goes to the committee).
- PLAN-009 ubrugt input: an input no row, requirement, implication or special role reads.
- PLAN-015 lovbestemt paragraf uden scenarie: a paragraph the law reserves for a statutory body
  has no scenario in the plan's scenario files.
- PLAN-010 … PLAN-014: the loader's refusals (format, unknown references, statutory floors,
  tables too large for durable-rules, duplicates); the plan cannot be used until they are fixed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..engine.reference import MATCH, evaluate
from ..engine.routing import outcome_rank
from ..errors import PlanError
from ..plan.codes import CODES
from ..plan.model import Plan, PlanRow, Value
from .grid import Slice, slices, validated

#: durable-rules fails with error 303 when more rules than this match one event (measured: 64).
MAX_SIMULTANEOUS = 60

TITLES = {code: c.title for code, c in CODES.items()}


@dataclass(frozen=True)
class LintFinding:
    code: str
    where: str
    message: str
    hint: str
    example: dict[str, Any] | None = None
    other: dict[str, Any] | None = None

    @property
    def title(self) -> str:
        return TITLES[self.code]

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"code": self.code, "title": self.title, "where": self.where, "message": self.message, "hint": self.hint}
        if self.example is not None:
            out["example"] = self.example
        if self.other is not None:
            out["other"] = self.other
        return out

    def render(self) -> str:
        text = f"{self.code} {self.title}: {self.where}\n    {self.message}\n    Sådan rettes det: {self.hint}"
        if self.example is not None:
            text += f"\n    Eksempel: {_case_text(self.example)}"
        if self.other is not None:
            text += f"\n    Sammenlign: {_case_text(self.other)}"
        return text


def _case_text(case: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in case.items())


def loader_findings(error: PlanError) -> list[LintFinding]:
    """The loader's problems as lint findings (PLAN-010 where the loader gave no code)."""
    return [LintFinding(p.code or "PLAN-010", p.where, p.what, p.fix) for p in error.problems]


@dataclass
class _Point:
    case: dict[str, Value]
    rank: int
    deciding: str | None
    matched: list[str] = field(default_factory=list)


def _row_where(row: PlanRow) -> str:
    return f"{row.file}: rows (id {row.id})"


def lint(plan: Plan, scenario_dir: Path | None = None) -> list[LintFinding]:
    """Every finding for a loaded plan, in code order."""
    findings: list[LintFinding] = []
    findings += _conflicts(plan)
    matched_anywhere: set[str] = set()
    decided_anywhere: set[str] = set()
    shadow_example: dict[str, tuple[dict[str, Value], str | None]] = {}
    monotonicity: dict[tuple[str | None, str], tuple[LintFinding, list[str]]] = {}
    lowest: dict[tuple[Value, Value], _Point] = {}  # (area, step) -> the lowest-level case there
    for sl in slices(plan):
        points = _evaluate_slice(plan, sl)
        _keep_lowest(plan, sl, points, lowest)
        for point in points.values():
            matched_anywhere.update(point.matched)
            if point.deciding:
                decided_anywhere.add(point.deciding)
            for row_id in point.matched:
                shadow_example.setdefault(row_id, (point.case, point.deciding))
        findings += _gaps(plan, sl, points)
        crowded = max(points.values(), key=lambda p: len(p.matched), default=None)
        if crowded is not None and len(crowded.matched) > MAX_SIMULTANEOUS:
            findings.append(
                LintFinding(
                    "PLAN-007",
                    f"{plan.path}: paragraf {sl.paragraph}",
                    f"{len(crowded.matched)} rækker gælder samtidig for en sag; durable-rules fejler over {MAX_SIMULTANEOUS}, og sagen kan så ikke afgøres.",
                    "Saml rækker med samme niveau, eller brug færre overlappende beløbsgrænser.",
                    dict(crowded.case),
                )
            )
        for mono_key, finding in _monotonicity(plan, sl, points):
            if mono_key in monotonicity:
                monotonicity[mono_key][1].append(sl.paragraph)
            else:
                monotonicity[mono_key] = (finding, [sl.paragraph])
    for finding, paragraphs in monotonicity.values():
        also = f" Det samme gælder {len(paragraphs) - 1} andre paragraffer." if len(paragraphs) > 1 else ""
        findings.append(LintFinding(finding.code, finding.where, finding.message + also, finding.hint, finding.example, finding.other))
    findings += _step_monotonicity(plan, lowest)
    findings += _unused_inputs(plan)
    for row in plan.rows:
        if row.id not in matched_anywhere:
            findings.append(
                LintFinding(
                    "PLAN-005", _row_where(row), "ingen gyldig sag opfylder rækkens betingelser (fx et trin eller en paragraf, der udelukker hinanden).", "Ret betingelserne eller fjern rækken."
                )
            )
        elif row.id not in decided_anywhere:
            example, by = shadow_example[row.id]
            findings.append(
                LintFinding(
                    "PLAN-004",
                    _row_where(row),
                    f"rækken gælder, men afgør aldrig niveauet: en række på samme eller højere niveau gælder altid også (her {by}).",
                    "Fjern rækken, eller hæv dens niveau, hvis den skal løfte sagen.",
                    dict(example),
                )
            )
    if scenario_dir is not None and scenario_dir.is_dir():
        findings += _scenario_references(plan, scenario_dir)
        findings += _statutory_scenarios(plan, scenario_dir)
    return sorted(findings, key=lambda f: (f.code, f.where))


def _conflicts(plan: Plan) -> list[LintFinding]:
    seen: dict[frozenset, PlanRow] = {}
    out = []
    for row in plan.rows:
        key = frozenset(row.terms)
        first = seen.setdefault(key, row)
        if first is not row and first.level != row.level:
            low, high = sorted((first, row), key=lambda r: r.rank)
            out.append(
                LintFinding(
                    "PLAN-002",
                    _row_where(low),
                    f"samme betingelser som {high.id}, men niveauet {low.level} i stedet for {high.level}; {low.id} kan aldrig afgøre.",
                    f"Beslut hvilket niveau der gælder, og slet den anden række ({low.id} eller {high.id}).",
                )
            )
    return out


def _keep_lowest(plan: Plan, sl: Slice, points: dict[tuple[int, ...], _Point], lowest: dict[tuple[Value, Value], _Point]) -> None:
    """For each (area, step) the lowest-level case seen so far (the step monotonicity check's input)."""
    for point in points.values():
        area = point.case.get(plan.meta.area_input) or sl.fixed.get(plan.meta.area_input)
        step = point.case.get(plan.meta.step_input)
        if area is None or step is None:
            continue  # the grid always gives both; a case without them has no place on a ladder
        if (area, step) not in lowest or point.rank < lowest[(area, step)].rank:
            lowest[(area, step)] = point


def _evaluate_slice(plan: Plan, sl: Slice) -> dict[tuple[int, ...], _Point]:
    points = {}
    for index, raw in sl.cases():
        case = validated(plan, raw)
        if case is None:
            continue
        ev = evaluate(plan, case)
        rank = outcome_rank(plan, ev.outcome)
        points[index] = _Point(raw, rank, ev.outcome.row_id, [r.id for r in ev.rows_with(MATCH)])
    return points


def _gaps(plan: Plan, sl: Slice, points: dict[tuple[int, ...], _Point]) -> list[LintFinding]:
    holes = [p for p in points.values() if not p.matched]
    if not holes:
        return []
    escalation = plan.levels[plan.escalation_rank].name
    return [
        LintFinding(
            "PLAN-001",
            f"{plan.path}: paragraf {sl.paragraph}",
            f"{len(holes)} af {len(points)} grænsetilfælde for {sl.paragraph} dækkes af ingen række og eskaleres til {escalation}.",
            "Tilføj en række, der dækker tilfældene (typisk et trin eller et beløbsinterval).",
            dict(holes[0].case),
        )
    ]


def _monotonicity(plan: Plan, sl: Slice, points: dict[tuple[int, ...], _Point]) -> list[tuple[tuple[str | None, str], LintFinding]]:
    """(row that stops applying, input) -> a finding with the example pair."""
    out = []
    for axis_no, axis in enumerate(sl.axes):
        if not plan.inputs[axis.name].monotone:
            continue
        for index, point in points.items():
            if index[axis_no] + 1 >= len(axis.values):
                continue
            higher = points.get(index[:axis_no] + (index[axis_no] + 1,) + index[axis_no + 1 :])
            if higher is None or higher.rank >= point.rank:
                continue
            low_level, high_level = plan.levels[higher.rank].name, plan.levels[point.rank].name
            row = next((r for r in plan.rows if r.id == point.deciding), None)
            out.append(
                (
                    (point.deciding, axis.name),
                    LintFinding(
                        "PLAN-003",
                        _row_where(row) + f", {axis.name}" if row else f"{plan.path}: {axis.name}",
                        f"når {axis.name} hæves fra {point.case[axis.name]} til {higher.case[axis.name]}, falder niveauet fra {high_level} ({point.deciding}) til {low_level} ({higher.deciding}). Egen kompetence skal indskrænkes jo højere på trappen og beløbet, aldrig udvides.",
                        f"Ret rækken {point.deciding}, så den også gælder for højere værdier (brug gte frem for et lukket interval).",
                        dict(point.case),
                        dict(higher.case),
                    ),
                )
            )
            break  # one example per paragraph and input is enough to act on
    return out


def _scenario_references(plan: Plan, folder: Path) -> list[LintFinding]:
    from .scenarios import load_scenarios

    try:
        scenarios = load_scenarios(folder)
    except PlanError as exc:
        return [LintFinding("PLAN-006", p.where, p.what, p.fix) for p in exc.problems]
    levels = {lv.id for lv in plan.levels}
    rows = {r.id for r in plan.rows}
    out = []
    for s in scenarios:
        if s.expect.level is not None and s.expect.level not in levels:
            out.append(LintFinding("PLAN-006", f"{s.file}: {s.name}", f"ukendt niveau '{s.expect.level}'.", f"Brug et af: {', '.join(sorted(levels))}."))
        if s.expect.row is not None and s.expect.row not in rows:
            out.append(LintFinding("PLAN-006", f"{s.file}: {s.name}", f"ukendt række '{s.expect.row}'.", "Ret række-id'et; er rækken omdøbt, så ret scenariet."))
    return out


def _step_monotonicity(plan: Plan, lowest: dict[tuple[Value, Value], _Point]) -> list[LintFinding]:
    """PLAN-008: across all paragraphs of an area, the lowest reachable level never falls as the
    step rises ("egen kompetence indskrænkes jo højere på indsatstrappen")."""
    out = []
    areas = sorted({a for a, _ in lowest}, key=str)
    for area in areas:
        steps = sorted((s for a, s in lowest if a == area), key=lambda v: (v is None, v))
        floor: _Point | None = None
        for step in steps:
            point = lowest[(area, step)]
            if floor is not None and point.rank < floor.rank:
                out.append(
                    LintFinding(
                        "PLAN-008",
                        f"{plan.path}: område {area}, trin {step}",
                        f"den billigste sag på trin {step} afgøres af {plan.levels[point.rank].name} ({point.deciding or 'ingen regel'}), "
                        f"men selv den billigste sag på trin {floor.case.get(plan.meta.step_input)} kræver {plan.levels[floor.rank].name} "
                        f"({floor.deciding or 'ingen regel'}). Egen kompetence skal indskrænkes jo højere på indsatstrappen, også på tværs af paragraffer.",
                        "Hæv niveauet for paragraffen på det højere trin, eller ret trinnene for paragrafferne.",
                        dict(point.case),
                        dict(floor.case),
                    )
                )
            if floor is None or point.rank > floor.rank:
                floor = point
    return out


def _unused_inputs(plan: Plan) -> list[LintFinding]:
    """PLAN-009: an input nothing reads is either a mistake or a promise the engine does not keep."""
    meta = plan.meta
    read = {meta.area_input, meta.step_input, meta.paragraph_input, meta.consent_input, meta.urgent_input}
    read |= {t.input for r in plan.rows for t in r.terms}
    read |= {t.input for r in plan.requirements for t in r.terms}
    read |= {t.input for terms in plan.implications.values() for t in terms}
    read |= {c for r in plan.requirements for c in (r.check.monthly_input, r.check.duration_input) if c}
    for spec in plan.inputs.values():
        read |= set(spec.default_product or ()) | ({spec.at_least} if spec.at_least else set())
        for value in (spec.values or {}).values():
            read |= set(value.requires)
    return [
        LintFinding(
            "PLAN-009",
            f"{plan.input_files.get(name, plan.path)}: inputs.{name}",
            f"inputtet '{name}' ({spec.label}) læses af ingen række, intet dokumentationskrav og ingen paragraf; sagens værdi bruges ikke.",
            "Brug inputtet i en række eller et krav (eller som consent_input/urgent_input), eller fjern det.",
        )
        for name, spec in plan.inputs.items()
        if name not in read
    ]


def _statutory_scenarios(plan: Plan, folder: Path) -> list[LintFinding]:
    """PLAN-015: each paragraph the law reserves for a statutory body has a scenario of its own."""
    from .scenarios import load_scenarios

    try:
        scenarios = load_scenarios(folder)
    except PlanError:
        return []  # reported as PLAN-006
    covered = {s.case.get(plan.meta.paragraph_input) for s in scenarios}
    return [
        LintFinding(
            "PLAN-015",
            f"{plan.input_files.get(plan.meta.paragraph_input, plan.path)}: inputs.{plan.meta.paragraph_input}.values.{code}",
            f"{floor.reference} har intet scenarie i {folder}.",
            "Tilføj et scenarie med en dansk sætning som navn, der viser, at sagen går til det lovbestemte organ.",
        )
        for code, (_, floor) in sorted(plan.floors.items())
        if code not in covered
    ]
