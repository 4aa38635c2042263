"""`render`: the kompetenceplan as the document its owners recognise, generated from the same
rule data the engine runs (Markdown or HTML)."""

from __future__ import annotations

import html
from dataclasses import dataclass

from ..checks.report import basis_label
from ..plan.model import OneOf, Plan, PlanRow, Value, format_number
from ..plan.versions import PlanSet


@dataclass(frozen=True)
class Block:
    kind: str  # h1, h2, h3, p, table
    text: str = ""
    header: tuple[str, ...] = ()
    rows: tuple[tuple[str, ...], ...] = ()


def _conditions(plan: Plan, row: PlanRow, skip: set[str]) -> str:
    parts = [t.describe(plan.inputs[t.input]) for t in row.terms if t.input not in skip]
    return " og ".join(parts) or "altid"


def _row_line(plan: Plan, row: PlanRow, skip: set[str]) -> tuple[str, ...]:
    return (row.id, plan.level(row.level).name, _conditions(plan, row, skip), row.reference, row.note)


def _applies_to(plan: Plan, row: PlanRow, name: str, value: Value | None) -> bool | None:
    """True/False if the row has a condition on ``name``; None if it has none."""
    terms = [t for t in row.terms if t.input == name]
    if not terms:
        return None
    return value is not None and all(t.holds(value) for t in terms)


def _in_area(plan: Plan, row: PlanRow, area: str) -> bool:
    """A row belongs to an area if its area condition accepts it, and any paragraph it names
    can be of that area (a serviceloven paragraph is never a children's case)."""
    m = plan.meta
    if _applies_to(plan, row, m.area_input, area) is False:
        return False
    for t in row.terms:
        if t.input != m.paragraph_input:
            continue
        codes = t.value if isinstance(t.value, tuple) else (t.value,)
        areas = set()
        for code in codes:
            implied = plan.implications.get((m.paragraph_input, str(code)), ())
            areas |= {v for i in implied if i.input == m.area_input and isinstance(i, OneOf) for v in i.values} or {area}
        if area not in areas:
            return False
    return True


