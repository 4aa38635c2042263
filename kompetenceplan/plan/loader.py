"""Load a plan folder: parse TOML strictly, cross-check, enforce statutory floors and engine limits.

Why it is long: the order of assembling a plan, each part checked against the parts before it; the
floor check and the conditions are their own modules.

Every problem names the file, the key path (and row id), what is wrong and what is right.
All problems found are reported together, so a plan owner can fix them in one pass.
"""

from __future__ import annotations

import tomllib
from dataclasses import replace
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ..errors import PlanError, Problem, validation_message
from ..law import (
    BODIES,
    LAWS,
)
from .codes import DUPLICATE, UNKNOWN_REFERENCE
from .compile import rule_specs
from .conditions import parse_conditions, parse_implications
from .files import BOM, fingerprint, plan_files, read_snapshot, verify_unchanged
from .floor_check import check_floors
from .input_kinds import kind_of
from .model import Plan, PlanRequirement, PlanRow, consent_rules, statutory_floors
from .parts import RESERVED_INPUT_NAMES, Committee, InputSpec, LadderStep, Level, PlanMeta, of
from .schema import PlanFile, Requirement, Row
from .submission_paths import FIELD_PATHS, HEARING_ROLES

_EXAMPLES = {
    "plan": 'id = "nyborg", kommune = "Nyborg Kommune", version = "2026.1", valid_from = 2026-01-01',
    "levels": '[[levels]] id = "raadgiver" name = "Rådgiver (egen kompetence)"',
    "ladder": '[[ladder]] area = "boern" step = 3 name = "Hjemmebaserede indsatser"',
    "inputs": '[inputs.trin] type = "int" label = "Trin på indsatstrappen" min = 1 max = 6',
    "rows": '[[rows]] id = "B-UDG-2" level = "leder" when = { maanedlig_udgift = { gte = 30000 } }',
}


def load_plan(path: str | Path) -> Plan:
    """Load and validate the plan in folder ``path``; raise `PlanError` listing every problem."""
    folder = Path(path)
    if not folder.is_dir():
        raise PlanError(
            "Planen kunne ikke indlæses.",
            [Problem(str(folder), "mappen findes ikke.", "Angiv en planmappe, fx --plan rules/nyborg.")],
        )
    files = plan_files(folder)
    if not files:
        raise PlanError(
            "Planen kunne ikke indlæses.",
            [Problem(str(folder), "mappen indeholder ingen .toml-filer.", "Læg planens TOML-filer i mappen.")],
        )
    problems: list[Problem] = []
    parsed: list[tuple[str, PlanFile]] = []
    snapshot = read_snapshot(files, problems)
    for file, raw in snapshot.items():
        name = str(file)
        data = _parse_toml(name, raw, problems)
        if data is None:
            continue
        try:
            parsed.append((name, PlanFile.model_validate(data)))
        except ValidationError as exc:
            problems.extend(_schema_problems(name, data, exc))
        except RecursionError:
            problems.append(Problem(name, "værdierne er indlejret for dybt.", "Skriv betingelser og lister uden dybe indlejringer."))
    if problems:
        raise PlanError(f"Planen i {folder} er ugyldig.", problems)
    plan = _assemble(folder, parsed, fingerprint(snapshot), problems)
    if problems or plan is None:
        raise PlanError(f"Planen i {folder} er ugyldig.", problems)
    # Imported here: compile depends on the model built above, and refuses tables durable cannot run.
    from .compile import check_engine_limits

    limit_problems = check_engine_limits(plan)
    if limit_problems:
        raise PlanError(f"Planen i {folder} kan ikke køres sikkert af regelmotoren.", limit_problems)
    verify_unchanged(plan)
    return plan


def _parse_toml(name: str, raw: bytes, problems: list[Problem]) -> dict[str, Any] | None:
    try:
        return tomllib.loads(raw.removeprefix(BOM).decode("utf-8"))
    except UnicodeDecodeError:
        problems.append(Problem(name, "filen er ikke UTF-8.", "Gem filen som UTF-8."))
    except tomllib.TOMLDecodeError as exc:
        problems.append(Problem(name, f"ugyldig TOML ({exc}).", "Ret syntaksen; dublerede nøgler er ikke tilladt."))
    except RecursionError:
        problems.append(Problem(name, "værdierne er indlejret for dybt.", "Skriv betingelser og lister uden dybe indlejringer."))
    return None


# -- problem kinds (the lint codes of `kompetenceplan lint`) ------------------------------------


