"""The tilsyn's plan-side data (`rules/nyborg-tilsyn.toml`): draw dates, tracks, the team and
paragraph → track mapping, the sample size and the leaders' checklist per track."""

from __future__ import annotations

import hashlib
import re
import tomllib
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from ..danish import DanishTextError, read_quarter
from ..danish import quarter_code as canonical
from ..errors import KompetenceplanError, Problem, validation_message

DEFAULT_CONFIG = Path("rules/nyborg-tilsyn.toml")
UNKNOWN_TRACK = "ukendt"


class TilsynError(KompetenceplanError):
    """A tilsyn command cannot be done (bad configuration, quarter, or a draw that exists)."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Track(_Strict):
    label: str


class Question(_Strict):
    """A checklist question the leader answers by reading the case. ``tracks``: the tracks it
    belongs to (empty: every track); ``phase``: the phase of the casework it checks (the adults'
    tilsyn follows the phases of voksenudredningsmetoden, Udviklingsplan 2024-2028, afsnit 4.5.1)."""

    id: str = Field(pattern=r"^[A-Z]-\d{2}$")
    question: str
    basis: str
    tracks: list[str] = []
    phase: str = ""

    def applies_to(self, track: str) -> bool:
        return not self.tracks or track in self.tracks


class Settings(_Strict):
    kommune: str
    source: str
    draw_dates: list[str] = Field(min_length=4, max_length=4)
    per_stratum: int = Field(ge=1, le=1000)

    @field_validator("draw_dates")
    @classmethod
    def _dates(cls, value: list[str]) -> list[str]:
        for d in value:
            if not re.fullmatch(r"(0[1-9]|1[0-2])-(0[1-9]|1\d|2[0-8])", d):
                raise ValueError(f"'{d}' er ikke en dato på formen MM-DD (dag 1-28)")
        if value != sorted(value):
            raise ValueError("datoerne skal stå i kalenderorden")
        return value


class TilsynConfig(_Strict):
    tilsyn: Settings
    tracks: dict[str, Track]
    teams: dict[str, str]
    paragraph_tracks: dict[str, str] = {}
    checklist: list[Question] = Field(min_length=1)
    fingerprint: str = ""

    @model_validator(mode="after")
    def _known_tracks(self) -> TilsynConfig:
        for where, track in [*(("teams." + k, v) for k, v in self.teams.items()), *(("paragraph_tracks." + k, v) for k, v in self.paragraph_tracks.items())]:
            if track not in self.tracks:
                raise ValueError(f"{where}: sporet '{track}' er ikke defineret under [tracks]")
        ids = [q.id for q in self.checklist]
        if len(ids) != len(set(ids)):
            raise ValueError("checklist: to spørgsmål har samme id")
        for q in self.checklist:
            for track in q.tracks:
                if track not in self.tracks:
                    raise ValueError(f"checklist {q.id}.tracks: sporet '{track}' er ikke defineret under [tracks]")
        for track in self.tracks:
            if not self.questions_for(track):
                raise ValueError(f"tracks.{track}: sporet har ingen spørgsmål i tjeklisten")
        return self

    def questions_for(self, track: str) -> list[Question]:
        """The checklist of a track: the questions that belong to it (an unknown track, e.g.
        'ukendt', gets every question: nothing is left unchecked)."""
        if track not in self.tracks:
            return list(self.checklist)
        return [q for q in self.checklist if q.applies_to(track)]

    def track(self, team: str, paragraph: str) -> str:
        """The decision's track: the paragraph's (exact code, then prefix*) before the team's."""
        if paragraph in self.paragraph_tracks:
            return self.paragraph_tracks[paragraph]
        for pattern, track in self.paragraph_tracks.items():
            if pattern.endswith("*") and paragraph.startswith(pattern[:-1]):
                return track
        return self.teams.get(team, UNKNOWN_TRACK)

    def question(self, qid: str) -> Question | None:
        return next((q for q in self.checklist if q.id == qid), None)


def load_config(path: str | Path = DEFAULT_CONFIG) -> TilsynConfig:
    path = Path(path)
    try:
        raw = path.read_bytes()
        data = tomllib.loads(raw.decode("utf-8"))
    except OSError:
        raise TilsynError(
            "Tilsynets konfiguration kan ikke læses.", [Problem(str(path), "filen findes ikke eller kan ikke læses.", "Angiv filen med --config (fx rules/nyborg-tilsyn.toml).")]
        ) from None
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise TilsynError("Tilsynets konfiguration er ikke gyldig TOML.", [Problem(str(path), str(exc), "Ret TOML-syntaksen.")]) from None
    try:
        return TilsynConfig.model_validate({**data, "fingerprint": hashlib.sha256(raw).hexdigest()})
    except ValidationError as exc:
        raise TilsynError(
            "Tilsynets konfiguration har fejl.",
            [Problem(f"{path}: " + ".".join(str(p) for p in e["loc"]), validation_message(e), "Se docs/tilsyn.md.") for e in exc.errors(include_url=False, include_input=False)],
        ) from None


class QuarterError(TilsynError, DanishTextError):
    """A quarter `danish.read_quarter` cannot read: one Danish message for the ledelsestilsyn
    and the økonomisk tilsyn (exit code 2 in both CLIs)."""


def parse_quarter(value: str) -> tuple[int, int]:
    """(year, n) of a quarter as `danish.read_quarter` reads it (``2026Q4``, ``2026-Q4``,
    ``K4 2026``, ``4. kvartal 2026`` …; years 1900–2999). `tilsyn.draw`, `tilsyn.report` and
    `tilsyn.economy` (and so both CLIs and the pages) use it."""
    try:
        return read_quarter(value, "--quarter")
    except DanishTextError as exc:
        raise QuarterError(exc.title, exc.problems) from None


def quarter_code(value: str) -> str:
    """The canonical spelling of a quarter (``2026q4``, ``4. kvartal 2026`` → ``2026Q4``), as stored with a draw."""
    return canonical(*parse_quarter(value))
