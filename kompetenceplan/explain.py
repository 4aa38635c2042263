"""Render a `Decision` as Danish text for an advisor. The JSON form is `Decision.to_json`."""

from __future__ import annotations

from .decision import ConditionTrace, Decision, RowTrace
from .plan.model import format_number


def _value(value: object) -> str:
    if value is None:
        return "ikke oplyst"
    if isinstance(value, bool):
        return "ja" if value else "nej"
    if isinstance(value, (int, float)):
        return format_number(value)
    return str(value)


def _condition(c: ConditionTrace) -> str:
    mark = {True: "opfyldt", False: "ikke opfyldt", None: "ikke oplyst"}[c.met]
    return f"{c.text} — {mark} (sagen: {c.actual_text or _value(c.actual)})"


def _row(row: RowTrace, only_unmet: bool = False) -> list[str]:
    lines = [f"  {row.id} → {row.level_name}{'  [fastsat i loven]' if row.law else ''}"]
    for c in row.conditions:
        if not only_unmet or c.met is False:
            lines.append(f"      {_condition(c)}")
    # "Hjemmel" is the law's authority; the municipality's own rules are its "grundlag".
    lines.append(f"      {'Hjemmel' if row.law else 'Grundlag'}: {row.reference}")
    if row.note and not only_unmet:
        lines.append(f"      Note: {row.note}")
    return lines


def explain(decision: Decision) -> str:
    """The decision and its reasons, in Danish."""
    d = decision
    lines = [
        f"Afgørelsesniveau: {d.level.name}",
        f"Plan: {d.plan.name}, {d.plan.kommune}, version {d.plan.version} (gyldig fra {d.plan.valid_from})",
        "",
        d.reason,
    ]
    if d.provisional:
        lines += ["", d.provisional]
    if d.derived:
        lines += ["", "Udledte oplysninger:"] + [f"  {text}" for text in d.derived]
    top = [r for r in d.matched if r.level == d.level.id]
    lower = [r for r in d.matched if r.level != d.level.id]
    if top:
        lines += ["", "Hvorfor dette niveau — regler der er opfyldt:"]
        for row in top:
            lines += _row(row)
    if lower:
        lines += ["", "Hvorfor ikke et lavere niveau — disse regler er også opfyldt, men kompetenceplanen",
                  "løfter sagen til det højeste opfyldte niveau og sænker den aldrig:"]
        for row in lower:
            lines.append(f"  {row.id} → {row.level_name}")
    if d.higher_not_matched or d.other_rows:
        lines += ["", "Hvorfor ikke et højere niveau — disse regler er ikke opfyldt:"]
        for row in d.higher_not_matched:
            lines += _row(row, only_unmet=True)
        if d.other_rows:
            lines.append(f"  (og {d.other_rows} regler for andre områder eller paragraffer; se kompetenceplan render)")
    return "\n".join(lines) + "\n"
