"""Sickness absence and resignations from the HR system: a small CSV per team and quarter, read
for the status report (never stored in the register: the figures are the HR system's).

    kvartal;team;sygefravaer_pct;fratraadte;aarsvaerk
    2026Q4;Team Nord;5,2;1;6,0

``sygefravaer_pct`` is the team's sickness absence in per cent of working time (0-100; decimal
comma or point), ``fratraadte`` the number of resignations in the quarter, ``aarsvaerk`` the
team's full-time equivalents (optional; weights the department's total absence). Counts per team
only: no names, no person's absence. Every bad line is reported (line, column; never the value)
and then nothing is used.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

from ..errors import CaseError, Problem

COLUMNS = ("kvartal", "team", "sygefravaer_pct", "fratraadte", "aarsvaerk")
REQUIRED = ("kvartal", "team", "sygefravaer_pct", "fratraadte")
_QUARTER = re.compile(r"(\d{4})Q([1-4])")
_NUMBER = re.compile(r"\d{1,4}([.,]\d{1,2})?")
_FIX = "Se formatet i docs/frister.md (Statusrapport, HR-tal)."


class HrError(CaseError):
    """The HR file cannot be used; nothing of it is reported."""


@dataclass(frozen=True)
class HrRow:
    quarter: str
    team: str
    sickness_pct: float
    resignations: int
    fte: float | None


def read_hr(path: str | Path) -> list[HrRow]:
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError:
        raise HrError("HR-filen kan ikke læses.", [Problem(path.name, "findes ikke eller kan ikke åbnes.", "Kontrollér stien (--hr).")]) from None
    return parse_hr(data, path.name)


def parse_hr(data: bytes, name: str) -> list[HrRow]:  # noqa: C901 - one check per column of the HR file, every problem collected in one pass
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise HrError("HR-filen kan ikke læses.", [Problem(name, "er ikke UTF-8-kodet tekst.", "Gem filen som CSV UTF-8.")]) from None
    lines = text.splitlines(keepends=True)
    if not lines or not lines[0].strip():
        raise HrError("HR-filen kan ikke læses.", [Problem(f"{name}, linje 1", "mangler overskriftslinjen.", f"Første linje: {';'.join(COLUMNS)}.")])
    reader = csv.reader(io.StringIO(text), delimiter=";" if ";" in lines[0] else ",")
    header = [h.strip() for h in next(reader)]
    problems = [Problem(f"{name}, linje 1, kolonne {i}", "er ikke en kendt kolonne.", f"Brug kun {', '.join(COLUMNS)}.") for i, h in enumerate(header, 1) if h not in COLUMNS]
    problems += [Problem(f"{name}, linje 1", f"mangler kolonnen {c}.", f"De krævede kolonner er {', '.join(REQUIRED)}.") for c in REQUIRED if c not in header]
    if problems:
        raise HrError("HR-filen har fejl.", problems)
    rows: list[HrRow] = []
    seen: dict[tuple[str, str], int] = {}
    try:
        for raw in reader:
            n = reader.line_num
            if not any(c.strip() for c in raw):
                continue
            if len(raw) != len(header):
                problems.append(Problem(f"{name}, linje {n}", f"har {len(raw)} felter, men overskriften har {len(header)}.", _FIX))
                continue
            cell = {h: c.strip() for h, c in zip(header, raw, strict=True)}
            where = f"{name}, linje {n}"
            bad = len(problems)
            quarter = cell["kvartal"].upper()
            if not _QUARTER.fullmatch(quarter):
                problems.append(Problem(f"{where}: kvartal", "skal have formen ÅÅÅÅQn.", "Skriv fx 2026Q4."))
            team = cell["team"]
            if not team or len(team) > 64:
                problems.append(Problem(f"{where}: team", "mangler eller er længere end 64 tegn.", "Skriv teamets navn som i registret, fx Team Nord."))
            pct = _number(cell["sygefravaer_pct"])
            if pct is None or not 0 <= pct <= 100:
                problems.append(Problem(f"{where}: sygefravaer_pct", "skal være en procent fra 0 til 100 (højst 2 decimaler).", "Skriv fx 5,2."))
            count = cell["fratraadte"]
            if not (count.isascii() and count.isdigit() and len(count) <= 4):
                problems.append(Problem(f"{where}: fratraadte", "skal være et helt tal fra 0.", "Skriv fx 1."))
            fte = None
            if cell.get("aarsvaerk"):
                fte = _number(cell["aarsvaerk"])
                if fte is None or fte <= 0:
                    problems.append(Problem(f"{where}: aarsvaerk", "skal være et tal over 0 (højst 2 decimaler).", "Skriv fx 6,5, eller lad feltet stå tomt."))
            if pct is None or len(problems) > bad:  # a missing percentage is among the problems
                continue
            if (quarter, team) in seen:
                problems.append(Problem(f"{where}", f"samme kvartal og team står også på linje {seen[(quarter, team)]}.", "Skriv hvert team én gang pr. kvartal."))
                continue
            seen[(quarter, team)] = n
            rows.append(HrRow(quarter, team, pct, int(count), fte))
    except csv.Error:
        problems.append(Problem(f"{name}, linje {reader.line_num}", "kan ikke læses som CSV.", "Sæt tekst med skilletegn i dobbelte citationstegn."))
    if problems:
        raise HrError("HR-filen har fejl; intet af den er brugt.", problems)
    return rows


def _number(text: str) -> float | None:
    return float(text.replace(",", ".")) if _NUMBER.fullmatch(text) else None
