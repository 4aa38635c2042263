"""Reading JSON input safely: size limit, no duplicate keys, no NaN/Infinity, errors without content."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import sys
from collections.abc import Collection, Iterator
from pathlib import Path
from typing import Any

from .danish import ISO_DATE as ISO_DATE  # model.submission reads its dates with it
from .danish import read_date
from .errors import CaseError, Problem

MAX_INPUT_BYTES = 1_000_000


class CaseFileError(CaseError):
    """A case or submission file cannot be read as JSON."""


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for position, (key, value) in enumerate(pairs, 1):
        if key in out:
            # Never the key itself: a key can be personal data (a CPR number as a key).
            raise ValueError(f"et objekt har den samme nøgle to gange (felt nr. {position})")
        out[key] = value
    return out


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} er ikke gyldig JSON")


def parse_json(text: str | bytes, where: str, limit: int | None = MAX_INPUT_BYTES) -> Any:
    """Parse JSON strictly; raise `CaseFileError` naming ``where`` and the position, never the
    content. ``limit=None``: the caller has already enforced its own size limit (HTTP)."""
    if limit is not None and len(text) > limit:
        raise CaseFileError("Filen kan ikke læses.", [Problem(where, f"er større end {limit} bytes.", "Send én sag ad gangen.")])
    try:
        return json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_no_constants)
    except json.JSONDecodeError as exc:
        raise CaseFileError(
            "Filen kan ikke læses.", [Problem(f"{where}, linje {exc.lineno}, kolonne {exc.colno}", f"ugyldig JSON ({exc.msg}).", "Ret syntaksen, fx manglende komma eller anførselstegn.")]
        ) from None
    except UnicodeDecodeError:
        raise CaseFileError("Filen kan ikke læses.", [Problem(where, "er ikke UTF-8.", "Gem eller send teksten som UTF-8.")]) from None
    except (ValueError, RecursionError) as exc:
        raise CaseFileError("Filen kan ikke læses.", [Problem(where, f"ugyldig JSON ({exc}).", "Hver nøgle må kun stå én gang; tal skal være endelige.")]) from None


def read_json(path: str) -> Any:
    """Read a JSON file, or standard input for ``-``."""
    if path == "-":
        data = sys.stdin.buffer.read(MAX_INPUT_BYTES + 1)
        return parse_json(data, "standard input")
    file = Path(path)
    try:
        if file.stat().st_size > MAX_INPUT_BYTES:
            raise CaseFileError("Filen kan ikke læses.", [Problem(path, f"er større end {MAX_INPUT_BYTES} bytes.", "Send én sag ad gangen.")])
        data = file.read_bytes()
    except FileNotFoundError:
        raise CaseFileError("Filen kan ikke læses.", [Problem(path, "filen findes ikke.", "Kontrollér stien.")]) from None
    except IsADirectoryError:
        raise CaseFileError("Filen kan ikke læses.", [Problem(path, "er en mappe, ikke en fil.", "Angiv en JSON-fil.")]) from None
    except OSError as exc:
        raise CaseFileError("Filen kan ikke læses.", [Problem(path, f"kan ikke læses ({exc.strerror}).", "Kontrollér rettighederne.")]) from None
    try:
        return parse_json(data, path)
    except UnicodeDecodeError:
        raise CaseFileError("Filen kan ikke læses.", [Problem(path, "er ikke UTF-8.", "Gem filen som UTF-8.")]) from None


def parse_date(value: str | None, where: str, example: str) -> dt.date | None:
    """An ÅÅÅÅ-MM-DD date from the command line or a query string (None when not given);
    `danish.read_date` reads it, as every entry point does."""
    if value is None:
        return None
    return read_date(value, where, example=example)


def csv_records(text: str, name: str, columns: Collection[str], required: Collection[str]) -> Iterator[tuple[int, dict[str, str] | None, list[Problem]]]:
    """(line number, {column: cell} or None, problems) per data line of an import file in CSV
    (``;`` or ``,``, from the header line): the header is checked against ``columns`` and
    ``required`` first (every problem at once, then nothing more); an empty line is skipped; a
    line with another number of fields is a problem of its own; a line CSV cannot read ends the
    file. Problems name the line and column, never a value. The cells are as written (the
    importer decides what an empty or padded cell means)."""
    lines = text.splitlines(keepends=True)
    if not lines or not lines[0].strip():
        yield 1, None, [Problem(f"{name}, linje 1", "mangler overskriftslinjen.", f"Første linje skal være kolonnenavnene, fx {';'.join(columns)}.")]
        return
    delimiter = ";" if ";" in lines[0] else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    header = [h.strip() for h in next(reader)]
    problems = [Problem(f"{name}, linje 1, kolonne {i}", "er ikke en kendt kolonne.", f"Brug kun {', '.join(columns)} (stavet præcis sådan).") for i, c in enumerate(header, 1) if c not in columns]
    missing = [c for c in required if c not in header]
    if missing:
        problems.append(Problem(f"{name}, linje 1", f"mangler kolonnen {', '.join(missing)}.", f"Tilføj kolonnen; de krævede er {', '.join(required)}."))
    if len(set(header)) != len(header):
        problems.append(Problem(f"{name}, linje 1", "har en kolonne to gange.", "Skriv hver kolonne én gang."))
    if problems:
        yield 1, None, problems
        return
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error:
            n = reader.line_num
            yield n, None, [Problem(f"{name}, linje {n}", "kan ikke læses som CSV (fx et citationstegn, der ikke lukkes).", "Sæt tekst med skilletegn i dobbelte citationstegn.")]
            return
        n = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            fix = f"Adskil felterne med '{delimiter}' og sæt tekst med '{delimiter}' i dobbelte citationstegn."
            yield n, None, [Problem(f"{name}, linje {n}", f"har {len(row)} felter, men overskriften har {len(header)}.", fix)]
            continue
        yield n, dict(zip(header, row, strict=True)), []
