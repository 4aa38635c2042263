"""The report a visitation secretary gets: ready or not, and every gap with its legal basis."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ..decision import PlanRef


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


class Finding(_Out):
    code: str
    severity: Literal["fejl", "advarsel"]
    title: str
    message: str
    hint: str
    path: str
    detail: str
    reference: str


class Routing(_Out):
    level: str
    level_name: str
    deciding_row: str | None
    escalated: bool
    committee: bool = Field(default=True, description="Decided in a committee (forelægges) rather than by the administration.")


class Report(_Out):
    """``ready`` is true when no finding is a 'fejl' (warnings do not keep a case off the agenda)."""

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

    def to_json(self) -> str:
        return self.model_dump_json(indent=2)


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
        f"Niveau: {r.routing.level_name}" + (f" (regel {r.routing.deciding_row})" if r.routing.deciding_row else " (ingen regel dækker sagen; eskaleret)"),
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