def blocks(plan: Plan) -> list[Block]:
    """The document as blocks; `markdown` and `html` only format them."""
    m = plan.meta
    out = [
        Block("h1", f"{m.name}"),
        Block("p", f"{m.kommune}, version {m.version}, gyldig fra {m.valid_from}" + (f" til {m.valid_to}" if m.valid_to else "") + f". Beløb i {m.price_year}-niveau."),
    ]
    if m.note:
        out.append(Block("p", m.note))
    out.append(
        Block(
            "p",
            "Det højeste niveau blandt de rækker, en sag opfylder, træffer afgørelsen. En række kan løfte en sag, aldrig sænke den. "
            f"En sag, som ingen række dækker, går til {plan.level(m.escalation_level).name}. Genereret af kompetenceplan render fra planens regeldata.",
        )
    )
    out.append(Block("h2", "Niveauer"))
    out.append(Block("table", header=("Niveau", "Navn", "Beskrivelse"), rows=tuple((lv.id, lv.name, lv.description) for lv in plan.levels)))
    if plan.committees:
        area_spec = plan.inputs[plan.meta.area_input]
        labels = {code: v.label for code, v in (area_spec.values or {}).items()}
        out.append(Block("h2", "Udvalg"))
        out.append(
            Block(
                "table",
                header=("Udvalg", "Navn", "Niveau", "Områder"),
                rows=tuple((c.id, c.name, plan.level(c.level).name, ", ".join(labels.get(a, a) for a in c.areas)) for c in plan.committees),
            )
        )
    area_spec = plan.inputs[m.area_input]
    skip_area = {m.area_input}
    for area, value in (area_spec.values or {}).items():
        out.append(Block("h2", value.label))
        area_rows = [r for r in plan.rows if _in_area(plan, r, area)]
        all_steps = [r for r in area_rows if _applies_to(plan, r, m.step_input, None) is None and not r.law]
        if all_steps:
            out.append(Block("h3", "På alle trin"))
            out.append(
                Block(
                    "table", header=("Række", "Niveau", "Betingelser", "Hjemmel/grundlag", "Note"), rows=tuple(_row_line(plan, r, skip_area) for r in sorted(all_steps, key=lambda r: (r.rank, r.id)))
                )
            )
        for step in plan.steps(area):
            out.append(Block("h3", f"Trin {step.step}: {step.name}"))
            if step.examples:
                out.append(Block("p", "Eksempler: " + "; ".join(step.examples) + "."))
            step_rows = [r for r in area_rows if _applies_to(plan, r, m.step_input, step.step) is True]
            if step_rows:
                out.append(Block("table", header=("Række", "Niveau", "Betingelser", "Hjemmel/grundlag", "Note"), rows=tuple(_row_line(plan, r, skip_area | {m.step_input}) for r in step_rows)))
    floors = [r for r in plan.rows if r.law]
    if floors:
        out.append(Block("h2", "Afgørelser, som loven forbeholder et bestemt organ"))
        out.append(Block("p", "Disse afgørelser er forbeholdt et lovbestemt organ; kompetenceplanen kan ikke sende dem lavere."))
        out.append(Block("table", header=("Række", "Niveau", "Betingelser", "Hjemmel/grundlag", "Note"), rows=tuple(_row_line(plan, r, set()) for r in floors)))
    paragraph_spec = plan.inputs[m.paragraph_input]
    out.append(Block("h2", "Paragraffer"))
    lines = []
    for code, value in (paragraph_spec.values or {}).items():
        implied = plan.implications.get((m.paragraph_input, code), ())
        steps = next((", ".join(str(v) for v in t.values) for t in implied if t.input == m.step_input and isinstance(t, OneOf)), "alle")
        lines.append((code, value.label, steps))
    out.append(Block("table", header=("Kode", "Paragraf", "Trin"), rows=tuple(lines)))
    if plan.requirements:
        out.append(Block("h2", "Dokumentationsstandard"))
        out.append(Block("p", "Hvad en indstilling skal indeholde. En fejl holder sagen af dagsordenen; en advarsel gør ikke."))
        for level in plan.levels:
            rank = plan.rank(level.id)
            reqs = [r for r in plan.requirements if (r.min_rank or 0) == rank]
            if not reqs:
                continue
            out.append(Block("h3", f"Fra {level.name}" if rank else "Alle niveauer"))
            out.append(
                Block(
                    "table",
                    header=("Kode", "Krav", "Type", "Gælder når", "Hjemmel/grundlag"),
                    rows=tuple((r.code, r.title, r.severity, " og ".join(t.describe(plan.inputs[t.input]) for t in r.terms) or "altid", r.reference) for r in reqs),
                )
            )
        if plan.parameters:
            out.append(Block("p", "Parametre: " + ", ".join(f"{k} = {format_number(v)} dage" for k, v in plan.parameters.items()) + "."))
    return out


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def markdown(plan: Plan) -> str:
    lines: list[str] = []
    for b in blocks(plan):
        if b.kind in ("h1", "h2", "h3"):
            lines += ["#" * int(b.kind[1]) + " " + b.text, ""]
        elif b.kind == "p":
            lines += [b.text, ""]
        else:
            lines.append("| " + " | ".join(b.header) + " |")
            lines.append("|" + "---|" * len(b.header))
            lines += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in b.rows]
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def to_html(plan: Plan) -> str:
    e = html.escape
    parts = [
        f'<!DOCTYPE html>\n<html lang="da">\n<head><meta charset="utf-8"><title>{e(plan.meta.name)}</title>',
        "<style>body{font-family:sans-serif;max-width:70em;margin:2em auto}table{border-collapse:collapse;margin:1em 0}"
        "td,th{border:1px solid #999;padding:.3em .5em;vertical-align:top;text-align:left}</style></head>\n<body>",
    ]
    for b in blocks(plan):
        if b.kind in ("h1", "h2", "h3", "p"):
            parts.append(f"<{b.kind}>{e(b.text)}</{b.kind}>")
        else:
            head = "".join(f"<th>{e(h)}</th>" for h in b.header)
            body = "".join("<tr>" + "".join(f"<td>{e(c)}</td>" for c in row) + "</tr>" for row in b.rows)
            parts.append(f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")
    parts.append("</body>\n</html>\n")
    return "\n".join(parts)


def requirements_markdown(plan: Plan) -> str:
    """The documentation standard, one section per code in the registry template
    (Hvad tjekkes / Hvorfor / Eksempel på mangel / Sådan gøres det rigtigt / Hjemmel)."""
    m = plan.meta
    lines = [f"# Dokumentationsstandard: {m.name}", "", f"{m.kommune}, version {m.version}. Genereret af `kompetenceplan checks --format markdown`.", ""]
    if plan.parameters:
        lines += ["Parametre: " + ", ".join(f"`{k}` = {v} dage" for k, v in plan.parameters.items()) + ".", ""]
    for r in plan.requirements:
        parts = []
        for t in r.terms:
            text = plan.term_text(t)
            if r.unknown_applies and not plan.inputs[t.input].required:
                text += " (eller ikke oplyst)"  # fail-safe: an unknown input counts as met
            parts.append(text)
        applies = " og ".join(parts) or "altid"
        if r.min_rank is not None:
            applies += f", når sagen afgøres af {plan.levels[r.min_rank].name} eller højere"
        lines += [
            f"## {r.code} {r.title}",
            "",
            f"- **Type:** {r.severity}",
            f"- **Gælder:** {applies}",
            f"- **Hvad tjekkes:** {r.doc.what}",
            f"- **Hvorfor:** {r.doc.why}",
            f"- **Eksempel på mangel:** {r.doc.example}",
            f"- **Sådan gøres det rigtigt:** {r.doc.fix}",
            f"- **{basis_label(r.reference)}:** {r.reference}",
            f"- **Besked:** {r.message}",
            "",
        ]
    return "\n".join(lines).rstrip() + "\n"


def plan_overview(plans: PlanSet) -> str:
    """The newest version's levels, ladder, inputs and codes as text (CLI ``plan``)."""
    plan = plans.latest
    m = plan.meta
    lines: list[str] = []
    if len(plans.versions) > 1:
        lines.append("Versioner: " + "; ".join(f"{p.meta.version} fra {p.meta.valid_from}" for p in plans.versions))
    lines += [plan.title, f"Gyldig fra {m.valid_from}{' til ' + str(m.valid_to) if m.valid_to else ''}; prisniveau {m.price_year}.", m.note, "", "Niveauer (laveste først):"]
    lines += [f"  {i}. {lv.id}: {lv.name}" for i, lv in enumerate(plan.levels, 1)]
    if plan.committees:
        lines += ["", "Udvalg (hvilket møde der afgør sagen):"]
        lines += [f"  {c.id}: {c.name} ({plan.level(c.level).name}; {', '.join(c.areas)})" for c in plan.committees]
    lines += ["", "Indsatstrappen:"]
    for area in dict.fromkeys(s.area for s in plan.ladder):
        lines.append(f"  {area}:")
        lines += [f"    {s.step}. {s.name}" for s in plan.steps(area)]
    lines += ["", "Input:"]
    for name, spec in plan.inputs.items():
        need = "påkrævet" if spec.required else "valgfri"
        bounds = f" {spec.min}–{spec.max}" if spec.min is not None else ""
        lines.append(f"  {name} ({spec.type}{bounds}{' ' + spec.unit if spec.unit else ''}, {need}): {spec.label}")
        for code, value in (spec.values or {}).items():
            lines.append(f"      {code}: {value.label}")
    return "\n".join(lines)
