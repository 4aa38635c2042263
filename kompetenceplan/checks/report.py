"""The report a visitation secretary gets: ready or not, and every gap with its legal basis."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from ..json_edge import JSON_CONFIG, JsonEdge
from ..model.decision import PlanRef


# Plain frozen dataclasses: `check` builds them from data the engine has already checked, so
# they are not validated again (that was 8-10 µs a check). pydantic serves the JSON edge only,
# through one TypeAdapter built on first use, with the same JSON and schema as before.
@dataclass(frozen=True, kw_only=True, slots=True)
class Finding:
    __pydantic_config__ = JSON_CONFIG
    code: str
    severity: Literal["fejl", "advarsel"]
    title: str
    message: str
    hint: str
    path: str
    detail: str
    reference: str


@dataclass(frozen=True, kw_only=True, slots=True)
class Routing:
    __pydantic_config__ = JSON_CONFIG
    level: str
    level_name: str
    deciding_row: str | None
    escalated: bool
    committee: bool = True
    """Decided in a committee (forelægges) rather than by the administration."""
    committee_id: str | None = None
    """The body whose meeting decides the case: the plan's committee for the case's area, or the committee level itself (None: no meeting, or a body outside the municipality)."""
    committee_name: str | None = None


@dataclass(frozen=True, kw_only=True)
class Report(JsonEdge):
    """``ready`` is true when no finding is a 'fejl' (warnings do not keep a case off the agenda)."""

    __pydantic_config__ = JSON_CONFIG
    __hash__ = None  # type: ignore[assignment]  # equal by content; the findings are a list

    plan: PlanRef
    meeting_date: str
    ready: bool
    routing: Routing
    findings: list[Finding]

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "fejl"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "advarsel"]

    # -- the JSON edge (pydantic, imported on first use) ------------------------------------
    def to_json(self) -> str:
        return self.adapter().dump_json(self, indent=2).decode()

    def model_dump(self, mode: Literal["python", "json"] = "python") -> dict[str, Any]:
        return self.adapter().dump_python(self, mode=mode)

    def model_dump_json(self, indent: int | None = None) -> str:
        return self.adapter().dump_json(self, indent=indent).decode()


_LAW_NAMES = ("barnets lov", "serviceloven", "retssikkerhedsloven", "voksenansvarsloven", "forvaltningsloven")


def basis_label(reference: str) -> str:
    """'Hjemmel' when the reference cites a statute, else 'Grundlag' (the municipality's own rule)."""
    return "Hjemmel" if any(name in reference.lower() for name in _LAW_NAMES) else "Grundlag"


def render_report(report: Report) -> str:
    """The report as Danish text."""
    r = report
    # Only a committee case is "forelagt"; a team or leader decision is simply "klar til afgørelse".
    what = "forelæggelse" if r.routing.committee else "afgørelse"
    state = f"KLAR til {what}" if r.ready else f"IKKE KLAR til {what}"
    warnings = len(r.warnings)
    lines = [
        f"Indstillingen er {state}: {len(r.errors)} fejl, {warnings} {'advarsel' if warnings == 1 else 'advarsler'}.",
        f"Niveau: {r.routing.level_name}"
        + (f" — {r.routing.committee_name}" if r.routing.committee_name and r.routing.committee_name != r.routing.level_name else "")
        + (f" (regel {r.routing.deciding_row})" if r.routing.deciding_row else " (ingen regel dækker sagen; eskaleret)"),
        f"{'Mødedato' if r.routing.committee else 'Dato'}: {r.meeting_date}",
    ]
    for f in r.findings:
        lines += [
            "",
            f"{f.severity.upper()} {f.code} {f.title}",
            f"    {f.message}",
            (f"    {f.detail[:1].upper()}{f.detail[1:]} (felt: {f.path})" if f.detail else f"    Felt: {f.path}"),
            f"    Sådan rettes det: {f.hint}",
            f"    {basis_label(f.reference)}: {f.reference}",
        ]
    return "\n".join(lines) + "\n"