def _reference_problem(where: str, what: str, fix: str = "") -> Problem:
    """A reference to a level, input, value, step, document type, role or parameter that does not exist."""
    return Problem(where, what, fix, code=UNKNOWN_REFERENCE)


def _duplicate_problem(where: str, what: str, fix: str = "") -> Problem:
    """An id, code, input or section given twice."""
    return Problem(where, what, fix, code=DUPLICATE)


# -- schema errors --------------------------------------------------------------------------


def _schema_problems(file: str, data: dict[str, Any], exc: ValidationError) -> list[Problem]:
    out = []
    for err in exc.errors(include_url=False, include_input=False):
        loc = err["loc"]
        where = f"{file}: {_key_path(data, loc)}"
        section = str(loc[0]) if loc else ""
        example = _EXAMPLES.get(section, "")
        what = validation_message(err)
        fix = f"Eksempel på gyldig form: {example}" if example else ""
        out.append(Problem(where, what, fix))
    return one_per_place(out)


def one_per_place(problems: list[Problem]) -> list[Problem]:
    """One message per mistake: pydantic reports a value that fits no member of a union once per
    member (a threshold given as text gave 8 messages). Keep the deepest place, the last message."""
    by_where: dict[str, Problem] = {}
    for p in problems:
        by_where.pop(p.where, None)
        by_where[p.where] = p
    wheres = list(by_where)
    return [p for w, p in by_where.items() if not any(o != w and (o.startswith(w + ".") or o.startswith(w + "[")) for o in wheres)]


def _key_path(data: Any, loc: tuple[Any, ...]) -> str:
    parts: list[str] = []
    node = data
    for item in loc:
        if isinstance(item, int):
            label = f"[{item}]"
            if isinstance(node, list) and 0 <= item < len(node):
                node = node[item]
                if isinstance(node, dict) and isinstance(node.get("id"), str):
                    label = f"[{item}] (id {node['id']})"
            parts.append(label)
        else:
            key = str(item)
            # pydantic names union members in loc ("str", "list[str]"): not part of the key path.
            if isinstance(node, dict) and key in node:
                node = node[key]
                parts.append(("." if parts else "") + key)
            elif not any(c in key for c in "[]") and key not in {"str", "int", "float", "bool"}:
                parts.append(("." if parts else "") + key)
    return "".join(parts) or "(roden)"


# -- assembling and cross-checking -----------------------------------------------------------


