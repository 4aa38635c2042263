"""The indstilling as a form, generated from the submission model (`model.submission`) and the
plan's documentation standard — no field is written by hand in a template.

Each top-level key of `Submission` becomes a section: the case (``sag``) is the advisor's form
(`forms.advisor_form`, the plan's inputs); a nested model (barnets perspektiv, økonomi, VUM) is a
group of fields; a list of models (dokumenter, samtykker, alternativer) is rows; a list of text
(mål) is one line per item; text, dates, yes/no and amounts are controls of their kind. The
person (``borger``) is never asked: the register stores no one's identity. The vocabularies come
from the plan (document types, consent roles, the ladder's steps), the hints from the
requirements that name a field or a section, and the labels from `LABELS` (for a field the model
gains later, its name in words). Form field names are the dotted paths (``oekonomi.samlet``,
``dokumenter.0.dato``); the case's fields keep the plan's input names, as on the advisor's page.
"""

from __future__ import annotations

import datetime as dt
import re
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from pydantic import BaseModel

from ..model.submission import Submission
from ..plan.input_kinds import kind_of
from ..plan.model import Plan
from .forms import FieldErrors, NumberTextError, case_from_form, parse_danish_number

#: Danish labels by path (a row's fields by ``list.field``). A path not here is named by its key in
#: words (``ny_bolig_og_stoette`` → "Ny bolig og støtte").
LABELS: dict[str, str] = {
    "sag": "Sagen",
    "sagsnummer": "Sagsnummer",
    "formaal": "Formål med indsatsen",
    "maal": "Mål (ét pr. linje)",
    "anbefaling": "Forvaltningens indstilling til udvalget",
    "akut_begrundelse": "Hvorfor kan anbringelsen ikke afvente undersøgelsen (akut)",
    "foraeldreplan_undladt_begrundelse": "Hvorfor er der ikke en plan for støtte til forældrene",
    "tre_aar_undtagelse_begrundelse": "Begrundelse for at fravige treårsfristen",
    "barnets_perspektiv": "Barnets perspektiv",
    "barnets_perspektiv.indhentet": "Er barnets perspektiv indhentet ved samtale eller direkte kontakt?",
    "barnets_perspektiv.dato": "Dato for samtalen",
    "barnets_perspektiv.metode": "Hvordan blev det indhentet",
    "barnets_perspektiv.undtagelse_begrundelse": "Hvis ikke: hvorfor (kun i helt særlige tilfælde)",
    "barnets_perspektiv.anden_vis_metode": "Hvis ikke: hvordan blev perspektivet så indhentet på anden vis",
    "barnets_perspektiv.anden_vis_dato": "Dato for det, der blev indhentet på anden vis",
    "udtaleret": "Hvem har haft mulighed for at udtale sig over for udvalget",
    "anbringelsesgrundlag": "Grundlaget for en anbringelse uden samtykke",
    "anbringelsesgrundlag.grunde": "Grunde efter § 47, stk. 1 (numrene 1-4, adskilt af komma)",
    "soeskende": "Søskende under 15 år i husstanden",
    "partshoering": "Partshøring",
    "familieretshuset": "Indstilling til Familieretshuset",
    "samtykker": "Samtykker",
    "samtykker.fra": "Fra hvem",
    "samtykker.dato": "Dato",
    "samtykker.daekker_formaal": "Dækker samtykket formålet?",
    "alternativer": "Alternativer, der er overvejet",
    "alternativer.indsats": "Indsats",
    "alternativer.trin": "Trin på indsatstrappen",
    "alternativer.begrundelse": "Hvorfor er den ikke tilstrækkelig",
    "oekonomi": "Økonomi og leverandør",
    "oekonomi.pris_pr_maaned": "Pris pr. måned (kr.)",
    "oekonomi.varighed_maaneder": "Varighed (måneder)",
    "oekonomi.samlet": "Samlet udgift (kr.)",
    "oekonomi.leverandoer": "Leverandør",
    "vum": "VUM 2.0: indstillingens afsnit (voksne)",
    "dokumenter": "Dokumenter",
    "dokumenter.type": "Type",
    "dokumenter.dato": "Dato",
    "dokumenter.titel": "Titel",
    "dokumenter.forfatter_rolle": "Forfatterens rolle",
    "dokumenter.underskrevet": "Underskrevet",
    "dokumenter.godkendt": "Godkendt af leder",
}
#: Never asked: who the case is about (the register stores no one's identity).
LEFT_OUT = frozenset({"borger"})
#: Form fields that are not part of the submission.
COUNT_PREFIX = "antal."
_WORDS = (("aa", "å"), ("ae", "æ"), ("oe", "ø"))
_DANISH_DATE = re.compile(r"(\d{1,2})[.\-/](\d{1,2})[.\-/](\d{4})")


