"""The deadline rules as plan data (``rules/<plan>-frister.toml``): which event starts a deadline,
which event meets it, the limit, the paragraphs it applies to, its legal basis (or the
municipality's own decision under retssikkerhedsloven § 3, stk. 2), how a limit ending on a
weekend or helligdag is treated, and how far the rule was verified against the statute.
Also the areas and paragraph groups the status report groups by, and the caseload targets.

    config = load_rules("rules/nyborg-frister.toml", plans)   # FristError names file and key

Every error is Danish and names the file and the key; the file's values are never repeated.
"""

from __future__ import annotations

import hashlib
import os
import re
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from ..errors import CaseError, Problem, validation_message
from ..plan.model import Plan
from ..plan.versions import PlanSet
from ..store.events import ARTS, DECISION, KINDS
from ..store.records import DECISION_OUTCOMES
from .calendar import SHIFTS

DEFAULT_RULES = Path("rules/nyborg-frister.toml")
RULES_ENV = "KOMPETENCEPLAN_FRISTER"
#: How far a rule was checked (docs/frister.md): read in the statute text; read only in an
#: authority's guidance (Ankestyrelsen, ministry); not verified [U]; the municipality's own.
STATUSES = {"verificeret": "verificeret i lovteksten", "vejledning": "verificeret i vejledning, ikke i lovteksten", "uverificeret": "ikke verificeret [U]", "kommunens_egen": "kommunens egen frist"}
_PATTERN = re.compile(r"[a-z0-9-]+\*?")