def _assemble(folder: Path, parsed: list[tuple[str, PlanFile]], fingerprint: str, problems: list[Problem]) -> Plan | None:  # noqa: C901 - the order of assembly: each part checked against the parts before it
    meta: PlanMeta | None = None
    meta_file = ""
    levels: list[Level] | None = None
    levels_file = ""
    committees: list[tuple[str, Committee]] = []
    ladder: list[tuple[str, LadderStep]] = []
    inputs: dict[str, InputSpec] = {}
    input_files: dict[str, str] = {}
    rows: list[tuple[str, Row]] = []
    parameters: dict[str, int] = {}
    document_types: dict[str, Any] = {}
    consent_roles: dict[str, Any] = {}
    requirements: list[tuple[str, Requirement]] = []
    for file, pf in parsed:
        for section, target in (("parameters", parameters), ("document_types", document_types), ("consent_roles", consent_roles)):
            for key, value in (getattr(pf, section) or {}).items():
                if key in target:
                    problems.append(_duplicate_problem(f"{file}: {section}.{key}", "er angivet mere end én gang.", "Angiv hver nøgle én gang."))
                target[key] = of(value) if section != "parameters" else value
        requirements.extend((file, r) for r in pf.requirements or [])
        if pf.plan is not None:
            if meta is not None:
                problems.append(_duplicate_problem(f"{file}: plan", f"[plan] står også i {meta_file}.", "Behold én [plan]-sektion."))
            meta, meta_file = of(pf.plan), file
        if pf.levels is not None:
            if levels is not None:
                problems.append(_duplicate_problem(f"{file}: levels", f"levels står også i {levels_file}.", "Saml niveauerne ét sted."))
            levels, levels_file = [of(lv) for lv in pf.levels], file
        ladder.extend((file, of(s)) for s in pf.ladder or [])
        committees.extend((file, of(c)) for c in pf.committees or [])
        for name, spec in (pf.inputs or {}).items():
            if name in inputs:
                problems.append(_duplicate_problem(f"{file}: inputs.{name}", f"input er også erklæret i {input_files[name]}.", "Erklær hvert input én gang."))
            inputs[name], input_files[name] = of(spec), file
        rows.extend((file, r) for r in pf.rows or [])
    anywhere = str(folder)
    for section, present in (("plan", meta), ("levels", levels), ("inputs", inputs), ("rows", rows), ("ladder", ladder)):
        if not present:
            problems.append(Problem(anywhere, f"sektionen '{section}' mangler eller er tom.", f"Tilføj fx: {_EXAMPLES[section]}"))
    if problems or meta is None or levels is None:
        return None

    level_ids = [lv.id for lv in levels]
    _check_levels(levels_file, levels, meta, meta_file, problems)
    _check_inputs(inputs, input_files, meta, meta_file, problems)
    if problems:
        return None
    _check_ladder(ladder, inputs, meta, problems)
    _check_committees(committees, levels, inputs, meta, problems)
    implications = parse_implications(inputs, input_files, problems)

    rank = {lv: i for i, lv in enumerate(level_ids)}
    plan_rows: list[PlanRow] = []
    seen: dict[str, str] = {}
    for file, row in rows:
        where = f"{file}: rows (id {row.id})"
        if row.id in seen:
            problems.append(_duplicate_problem(where, f"række-id'et findes også i {seen[row.id]}.", "Giv hver række et unikt, stabilt id."))
            continue
        seen[row.id] = file
        if row.level not in rank:
            problems.append(_reference_problem(f"{where}.level", "ukendt niveau.", f"Brug et af: {', '.join(level_ids)}."))
            continue
        if not row.when:
            problems.append(Problem(f"{where}.when", "rækken har ingen betingelser.", "Angiv mindst én betingelse, fx when = { trin = 3 }."))
            continue
        terms = parse_conditions(row.when, inputs, f"{where}.when", problems)
        if terms is None:
            continue
        plan_rows.append(PlanRow(row.id, row.level, rank[row.level], terms, row.reference, row.note, row.law, file))
    if problems:
        return None
    plan_requirements = _requirements(requirements, inputs, rank, parameters, document_types, consent_roles, problems)
    if problems:
        return None
    plan = Plan(
        meta=meta,
        levels=tuple(levels),
        ladder=tuple(s for _, s in ladder),
        inputs=inputs,
        rows=tuple(plan_rows),
        implications=implications,
        path=folder,
        fingerprint=fingerprint,
        files=tuple(f for f, _ in parsed),
        parameters=parameters,
        document_types=document_types,
        consent_roles=consent_roles,
        requirements=plan_requirements,
        input_files=input_files,
        committees=tuple(c for _, c in committees),
    )
    check_floors(plan, levels_file, problems)
    if problems:
        return None
    plan = replace(plan, floors=statutory_floors(plan))
    plan = replace(plan, consent_codes=consent_rules(plan))
    return replace(plan, rule_specs=tuple(rule_specs(plan)))


