"""The agenda (dagsorden) and the minutes (referat) as Markdown and printable HTML.

Every value is written as plain text (`markup.md` / `markup.htm`): a title or a case reference
with a line break or markup cannot add a heading, an item, an outcome or raw HTML. Times are shown
in Danish time (`danish.format_time`).
"""

from __future__ import annotations

from ..danish import format_time
from ..markup import htm as escape
from ..markup import md
from .model import Agenda, AgendaItem

_CSS = """
body { font-family: Georgia, serif; max-width: 48rem; margin: 2rem auto; line-height: 1.4; color: #111; }
h1 { font-size: 1.5rem; } h2 { font-size: 1.15rem; margin-top: 1.6rem; border-bottom: 1px solid #999; }
.flag { font-weight: bold; color: #8a1c00; } .meta { color: #444; }
ul { padding-left: 1.2rem; }
@media print { body { margin: 0; max-width: none; } h2 { break-after: avoid; } section { break-inside: avoid; } }
"""


def _state(item: AgendaItem) -> str:
    return "klar" if item.ready else "IKKE KLAR"


def _period(item: AgendaItem) -> str:
    """A grant's period as the web minutes write it."""
    end = item.expected_end.isoformat() if item.expected_end else "ikke oplyst"
    return f"Startdato: {item.start.isoformat() if item.start else ''}; forventet slutdato: {end}"


def _findings(item: AgendaItem) -> list[str]:
    return [f"{f.severity.upper()} {f.code}: {f.title}" for f in item.findings]


def _sent(agenda: Agenda) -> str:
    return f"Udsendt {format_time(agenda.sent_at)}" if agenda.sent_at else "Udkast (ikke udsendt)"


def agenda_markdown(agenda: Agenda) -> str:
    m = agenda.meeting
    lines = [f"# Dagsorden: {md(m.title)}", "", f"Udvalg: {md(m.body_name)}  ", f"Mødedato: {m.meeting_date.isoformat()}  "]
    lines.append(md(_sent(agenda)).replace("Udsendt ", "Udsendt: ", 1))
    flagged = sum(1 for i in agenda.items if i.flags)
    lines += ["", f"{len(agenda.items)} punkter, {flagged} markeret."]
    for item in agenda.items:
        lines += [
            "",
            f"## Punkt {item.number}: sag {md(item.case_ref)}",
            "",
            f"- Krævet niveau: {md(item.required_level_name)}",
            f"- Dokumentation: {_state(item)} (planversion {md(item.plan_version)})",
        ]
        lines += [f"- **{md(flag)}**" for flag in item.flags]
        if item.findings:
            lines.append("- Fund:")
            lines += [f"  - {md(text)}" for text in _findings(item)]
        if item.versions > 1:
            lines.append(f"- Indstillingen er ændret {item.versions - 1} gang(e).")
    return "\n".join(lines) + "\n"


def minutes_markdown(agenda: Agenda) -> str:
    m = agenda.meeting
    lines = [f"# Referat: {md(m.title)}", "", f"Udvalg: {md(m.body_name)}  ", f"Mødedato: {m.meeting_date.isoformat()}", ""]
    decided = sum(1 for i in agenda.items if i.outcome)
    lines.append(f"{len(agenda.items)} punkter, {decided} med beslutning.")
    for item in agenda.items:
        lines += ["", f"## Punkt {item.number}: sag {md(item.case_ref)}", "", f"- Krævet niveau: {md(item.required_level_name)}"]
        if item.outcome:
            lines.append(f"- Beslutning: **{md(item.outcome_text)}**" + (f" (afgørelse {item.decision_id} i registeret)" if item.decision_id else ""))
            if item.reason:
                lines.append(f"- Begrundelse: {md(item.reason)}")
            if item.start:
                lines.append(f"- {md(_period(item))}")
            if item.kompetenceoverskridelse:
                lines.append("- **KOMPETENCEOVERSKRIDELSE: udvalget ligger under det krævede niveau.**")
        else:
            lines.append("- Beslutning: ingen registreret")
        lines += [f"- **{md(flag)}**" for flag in item.flags]
    return "\n".join(lines) + "\n"


def _html(title: str, body: list[str]) -> str:
    return f'<!doctype html>\n<html lang="da"><head><meta charset="utf-8"><title>{escape(title)}</title><style>{_CSS}</style></head><body>\n' + "\n".join(body) + "\n</body></html>\n"


def agenda_html(agenda: Agenda) -> str:
    m = agenda.meeting
    body = [f"<h1>Dagsorden: {escape(m.title)}</h1>", f'<p class="meta">Udvalg: {escape(m.body_name)}<br>Mødedato: {m.meeting_date.isoformat()}<br>{escape(_sent(agenda))}</p>']
    for item in agenda.items:
        body.append(f"<section><h2>Punkt {item.number}: sag {escape(item.case_ref)}</h2><ul>")
        body.append(f"<li>Krævet niveau: {escape(item.required_level_name)}</li><li>Dokumentation: {escape(_state(item))} (planversion {escape(item.plan_version)})</li>")
        body += [f'<li class="flag">{escape(flag)}</li>' for flag in item.flags]
        if item.findings:
            body.append("<li>Fund:<ul>" + "".join(f"<li>{escape(t)}</li>" for t in _findings(item)) + "</ul></li>")
        body.append("</ul></section>")
    return _html(f"Dagsorden {m.title}", body)


def minutes_html(agenda: Agenda) -> str:
    m = agenda.meeting
    body = [f"<h1>Referat: {escape(m.title)}</h1>", f'<p class="meta">Udvalg: {escape(m.body_name)}<br>Mødedato: {m.meeting_date.isoformat()}</p>']
    for item in agenda.items:
        body.append(f"<section><h2>Punkt {item.number}: sag {escape(item.case_ref)}</h2><ul><li>Krævet niveau: {escape(item.required_level_name)}</li>")
        if item.outcome:
            body.append(f"<li>Beslutning: <strong>{escape(item.outcome_text or '')}</strong>" + (f" (afgørelse {item.decision_id} i registeret)" if item.decision_id else "") + "</li>")
            if item.reason:
                body.append(f"<li>Begrundelse: {escape(item.reason)}</li>")
            if item.start:
                body.append(f"<li>{escape(_period(item))}</li>")
            if item.kompetenceoverskridelse:
                body.append('<li class="flag">KOMPETENCEOVERSKRIDELSE: udvalget ligger under det krævede niveau.</li>')
        else:
            body.append("<li>Beslutning: ingen registreret</li>")
        body += [f'<li class="flag">{escape(flag)}</li>' for flag in item.flags]
        body.append("</ul></section>")
    return _html(f"Referat {m.title}", body)