def words(name: str) -> str:
    """A key in words: ``hjaelp_forsoegt`` → "Hjælp forsøgt"."""
    text = name.replace("_", " ")
    for a, b in _WORDS:
        text = text.replace(a, b)
    return text[:1].upper() + text[1:]


def label(path: str) -> str:
    generic = re.sub(r"\.\d+\.", ".", path)
    return LABELS.get(generic) or words(generic.rsplit(".", 1)[-1])


@dataclass(frozen=True)
class Control:
    """One control: ``kind`` text, textarea, date, bool, amount, int, choice or lines."""

    key: str  # the model's field name
    path: str  # the dotted path of the generic field (rows: ``dokumenter.type``)
    label: str
    kind: str
    required: bool = False
    options: tuple[tuple[str, str, str], ...] = ()  # (value, label, group)


@dataclass(frozen=True)
class Section:
    key: str
    label: str
    kind: str  # case, control, group, rows
    controls: tuple[Control, ...] = ()
    requirements: tuple[str, ...] = ()  # what the documentation standard can demand here, in words
    control: Control | None = None  # kind "control": the one control


def _unwrap(annotation: Any) -> tuple[Any, bool]:
    """The annotation without ``| None``, and whether None was allowed."""
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        optional = len(args) < len(typing.get_args(annotation))
        if len(args) == 1:
            return _unwrap(args[0])[0], optional
        return args, optional
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(annotation)[0])
    return annotation, False


def _control(plan: Plan, key: str, path: str, info: Any) -> Control:
    annotation, _ = _unwrap(info.annotation)
    long_text = any(getattr(m, "max_length", 0) and getattr(m, "max_length", 0) > 200 for m in info.metadata)
    options: tuple[tuple[str, str, str], ...] = ()
    if isinstance(annotation, list):  # a union of number types (an amount)
        kind = "amount"
    elif annotation is bool:
        kind = "bool"
    elif annotation is dt.date:
        kind = "date"
    elif annotation is int:
        kind = "int"
    elif annotation is float:
        kind = "amount"
    elif typing.get_origin(annotation) is list:
        item, _ = _unwrap(typing.get_args(annotation)[0])
        kind = "numbers" if item is int else "lines"
    else:
        kind = "textarea" if long_text else "text"
    # the plan's vocabularies, by the kind of value a field holds
    generic = re.sub(r"\.\d+\.", ".", path)
    if generic == "dokumenter.type":
        kind, options = "choice", tuple((code, t.label, "") for code, t in plan.document_types.items())
    elif generic == "samtykker.fra":
        kind, options = "choice", tuple((code, r.label, "") for code, r in plan.consent_roles.items())
    elif generic == "alternativer.trin":
        areas = plan.inputs[plan.meta.area_input].values or {} if plan.meta.area_input in plan.inputs else {}
        kind = "choice"
        options = tuple((str(s.step), f"{s.step}: {s.name}", areas[s.area].label if s.area in areas else s.area) for s in plan.ladder)
    return Control(key=key, path=generic, label=label(generic), kind=kind, required=info.is_required(), options=options)


def _requirement_paths(plan: Plan) -> dict[str, list[str]]:
    """Section or field path -> the titles of the requirements that name it."""
    out: dict[str, list[str]] = {}
    where = {"document": ["dokumenter"], "consent": ["samtykker"], "child_view": ["barnets_perspektiv"], "alternatives": ["alternativer"], "economy": ["oekonomi"]}
    for r in plan.requirements:
        paths = where.get(r.check.kind) or [*r.check.paths, *r.check.or_paths]
        for p in paths:
            titles = out.setdefault(p, [])
            if r.title not in titles:
                titles.append(r.title)
    return out


@lru_cache(maxsize=16)
def submission_form(plan: Plan) -> tuple[Section, ...]:
    """The indstilling's sections in the model's order."""
    demanded = _requirement_paths(plan)
    sections = []
    for key, info in Submission.model_fields.items():
        if key in LEFT_OUT:
            continue
        annotation, _ = _unwrap(info.annotation)
        under = tuple(t for p, ts in demanded.items() if p == key or p.startswith(f"{key}.") for t in ts)
        if key == "sag":
            sections.append(Section(key, label(key), "case", requirements=under))
        elif isinstance(annotation, type) and issubclass(annotation, BaseModel):
            controls = tuple(_control(plan, k, f"{key}.{k}", i) for k, i in annotation.model_fields.items())
            sections.append(Section(key, label(key), "group", controls, under))
        elif typing.get_origin(annotation) is list and isinstance(typing.get_args(annotation)[0], type) and issubclass(typing.get_args(annotation)[0], BaseModel):
            model = typing.get_args(annotation)[0]
            controls = tuple(_control(plan, k, f"{key}.{k}", i) for k, i in model.model_fields.items())
            sections.append(Section(key, label(key), "rows", controls, under))
        else:
            sections.append(Section(key, label(key), "control", requirements=under, control=_control(plan, key, key, info)))
    return tuple(sections)