def _requirements(  # noqa: C901 - one check per key of a requirement, every problem collected in one pass
    requirements: list[tuple[str, Requirement]],
    inputs: dict[str, InputSpec],
    rank: dict[str, int],
    parameters: dict[str, int],
    document_types: dict[str, Any],
    consent_roles: dict[str, Any],
    problems: list[Problem],
) -> tuple[PlanRequirement, ...]:
    """Cross-check the documentation standard against the plan's vocabularies."""
    out = []
    seen: dict[str, str] = {}
    paths = FIELD_PATHS
    for file, req in requirements:
        where = f"{file}: requirements (code {req.code})"
        if req.code in seen:
            problems.append(_duplicate_problem(where, f"koden findes også i {seen[req.code]}.", "Giv hvert krav en unik kode; genbrug aldrig en udgået kode."))
            continue
        seen[req.code] = file
        terms = parse_conditions(req.when, inputs, f"{where}.when", problems) if req.when else ()
        if req.min_level is not None and req.min_level not in rank:
            problems.append(_reference_problem(f"{where}.min_level", "ukendt niveau.", f"Brug et af: {', '.join(rank)}."))
        check = of(req.require)
        needs = {"document": check.types, "fields": check.paths, "consent": check.roles, "hearing": check.roles}
        if check.kind in needs and not needs[check.kind]:
            key = {"document": "types", "fields": "paths", "consent": "roles", "hearing": "roles"}[check.kind]
            problems.append(Problem(f"{where}.require.{key}", f"et krav af typen {check.kind} skal angive {key}.", f"Tilføj {key} = [...]."))
        for t in check.types:
            if t not in document_types:
                problems.append(_reference_problem(f"{where}.require.types", f"ukendt dokumenttype '{t}'.", f"Erklær den under [document_types] eller brug en af: {', '.join(document_types)}."))
        # A hearing requirement names the parties of barnets lov § 142, stk. 2-3 (fixed by the law
        # and the submission's shape); a consent requirement the plan's own consent roles.
        known_roles, kind_name = (HEARING_ROLES, "part i § 142, stk. 2-3") if check.kind == "hearing" else (consent_roles, "samtykkerolle")
        for role in check.roles:
            if role not in known_roles:
                problems.append(_reference_problem(f"{where}.require.roles", f"ukendt {kind_name} '{role}'.", f"Brug en af: {', '.join(known_roles)}."))
        for path in [*check.paths, *check.or_paths]:
            if path not in paths:
                problems.append(Problem(f"{where}.require.paths", f"'{path}' er ikke et felt i en indstilling.", f"Brug et af: {', '.join(sorted(paths))}."))
        if check.kind == "economy":
            for key in ("monthly_input", "duration_input"):
                name = getattr(check, key)
                if name is None or name not in inputs or not kind_of(inputs[name]).numeric:
                    problems.append(Problem(f"{where}.require.{key}", "skal henvise til et tal-input i sagen.", f'Angiv fx {key} = "maanedlig_udgift".'))
        max_age: int | None = None
        if isinstance(check.max_age_days, str):
            if check.max_age_days not in parameters:
                problems.append(_reference_problem(f"{where}.require.max_age_days", f"ukendt parameter '{check.max_age_days}'.", "Erklær den under [parameters], fx bfu_max_alder_dage = 365."))
            else:
                max_age = parameters[check.max_age_days]
        else:
            max_age = check.max_age_days
        if terms is None:
            continue
        out.append(
            PlanRequirement(
                code=req.code,
                title=req.title,
                severity=req.severity,
                terms=terms,
                min_rank=rank.get(req.min_level) if req.min_level else None,
                unknown_applies=req.unknown_applies,
                check=check,
                max_age_days=max_age,
                message=req.message,
                hint=req.hint,
                reference=req.reference,
                doc=of(req.doc),
                file=file,
            )
        )
    return tuple(out)


def _check_levels(file: str, levels: list[Level], meta: PlanMeta, meta_file: str, problems: list[Problem]) -> None:
    ids = [lv.id for lv in levels]
    for i, lv in enumerate(levels):
        if ids.index(lv.id) != i:
            problems.append(_duplicate_problem(f"{file}: levels[{i}] (id {lv.id})", "niveauet er angivet to gange.", "Giv hvert niveau et unikt id."))
        if lv.body is not None and lv.body not in BODIES:
            problems.append(_reference_problem(f"{file}: levels[{i}].body", "ukendt lovbestemt organ.", f"Brug et af: {', '.join(BODIES)}."))
    if meta.escalation_level not in ids:
        problems.append(_reference_problem(f"{meta_file}: plan.escalation_level", "ukendt niveau.", f"Brug et af: {', '.join(ids)} (typisk visitationsudvalg)."))
    elif levels[ids.index(meta.escalation_level)].body is not None:
        problems.append(
            Problem(
                f"{meta_file}: plan.escalation_level",
                "et lovbestemt organ kan ikke være eskalationsniveau for sager, ingen regel dækker.",
                "Brug det højeste administrative niveau, typisk visitationsudvalg.",
            )
        )


def _check_inputs(inputs: dict[str, InputSpec], files: dict[str, str], meta: PlanMeta, meta_file: str, problems: list[Problem]) -> None:
    for name, spec in inputs.items():
        where = f"{files[name]}: inputs.{name}"
        if name in RESERVED_INPUT_NAMES:
            problems.append(Problem(where, "navnet er reserveret af motoren.", f"Vælg et andet navn end {', '.join(sorted(RESERVED_INPUT_NAMES))}."))
        problems += kind_of(spec).declaration_problems(spec, where, inputs, name)
    roles = (("area_input", "enum"), ("step_input", "int"), ("paragraph_input", "enum"))
    for role, expected in roles:
        name = getattr(meta, role)
        role_spec = inputs.get(name)
        if role_spec is None or role_spec.type != expected or not role_spec.required:
            problems.append(Problem(f"{meta_file}: plan.{role}", f"'{name}' skal være et påkrævet input af typen {expected}.", f'Erklær [inputs.{name}] med type = "{expected}".'))
    for role in ("consent_input", "urgent_input"):
        name = getattr(meta, role)
        if name is not None and (name not in inputs or inputs[name].type != "bool"):
            problems.append(Problem(f"{meta_file}: plan.{role}", f"'{name}' skal være et input af typen bool.", f'Erklær [inputs.{name}] med type = "bool".'))
    paragraph = inputs.get(meta.paragraph_input)
    if paragraph is not None and paragraph.values:
        for code, value in paragraph.values.items():
            where = f"{files[meta.paragraph_input]}: inputs.{meta.paragraph_input}.values.{code}"
            if value.law is None or value.section is None:
                problems.append(Problem(where, "en paragraf skal angive law og section, så lovens forbeholdte afgørelser kan håndhæves.", 'Tilføj fx law = "barnets_lov", section = 47.'))
            elif value.law not in LAWS:
                problems.append(_reference_problem(f"{where}.law", "ukendt lov.", f"Brug et af: {', '.join(LAWS)}."))
    for name, spec in inputs.items():
        for code, value in (spec.values or {}).items():
            for req in value.requires:
                if req not in inputs:
                    problems.append(_reference_problem(f"{files[name]}: inputs.{name}.values.{code}.requires", f"ukendt input '{req}'.", f"Brug et af: {', '.join(inputs)}."))