class FristError(CaseError):
    """The deadline rules cannot be used (file, TOML or a rule's content); exit code 2."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _patterns(value: list[str]) -> list[str]:
    for p in value:
        if not _PATTERN.fullmatch(p):
            raise ValueError("en paragrafkode eller et mønster med * til sidst, fx bl-32-* (små bogstaver, cifre og -)")
    return value


def matches(code: str | None, patterns: list[str] | tuple[str, ...]) -> bool:
    """Whether a paragraph code matches one of ``patterns`` (exact, or a prefix ending in *)."""
    if code is None:
        return False
    return any(code == p or (p.endswith("*") and code.startswith(p[:-1])) for p in patterns)


class Span(_Strict):
    """A limit: exactly one of days, weeks or calendar months."""

    dage: int | None = Field(default=None, ge=0, le=3650)
    uger: int | None = Field(default=None, ge=0, le=520)
    maaneder: int | None = Field(default=None, ge=0, le=120)

    @model_validator(mode="after")
    def _one(self) -> Span:
        if sum(v is not None for v in (self.dage, self.uger, self.maaneder)) != 1:
            raise ValueError("angiv præcis én af dage, uger eller maaneder, fx { maaneder = 4 }")
        return self

    def text(self) -> str:
        if self.maaneder is not None:
            return f"{self.maaneder} måned" + ("er" if self.maaneder != 1 else "")
        if self.uger is not None:
            return f"{self.uger} uge" + ("r" if self.uger != 1 else "")
        if self.dage == 0:
            return "senest samme dag"
        return f"{self.dage} dag" + ("e" if self.dage != 1 else "")


class Selector(_Strict):
    """Which events a rule reads: a kind (or ``afgoerelse``: a decision of the register), with
    optional arts, paragraphs and (decisions) outcomes; ``dato = "start"`` reads a decision's
    start (iværksættelse) instead of its decision date."""

    haendelse: str
    art: list[str] = []
    paragraffer: list[str] = []
    udfald: list[str] = []
    dato: Literal["dato", "start"] = "dato"

    _check_patterns = field_validator("paragraffer")(_patterns)

    @model_validator(mode="after")
    def _consistent(self) -> Selector:
        if self.haendelse != DECISION and self.haendelse not in KINDS:
            raise ValueError(f"haendelse skal være en af: {', '.join([*KINDS, DECISION])}")
        allowed = ARTS.get(self.haendelse, {})
        if self.art and not allowed:
            raise ValueError("art hører ikke til denne hændelse")
        if any(a not in allowed for a in self.art):
            raise ValueError(f"art skal være en af: {', '.join(allowed)}")
        if self.udfald and self.haendelse != DECISION:
            raise ValueError("udfald gælder kun afgoerelse")
        if any(u not in DECISION_OUTCOMES for u in self.udfald):
            raise ValueError(f"udfald skal være en af: {', '.join(DECISION_OUTCOMES)}")
        if self.dato == "start" and self.haendelse != DECISION:
            raise ValueError('dato = "start" gælder kun afgoerelse (iværksættelsen)')
        return self

    def describe(self) -> str:
        name = "afgørelse" if self.haendelse == DECISION else KINDS[self.haendelse].split(" (")[0].lower()
        parts = [name]
        if self.art:
            parts.append("(" + " eller ".join(ARTS[self.haendelse][a] for a in self.art) + ")")
        if self.paragraffer:
            parts.append("efter " + ", ".join(self.paragraffer))
        if self.udfald:
            parts.append("med udfald " + " eller ".join(self.udfald))
        if self.dato == "start":
            parts.append("regnet fra iværksættelsen")
        return " ".join(parts)


class Basis(_Strict):
    """The legal basis: a statute's paragraph, or the municipality's own decision."""

    lov: str = ""
    paragraf: str = ""
    stk: str = ""
    kommunens_egen: bool = False
    henvisning: str = ""

    @model_validator(mode="after")
    def _either(self) -> Basis:
        if self.kommunens_egen == bool(self.lov):
            raise ValueError("angiv enten lov og paragraf eller kommunens_egen = true (med henvisning)")
        if self.lov and not self.paragraf:
            raise ValueError("paragraf mangler")
        if self.kommunens_egen and not self.henvisning:
            raise ValueError("henvisning mangler, fx 'retssikkerhedsloven § 3, stk. 2'")
        return self

    def text(self) -> str:
        if self.kommunens_egen:
            return f"Kommunens egen frist ({self.henvisning})"
        out = f"{self.lov} § {self.paragraf}"
        if self.stk:
            out += f", stk. {self.stk}"
        return out + (f", {self.henvisning}" if self.henvisning else "")


class Rule(_Strict):
    """One deadline rule (docs/frister.md explains each key)."""

    id: str = Field(pattern=r"^[A-ZÆØÅ][A-ZÆØÅ0-9-]{1,31}$")
    titel: str = Field(min_length=3, max_length=200)
    hvad: str = Field(min_length=3, max_length=100)
    starter: list[Selector] = Field(min_length=1)
    regnes_fra: Selector | None = None
    opfyldes_af: list[Selector] = Field(min_length=1)
    samme_paragraf: bool = False
    tidligst: Span | None = None
    frist: Span
    medregn_startdag: bool = False
    tidligere_ved: Selector | None = None
    paragraffer: list[str] = []
    helligdage: str
    bortfalder_uden_aktiv_indsats: bool = False
    grundlag: Basis
    status: Literal["verificeret", "vejledning", "uverificeret", "kommunens_egen"]
    illustrativ: bool = False
    kilde: str = Field(min_length=3)
    note: str = ""

    _check_patterns = field_validator("paragraffer")(_patterns)

    @field_validator("helligdage")
    @classmethod
    def _shift(cls, value: str) -> str:
        if value not in SHIFTS:
            raise ValueError(f"skal være en af: {', '.join(SHIFTS)}")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Rule:
        own = self.grundlag.kommunens_egen
        if own != (self.status == "kommunens_egen"):
            raise ValueError('status = "kommunens_egen" hører sammen med grundlag.kommunens_egen = true')
        if own and not self.illustrativ and "illustrativ" in self.kilde.lower():
            raise ValueError("kilden kalder fristen illustrativ: sæt illustrativ = true")
        if self.illustrativ and not own:
            raise ValueError("kun kommunens egne frister kan være illustrative; en lovbestemt frist er aldrig et eksempel")
        if self.medregn_startdag and self.frist.dage is None:
            raise ValueError("medregn_startdag gælder kun en frist i dage")
        return self

    @property
    def statutory(self) -> bool:
        return not self.grundlag.kommunens_egen

    @property
    def needs_events(self) -> bool:
        """Whether the rule reads case events (not only the register's decisions)."""
        selectors = [*self.starter, *self.opfyldes_af, *([self.regnes_fra] if self.regnes_fra else []), *([self.tidligere_ved] if self.tidligere_ved else [])]
        return any(s.haendelse != DECISION for s in selectors)


class Settings(_Strict):
    kommune: str
    version: str
    kilde: str
    note: str = ""


class Area(_Strict):
    navn: str
    paragraffer: list[str] = Field(min_length=1)

    _check_patterns = field_validator("paragraffer")(_patterns)


class Caseload(_Strict):
    """The municipality's target: at most this many active cases per advisor, per area."""

    kilde: str
    maal: dict[str, int]

    @field_validator("maal")
    @classmethod
    def _positive(cls, value: dict[str, int]) -> dict[str, int]:
        if any(v < 1 or v > 1000 for v in value.values()):
            raise ValueError("et mål skal være et helt tal fra 1 til 1000")
        return value


class FristConfig(_Strict):
    frister: Settings
    omraader: dict[str, Area] = Field(min_length=1)
    paragrafgrupper: dict[str, Area] = Field(min_length=1)
    sagsstamme: Caseload
    regler: list[Rule] = Field(min_length=1)
    path: str = ""
    fingerprint: str = ""

    def reference_problems(self) -> list[Problem]:
        """Ids given twice and caseload targets for areas that are not defined."""
        out = []
        seen: set[str] = set()
        for r in self.regler:
            if r.id in seen:
                out.append(Problem(f"{self.path}: regler[{r.id}].id", "to regler har samme id.", "Giv hver regel sit eget id; et id genbruges aldrig."))
            seen.add(r.id)
        for area in self.sagsstamme.maal:
            if area not in self.omraader:
                out.append(Problem(f"{self.path}: sagsstamme.maal", "nævner et område, der ikke er defineret under [omraader].", f"Brug et af: {', '.join(self.omraader)}."))
        return out

    def rule(self, rule_id: str) -> Rule | None:
        return next((r for r in self.regler if r.id == rule_id), None)

    def area(self, paragraph: str | None) -> str | None:
        """The area (key of ``omraader``) a paragraph code belongs to; the first that matches."""
        return next((key for key, a in self.omraader.items() if matches(paragraph, a.paragraffer)), None)

    def group(self, paragraph: str | None) -> str | None:
        return next((key for key, g in self.paragrafgrupper.items() if matches(paragraph, g.paragraffer)), None)


def _key_path(loc: tuple[Any, ...], data: dict[str, Any]) -> str:
    """``regler[2].frist`` → ``regler[BL-20-3].frist`` when the rule has an id (easier to find)."""
    parts: list[str] = []
    node: Any = data
    for item in loc:
        if isinstance(item, int) and isinstance(node, list):
            rid = node[item].get("id") if item < len(node) and isinstance(node[item], dict) else None
            parts[-1] += f"[{rid}]" if isinstance(rid, str) and re.fullmatch(r"[A-ZÆØÅ0-9-]{1,32}", rid) else f"[{item + 1}]"
            node = node[item] if item < len(node) else None
        else:
            if isinstance(node, dict):
                node = node.get(item)
            parts.append(str(item))
    return ".".join(p for p in parts if p not in ("function-after", "function-plain"))


def load_rules(path: str | Path = DEFAULT_RULES, plans: Plan | PlanSet | None = None) -> FristConfig:
    """Read and check the deadline rules; with ``plans``, every paragraph code and pattern must
    name paragraphs of the plan. Raises `FristError` with every problem."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError:
        raise FristError(
            "Fristreglerne kan ikke læses.", [Problem(str(path), "filen findes ikke eller kan ikke læses.", f"Angiv filen med --frister (eller {RULES_ENV}), fx rules/nyborg-frister.toml.")]
        ) from None
    try:
        data = tomllib.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise FristError("Fristreglerne kan ikke læses.", [Problem(str(path), "filen er ikke UTF-8.", "Gem filen som UTF-8.")]) from None
    except tomllib.TOMLDecodeError as exc:
        raise FristError("Fristreglerne er ikke gyldig TOML.", [Problem(str(path), f"ugyldig TOML ({exc}).", "Ret syntaksen; dublerede nøgler er ikke tilladt.")]) from None
    try:
        config = FristConfig.model_validate({**data, "path": str(path), "fingerprint": hashlib.sha256(raw).hexdigest()})
    except ValidationError as exc:
        problems = [
            Problem(
                f"{path}: {_key_path(tuple(e['loc']), data)}" if e["loc"] else str(path), validation_message(e) if e["type"] != "value_error" else str(e["ctx"]["error"]) + ".", "Se docs/frister.md."
            )
            for e in exc.errors(include_url=False, include_input=False)
        ]
        raise FristError("Fristreglerne har fejl.", problems) from None
    if problems := config.reference_problems():
        raise FristError("Fristreglerne har fejl.", problems)
    if plans is not None:
        problems = plan_problems(config, plans)
        if problems:
            raise FristError("Fristreglerne passer ikke til planen.", problems)
    return config


def plan_problems(config: FristConfig, plans: Plan | PlanSet) -> list[Problem]:
    """Paragraph codes and patterns that name no paragraph of the plan (a typo would silently
    leave cases without deadlines)."""
    from ..store.events import paragraph_codes

    codes = paragraph_codes(plans)
    out = []
    places: list[tuple[str, list[str]]] = []
    for key, a in config.omraader.items():
        places.append((f"omraader.{key}.paragraffer", a.paragraffer))
    for key, g in config.paragrafgrupper.items():
        places.append((f"paragrafgrupper.{key}.paragraffer", g.paragraffer))
    for rule in config.regler:
        places.append((f"regler[{rule.id}].paragraffer", rule.paragraffer))
        selectors = [("starter", s) for s in rule.starter] + [("opfyldes_af", s) for s in rule.opfyldes_af]
        places += [(f"regler[{rule.id}].{name}.paragraffer", s.paragraffer) for name, s in selectors]
    for where, patterns in places:
        for p in patterns:
            if not any(matches(c, [p]) for c in codes):
                out.append(Problem(f"{config.path}: {where}", f"'{p}' svarer ikke til nogen paragrafkode i planen.", "Ret koden (se 'kompetenceplan plan'), eller fjern den."))
    return out


def rules_path_for(plan_folder: str | Path | None) -> Path:
    """Where the rules for a plan folder are: ``$KOMPETENCEPLAN_FRISTER``, else the file beside the
    folder (``rules/nyborg`` → ``rules/nyborg-frister.toml``), else the default."""
    configured = os.environ.get(RULES_ENV)
    if configured:
        return Path(configured)
    if plan_folder is not None:
        folder = Path(plan_folder)
        sibling = folder.parent / f"{folder.name}-frister.toml"
        if sibling.is_file():
            return sibling
    return DEFAULT_RULES


_CACHE: dict[tuple[str, int, int], FristConfig] = {}


def rules_for(plans: Plan | PlanSet) -> FristConfig | None:
    """The rules beside a plan's folder, read again when the file changes; None when there is no
    such file (a plan without deadline rules). A broken file raises `FristError`."""
    folder = plans.path
    path = rules_path_for(folder)
    if not os.environ.get(RULES_ENV) and path == DEFAULT_RULES and not (Path(folder).parent / f"{Path(folder).name}-frister.toml").is_file():
        return None
    try:
        st = path.stat()
    except OSError:
        return None
    key = (str(path.resolve()), st.st_mtime_ns, st.st_size)
    if key not in _CACHE:
        _CACHE.clear()
        _CACHE[key] = load_rules(path)
    return _CACHE[key]