# -- reading the form ----------------------------------------------------------------------------


def _date(text: str) -> str | None:
    """A date as ISO text: the date picker's ``2026-12-15`` or a typed ``15.12.2026``."""
    t = text.strip()
    found = _DANISH_DATE.fullmatch(t)
    try:
        day = dt.date(int(found.group(3)), int(found.group(2)), int(found.group(1))) if found else dt.date.fromisoformat(t)
    except ValueError:
        return None
    return day.isoformat() if re.fullmatch(r"\d{4}-\d{2}-\d{2}", day.isoformat()) else None


def _value(c: Control, text: str, errors: FieldErrors, name: str) -> Any:
    """The value of one filled-in control (errors by the form field's name; never the text)."""
    t = text.strip()
    if c.kind == "bool":
        if t not in ("ja", "nej"):
            errors.fields[name] = "Vælg ja eller nej."
            return None
        return t == "ja"
    if c.kind == "date":
        day = _date(t)
        if day is None:
            errors.fields[name] = "Skal være en dato, fx 15.12.2026."
        return day
    if c.kind == "amount":
        try:
            return parse_danish_number(t, "kr.")
        except NumberTextError as exc:
            errors.fields[name] = str(exc)[:1].upper() + str(exc)[1:]
            return None
    if c.kind == "lines":
        return [line.strip() for line in t.splitlines() if line.strip()] or None
    if c.kind == "numbers":
        parts = [p for p in re.split(r"[\s,;]+", t) if p]
        if not all(p.isascii() and p.isdigit() and len(p) <= 4 for p in parts):
            errors.fields[name] = "Skriv hele tal adskilt af komma, fx 1, 3."
            return None
        return [int(p) for p in parts] or None
    if c.kind == "int" or (c.kind == "choice" and c.path == "alternativer.trin"):
        if not (t.isascii() and t.isdigit() and len(t) <= 4):
            errors.fields[name] = "Skal være et helt tal, fx 3."
            return None
        return int(t)
    if c.kind == "choice" and t not in {v for v, _, _ in c.options}:
        errors.fields[name] = "Vælg i listen."
        return None
    return t


def row_count(values: Mapping[str, str], key: str) -> int:
    """How many rows of a list section the form has (its rows with content, at least the count field)."""
    counted = values.get(f"{COUNT_PREFIX}{key}", "")
    n = int(counted) if counted.isascii() and counted.isdigit() and len(counted) <= 3 else 0
    indices = [int(m.group(1)) for name in values if (m := re.fullmatch(rf"{re.escape(key)}\.(\d{{1,3}})\..+", name))]
    return min(max([n, *(i + 1 for i in indices)]), 100)


def submission_from_form(plan: Plan, values: Mapping[str, str]) -> tuple[dict[str, Any], FieldErrors]:  # noqa: C901 - one branch per kind of section (control, group, rows) and per kind of field
    """The submission a filled-in form describes, and the fields that could not be read."""
    errors = FieldErrors()
    out: dict[str, Any] = {}
    case, case_errors = case_from_form(plan, values)
    out["sag"] = case
    errors.fields.update(case_errors)
    for s in submission_form(plan):
        if s.kind == "control" and s.control is not None:
            c = s.control
            text = values.get(s.key, "")
            if c.kind == "lines":
                lines = [line.strip() for line in text.splitlines() if line.strip()]
                if lines:
                    out[s.key] = lines
            elif text.strip():
                value = _value(c, text, errors, s.key)
                if value is not None:
                    out[s.key] = value
        elif s.kind == "group":
            group: dict[str, Any] = {}
            for c in s.controls:
                text = values.get(c.path, "")
                if text.strip():
                    value = _value(c, text, errors, c.path)
                    if value is not None:
                        group[c.key] = value
            if group or any(c.path in errors.fields for c in s.controls):
                for c in s.controls:
                    if c.required and c.key not in group and c.path not in errors.fields:
                        errors.fields[c.path] = "Skal besvares, når afsnittet er udfyldt. Vælg ja eller nej." if c.kind == "bool" else "Mangler."
                out[s.key] = group
        elif s.kind == "rows":
            rows = []
            for i in range(row_count(values, s.key)):
                row: dict[str, Any] = {}
                for c in s.controls:
                    name = f"{s.key}.{i}.{c.key}"
                    text = values.get(name, "")
                    if text.strip():
                        value = _value(c, text, errors, name)
                        if value is not None:
                            row[c.key] = value
                filled = row or any(f"{s.key}.{i}.{c.key}" in errors.fields for c in s.controls)
                if not filled:
                    continue
                for c in s.controls:
                    name = f"{s.key}.{i}.{c.key}"
                    if c.required and c.key not in row and name not in errors.fields:
                        errors.fields[name] = "Skal besvares. Vælg ja eller nej." if c.kind == "bool" else "Mangler."
                rows.append(row)
            if rows:
                out[s.key] = rows
    return out, errors