def _check_ladder(ladder: list[tuple[str, LadderStep]], inputs: dict[str, InputSpec], meta: PlanMeta, problems: list[Problem]) -> None:
    area_spec = inputs[meta.area_input]
    step_spec = inputs[meta.step_input]
    seen: set[tuple[str, int]] = set()
    for file, step in ladder:
        where = f"{file}: ladder (område {step.area}, trin {step.step})"
        if step.area not in (area_spec.values or {}):
            problems.append(_reference_problem(where, "ukendt område.", f"Brug et af: {', '.join(area_spec.values or {})}."))
        if (step.area, step.step) in seen:
            problems.append(_duplicate_problem(where, "trinnet er angivet to gange.", "Angiv hvert trin én gang pr. område."))
        seen.add((step.area, step.step))
        if not (step_spec.min is not None and step_spec.max is not None and step_spec.min <= step.step <= step_spec.max):
            problems.append(_reference_problem(where, f"trinnet ligger uden for inputtet {meta.step_input}s min/max.", "Ret trinnet eller inputtets grænser."))


def _check_committees(committees: list[tuple[str, Committee]], levels: list[Level], inputs: dict[str, InputSpec], meta: PlanMeta, problems: list[Problem]) -> None:
    """The plan's committees: each holds a committee level of the administration (at or above the
    escalation level; a statutory body is its own body) for some areas, no two the same area of a
    level, and a level they split is split for every area, so that a case never lacks its
    committee (fail-safe: no case falls between two committees)."""
    ids = [lv.id for lv in levels]
    areas = list(inputs[meta.area_input].values or {})
    escalation = ids.index(meta.escalation_level)
    seen: dict[str, str] = {}
    held: dict[tuple[str, str], str] = {}
    for file, c in committees:
        where = f"{file}: committees (id {c.id})"
        if c.id in seen or c.id in ids:
            problems.append(_duplicate_problem(where, "id'et bruges også af et andet udvalg eller niveau.", "Giv udvalget et id, ingen andre udvalg eller niveauer har."))
        seen[c.id] = file
        if c.level not in ids:
            problems.append(_reference_problem(f"{where}.level", "ukendt niveau.", f"Brug et af: {', '.join(ids)}."))
            continue
        level = levels[ids.index(c.level)]
        if ids.index(c.level) < escalation or level.body is not None:
            problems.append(
                Problem(
                    f"{where}.level",
                    "et udvalg kan kun dele et udvalgsniveau i forvaltningen (eskalationsniveauet eller højere, ikke et lovbestemt organ).",
                    f'Brug fx level = "{meta.escalation_level}".',
                )
            )
        for area in c.areas:
            if area not in areas:
                problems.append(_reference_problem(f"{where}.areas", f"ukendt område '{area}'.", f"Brug et af: {', '.join(areas)}."))
            elif (c.level, area) in held:
                problems.append(
                    _duplicate_problem(f"{where}.areas", f"området '{area}' hører allerede til udvalget {held[(c.level, area)]} på samme niveau.", "Giv hvert område ét udvalg pr. niveau.")
                )
            else:
                held[(c.level, area)] = c.id
    for level_id in {c.level for _, c in committees if c.level in ids}:
        missing = [a for a in areas if (level_id, a) not in held]
        if missing:
            problems.append(
                Problem(
                    f"committees (level {level_id})",
                    f"niveauet er delt i udvalg, men ingen har området {', '.join(missing)}: en sag i det område ville ikke have et udvalg.",
                    "Tilføj området til et af udvalgene.",
                )
            )
