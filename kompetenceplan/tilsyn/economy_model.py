"""The økonomisk tilsyn's definitions (docs/oekonomisk-tilsyn.md): periods, the active
interventions read from the register, the catalogue of paragraphs and placement types, and each
period's figures, movements and prices — as plain Python, the definitions `figures` sums in the
database and tests hold equal. The report and its rendering are `economy`, which re-exports
these names (split from it in issue 28/29: `figures` needs the definitions, `economy` needs
`figures`).

Why it is long: the økonomisk tilsyn's definitions as plain Python, one function per figure, which
the database sums in `figures` are held equal to.
"""

from __future__ import annotations

import calendar
import datetime as dt
import functools
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.engine import Engine

from ..danish import format_month, format_quarter, quarter_code, quarter_dates
from ..errors import PlanError
from ..plan.versions import PlanSet
from ..store import decisions as decision_repo
from ..store.records import GRANTED
from ..store.tables import decisions

#: Default threshold (kr. per month) for "afgørelser over tærsklen". Illustrative: no Nyborg
#: amount is published (DOMAIN.md); the committee chooses its own (--threshold).
DEFAULT_THRESHOLD = 50_000


# -- periods ------------------------------------------------------------------------------------
@dataclass(frozen=True, order=True)
class Period:
    """A quarter or a calendar month (first and last day included)."""

    first: dt.date
    last: dt.date
    kind: str  # "kvartal" | "måned"

    @property
    def label(self) -> str:
        if self.kind == "kvartal":
            return format_quarter(self.first.year, (self.first.month - 1) // 3 + 1)
        return format_month(self.first.year, self.first.month)

    @property
    def code(self) -> str:
        if self.kind == "kvartal":
            return quarter_code(self.first.year, (self.first.month - 1) // 3 + 1)
        return f"{self.first.year}-{self.first.month:02d}"

    def months(self) -> list[Period]:
        out = []
        day = self.first
        while day <= self.last:
            out.append(month(day.year, day.month))
            day = out[-1].last + dt.timedelta(days=1)
        return out

    def previous(self) -> Period:
        before = self.first - dt.timedelta(days=1)
        if self.kind == "kvartal":
            return quarter(before.year, (before.month - 1) // 3 + 1)
        return month(before.year, before.month)


@functools.lru_cache(maxsize=256)
def _months(period: Period) -> tuple[Period, ...]:
    return tuple(period.months())


def month(year: int, number: int) -> Period:
    return Period(dt.date(year, number, 1), dt.date(year, number, calendar.monthrange(year, number)[1]), "måned")


def quarter(year: int, number: int) -> Period:
    return Period(*quarter_dates(year, number), "kvartal")


def parse_quarter(text: str) -> Period:
    """``2026Q4`` (or ``4. kvartal 2026``, ``K4 2026`` …: `danish.read_quarter`) → the fourth quarter
    of 2026, through `tilsyn.config.parse_quarter` (its Danish error, `QuarterError`, is a `CaseError`)."""
    from .config import parse_quarter as parts

    return quarter(*parts(text))


# -- the register's rows --------------------------------------------------------------------------
@dataclass(frozen=True)
class Intervention:
    """One current granted decision as the economy reads it (no personal data)."""

    id: int
    case_ref: str
    paragraph: str
    step: int
    monthly_cost: float
    start: dt.date
    expected_end: dt.date | None
    decided_on: dt.date
    level: str

    @property
    def monthly_oere(self) -> int:
        return int(round(self.monthly_cost * 100))

    def active_in(self, period: Period) -> bool:
        return self.start <= period.last and (self.expected_end is None or self.expected_end >= period.first)

    def active_on(self, day: dt.date) -> bool:
        return self.start <= day and (self.expected_end is None or self.expected_end >= day)

    def cost_oere(self, period: Period) -> int:
        """The cost in ``period`` in øre: per month, prorated by days, rounded half up."""
        total = 0
        for m in _months(period):
            first = max(self.start, m.first)
            last = m.last if self.expected_end is None else min(self.expected_end, m.last)
            if last < first:
                continue
            days, in_month = (last - first).days + 1, (m.last - m.first).days + 1
            total += self.monthly_oere if days == in_month else (2 * self.monthly_oere * days + in_month) // (2 * in_month)
        return total


def _current_granted(*conditions: Any) -> Any:
    """Current (neither corrected nor retracted) granted decisions meeting ``conditions``, as `Intervention` columns."""
    return select(
        decisions.c.id,
        decisions.c.case_ref,
        decisions.c.paragraph,
        decisions.c.step,
        decisions.c.monthly_cost,
        decisions.c.start,
        decisions.c.expected_end,
        decisions.c.decided_on,
        decisions.c.level,
    ).where(decision_repo.current(), decisions.c.outcome.in_(GRANTED), *conditions)


def load_interventions(engine: Engine, first: dt.date, last: dt.date) -> list[Intervention]:
    """Current granted decisions that run at some time in [first, last]."""
    query = _current_granted(decisions.c.start <= last, or_(decisions.c.expected_end.is_(None), and_(decisions.c.expected_end >= first)))
    with engine.connect() as conn:
        return [Intervention(*row) for row in conn.execute(query.order_by(decisions.c.id)).all()]  # all at once: a quarter is ~10^5 rows


def load_decided(engine: Engine, period: Period, threshold: float) -> list[Intervention]:
    """Current granted decisions taken in ``period`` with a monthly cost at or above ``threshold``."""
    query = _current_granted(decisions.c.decided_on >= period.first, decisions.c.decided_on <= period.last, decisions.c.monthly_cost >= threshold)
    with engine.connect() as conn:
        rows = [Intervention(*row) for row in conn.execute(query)]
    return sorted(rows, key=lambda r: (-r.monthly_oere, r.decided_on, r.case_ref, r.id))


# -- the plan's words and the placement types ---------------------------------------------------
@dataclass(frozen=True)
class ParagraphInfo:
    code: str
    label: str
    law: str | None
    section: int | None
    stk: int | None
    area: str | None


@dataclass(frozen=True)
class PlacementType:
    """One anbringelsestype: which paragraphs (law, §, optional stk.) and ladder steps it covers."""

    id: str
    label: str
    law: str
    sections: tuple[int, ...]
    steps: tuple[int, ...] | None  # None: every step
    source: str
    stk: int | None = None
    unverified: str = ""

    def covers(self, info: ParagraphInfo, step: int) -> bool:
        if info.law != self.law or info.section not in self.sections:
            return False
        if self.stk is not None and info.stk != self.stk:
            return False
        return self.steps is None or step in self.steps


_SOURCE_43 = "Barnets lov, LBK nr. 282 af 17/03/2025, § 43"
#: The placement paragraphs: anbringelse med/uden samtykke (§§ 46, 47), ufødt barn (§ 49),
#: opretholdelse (§ 50), videreførelse (§ 67), ændring af anbringelsessted (§ 98, stk. 4).
_PLACEMENT_SECTIONS = (46, 47, 49, 50, 67)
#: First match wins. The register holds a paragraph and a ladder step, not the anbringelsessted
#: itself, so step 6 cannot tell a døgninstitution from an opholdssted or an eget værelse.
PLACEMENT_TYPES: tuple[PlacementType, ...] = (
    PlacementType(
        "sikret",
        "Sikret eller delvis lukket døgninstitution",
        "barnets_lov",
        (61, 62, 63),
        None,
        f"{_SOURCE_43}, stk. 3 (børne- og ungehjem som døgninstitutioner), og §§ 61-63 (delvis lukket, sikret, særligt sikret)",
    ),
    PlacementType(
        "netvaerksplejefamilie",
        "Netværksplejefamilie",
        "barnets_lov",
        _PLACEMENT_SECTIONS,
        (4,),
        f"{_SOURCE_43}, stk. 1, nr. 4; indsatstrappens trin 4 (anbringelse i slægt eller netværk)",
        unverified="[U] at trin 4 i kommunens trappe altid er en netværksplejefamilie",
    ),
    PlacementType(
        "plejefamilie",
        "Plejefamilie (almen, forstærket eller specialiseret)",
        "barnets_lov",
        _PLACEMENT_SECTIONS,
        (5,),
        f"{_SOURCE_43}, stk. 1, nr. 1-3; indsatstrappens trin 5 (anbringelse i plejefamilie)",
    ),
    PlacementType(
        "boerne_og_ungehjem",
        "Døgninstitution, opholdssted eller eget værelse",
        "barnets_lov",
        _PLACEMENT_SECTIONS,
        (6,),
        f"{_SOURCE_43}, stk. 1, nr. 5-6, og stk. 3 (døgninstitutioner og opholdssteder); indsatstrappens trin 6 (anbringelse på institution)",
        unverified="[U] registeret skelner ikke mellem døgninstitution, opholdssted og eget værelse",
    ),
    PlacementType(
        "aendret_anbringelsessted",
        "Ændring af anbringelsessted (§ 98, stk. 4)",
        "barnets_lov",
        (98,),
        None,
        "Barnets lov, LBK nr. 282 af 17/03/2025, § 98, stk. 4",
        stk=4,
    ),
)
OTHER_TYPE = PlacementType("ikke_anbringelse", "Øvrige indsatser (ikke anbringelse)", "", (), None, "Alt, der ikke er en anbringelse efter tabellen")


@dataclass(frozen=True)
class Catalogue:
    """Labels from the plan: paragraphs (law, §, stk., area) and the ladder's step names."""

    paragraphs: dict[str, ParagraphInfo]
    steps: dict[tuple[str, int], str]
    areas: dict[str, str]
    _placements: dict[tuple[str, int], PlacementType] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def of(cls, plans: PlanSet, on: dt.date) -> Catalogue:
        try:
            first = plans.in_force(on)
        except PlanError:
            first = plans.latest
        ordered = [first, *reversed([p for p in plans.versions if p is not first])]
        paragraphs: dict[str, ParagraphInfo] = {}
        steps: dict[tuple[str, int], str] = {}
        areas: dict[str, str] = {}
        for plan in ordered:
            spec = plan.inputs.get("paragraf")
            for code, value in ((spec.values or {}) if spec else {}).items():
                if code in paragraphs:
                    continue
                area = value.implies.get("omraade") if isinstance(value.implies, dict) else None
                paragraphs[code] = ParagraphInfo(code, value.label, value.law, value.section, value.stk, area if isinstance(area, str) else None)
            for s in plan.ladder:
                steps.setdefault((s.area, s.step), s.name)
            area_spec = plan.inputs.get("omraade")
            for code, value in ((area_spec.values or {}) if area_spec else {}).items():
                areas.setdefault(code, value.label)
        return cls(paragraphs, steps, areas)

    def paragraph(self, code: str) -> ParagraphInfo:
        return self.paragraphs.get(code) or ParagraphInfo(code, f"{code} (ukendt i planen)", None, None, None, None)

    def placement(self, code: str, step: int) -> PlacementType:
        found = self._placements.get((code, step))
        if found is None:
            info = self.paragraph(code)
            found = next((kind for kind in PLACEMENT_TYPES if kind.covers(info, step)), OTHER_TYPE)
            self._placements[(code, step)] = found
        return found

    def step_key(self, code: str, step: int) -> tuple[str, int]:
        return (self.paragraph(code).area or "", step)

    def step_label(self, key: tuple[str, int]) -> str:
        area, step = key
        area_label = self.areas.get(area, area or "ukendt område")
        name = self.steps.get(key)
        return f"{area_label}, trin {step}" + (f": {name}" if name else "")


# -- figures ------------------------------------------------------------------------------------
@dataclass
class Cell:
    count: int = 0
    cost_oere: int = 0


@dataclass
class Row:
    key: str
    label: str
    count: int
    cost_oere: int


@dataclass
class PeriodFigures:
    period: Period
    active: int
    cost_oere: int
    by_step: list[Row]
    by_paragraph: list[Row]
    by_placement: list[Row]


def _rows(cells: dict[Any, Cell], label: Any, order: Any) -> list[Row]:
    return [Row(str(k), label(k), c.count, c.cost_oere) for k, c in sorted(cells.items(), key=lambda kv: order(kv[0]))]


def period_figures(rows: Iterable[Intervention], period: Period, cat: Catalogue) -> PeriodFigures:
    by_step: dict[tuple[str, int], Cell] = defaultdict(Cell)
    by_paragraph: dict[str, Cell] = defaultdict(Cell)
    by_placement: dict[str, Cell] = defaultdict(Cell)
    active = cost = 0
    for iv in rows:
        if not iv.active_in(period):
            continue
        c = iv.cost_oere(period)
        active += 1
        cost += c
        for cell in (by_step[cat.step_key(iv.paragraph, iv.step)], by_paragraph[iv.paragraph], by_placement[cat.placement(iv.paragraph, iv.step).id]):
            cell.count += 1
            cell.cost_oere += c
    order_types = {t.id: i for i, t in enumerate((*PLACEMENT_TYPES, OTHER_TYPE))}
    labels_types = {t.id: t.label for t in (*PLACEMENT_TYPES, OTHER_TYPE)}
    return PeriodFigures(
        period,
        active,
        cost,
        [Row(f"{a}:{s}", cat.step_label((a, s)), c.count, c.cost_oere) for (a, s), c in sorted(by_step.items())],
        _rows(by_paragraph, lambda k: cat.paragraph(k).label, lambda k: k),
        _rows(by_placement, lambda k: labels_types[k], lambda k: order_types[k]),
    )


# -- movements ----------------------------------------------------------------------------------
NONE_STATE = "ingen"


@dataclass
class Flow:
    """Cases' highest active step at the end of ``before`` and at the end of ``after``."""

    before: Period
    after: Period
    matrix: dict[tuple[int | None, int | None], int]

    def _count(self, test: Any) -> int:
        return sum(n for (a, b), n in self.matrix.items() if test(a, b))

    @property
    def up(self) -> int:
        return self._count(lambda a, b: a is not None and b is not None and b > a)

    @property
    def down(self) -> int:
        return self._count(lambda a, b: a is not None and b is not None and b < a)

    @property
    def same(self) -> int:
        return self._count(lambda a, b: a is not None and a == b)

    @property
    def new(self) -> int:
        return self._count(lambda a, b: a is None and b is not None)

    @property
    def ended(self) -> int:
        return self._count(lambda a, b: a is not None and b is None)

    def states(self) -> list[int]:
        return sorted({s for pair in self.matrix for s in pair if s is not None})


def highest_steps(rows: Iterable[Intervention], day: dt.date) -> dict[str, int]:
    out: dict[str, int] = {}
    for iv in rows:
        if iv.active_on(day) and iv.step > out.get(iv.case_ref, 0):
            out[iv.case_ref] = iv.step
    return out


def flow(rows: Sequence[Intervention], before: Period, after: Period) -> Flow:
    a, b = highest_steps(rows, before.last), highest_steps(rows, after.last)
    matrix: Counter[tuple[int | None, int | None]] = Counter()
    for case in a.keys() | b.keys():
        matrix[(a.get(case), b.get(case))] += 1
    return Flow(before, after, dict(matrix))


# -- prices -------------------------------------------------------------------------------------
@dataclass
class Price:
    type_id: str
    label: str
    count: int
    average_oere: int | None  # None: no active intervention of this type
    previous_count: int
    previous_average_oere: int | None

    @property
    def change_oere(self) -> int | None:
        if self.average_oere is None or self.previous_average_oere is None:
            return None
        return self.average_oere - self.previous_average_oere

    @property
    def change_permille(self) -> int | None:
        """Change in tenths of a percent, rounded half away from zero (None without a base)."""
        change = self.change_oere
        if change is None or not self.previous_average_oere:
            return None
        sign = -1 if change < 0 else 1
        return sign * ((2 * 1000 * abs(change) + self.previous_average_oere) // (2 * self.previous_average_oere))


def _average(total: int, count: int) -> int | None:
    return None if count == 0 else (2 * total + count) // (2 * count)


def prices(rows: Sequence[Intervention], period: Period, previous: Period, cat: Catalogue) -> list[Price]:
    def sums(p: Period) -> dict[str, Cell]:
        cells: dict[str, Cell] = defaultdict(Cell)
        for iv in rows:
            if iv.active_in(p):
                kind = cat.placement(iv.paragraph, iv.step)
                if kind is not OTHER_TYPE:
                    for key in (kind.id, "alle"):
                        cells[key].count += 1
                        cells[key].cost_oere += iv.monthly_oere
        return cells

    now, before = sums(period), sums(previous)
    out = []
    for kind_id, label in [*((t.id, t.label) for t in PLACEMENT_TYPES), ("alle", "Alle anbringelser")]:
        n, p = now.get(kind_id, Cell()), before.get(kind_id, Cell())
        out.append(Price(kind_id, label, n.count, _average(n.cost_oere, n.count), p.count, _average(p.cost_oere, p.count)))
    return out