def form_values(plan: Plan, submission: Mapping[str, Any]) -> dict[str, str]:  # noqa: C901 - the inverse of submission_from_form, branch for branch
    """The form's values for a stored submission (the reverse of `submission_from_form`)."""
    from ..plan.model import format_number

    def text(c: Control, value: Any) -> str:
        if value is None:
            return ""
        if c.kind == "bool":
            return "ja" if value else "nej"
        if c.kind == "amount" and isinstance(value, (int, float)):
            return format_number(value)
        if c.kind == "lines":
            return "\n".join(str(v) for v in value)
        if c.kind == "numbers":
            return ", ".join(str(v) for v in value)
        return str(value)

    values: dict[str, str] = {}
    sag = submission.get("sag")
    if isinstance(sag, dict):
        for name, spec in plan.inputs.items():
            if name in sag:
                v = sag[name]
                # As the form's field holds it: ja/nej, a Danish number without its unit (the unit
                # stands beside the field), a code as it is.
                kind = kind_of(spec)
                values[name] = ("ja" if v else "nej") if kind.code == "bool" else format_number(v) if kind.numeric and isinstance(v, (int, float)) else str(v)
    for s in submission_form(plan):
        found = submission.get(s.key)
        if s.kind == "control" and s.control is not None:
            values[s.key] = text(s.control, found)
        elif s.kind == "group" and isinstance(found, dict):
            for c in s.controls:
                values[c.path] = text(c, found.get(c.key))
        elif s.kind == "rows" and isinstance(found, list):
            for i, row in enumerate(found):
                for c in s.controls:
                    if isinstance(row, dict):
                        values[f"{s.key}.{i}.{c.key}"] = text(c, row.get(c.key))
            values[f"{COUNT_PREFIX}{s.key}"] = str(len(found))
    return values


def finding_slot(path: str) -> str:
    """Where on the form a finding belongs: its field when the form has it, else its section."""
    head = re.split(r"[.\[]", path, maxsplit=1)[0]
    generic = re.sub(r"\[[^\]]*\]", "", path)
    return generic if "." in generic and not re.search(r"\.\d", generic) else head


def plain(plan: Plan, text: str) -> str:
    """A requirement's hint in the words of the form: the plan's codes for document types,
    consent roles and inputs replaced by their labels, field names by the form's labels."""
    out = text
    paragraphs = plan.inputs[plan.meta.paragraph_input].values or {} if plan.meta.paragraph_input in plan.inputs else {}
    for code, value in sorted(paragraphs.items(), key=lambda kv: -len(kv[0])):  # the law's words, never the plan's code
        out = re.sub(rf"(?<![\w.-]){re.escape(code)}(?![\w-])", value.label, out)
    for code, t in sorted(plan.document_types.items(), key=lambda kv: -len(kv[0])):
        out = re.sub(rf"(?<![\w.]){re.escape(code)}(?![\w])", f"«{t.label.split(' (')[0].lower()}»", out)
    for code, r in plan.consent_roles.items():
        out = re.sub(rf"(?<![\w.]){re.escape(code)}(?![\w])", r.label.lower(), out)
    out = re.sub(r"\b([a-z_]+(?:\.[a-z_]+)+)\b", lambda m: f"«{label(m.group(1))}»" if m.group(1).split(".")[0] in Submission.model_fields else m.group(0), out)
    for name, spec in plan.inputs.items():
        out = re.sub(rf"\b{re.escape(name)}\s*=\s*true\b", f"«{spec.label}» = ja", out)
        out = re.sub(rf"\b{re.escape(name)}\s*=\s*false\b", f"«{spec.label}» = nej", out)
    for key in Submission.model_fields:
        if "_" in key:
            out = re.sub(rf"(?<![\w.«]){re.escape(key)}(?![\w])", f"«{label(key)}»", out)
    out = re.sub(r"\b([a-z_]+)\s*=\s*true\b", lambda m: f"«{label(m.group(1))}» = ja", out)
    out = re.sub(r"\b([a-z_]+)\s*=\s*false\b", lambda m: f"«{label(m.group(1))}» = nej", out)
    # the requirements' codes are for plan owners (the "detaljer"), not the main text
    return re.sub(r"\s*\((?:se |jf\. )?DOK-\d+\)|\bDOK-\d+\b", "", out)
