"""The law's reserved decisions, checked when a plan is loaded: against the statute tables in
code (`law`), never against the plan's own labels. Each function checks one rule and yields its
problems (code PLAN-STATUTORY, `plan.codes`); `check_floors` runs them in order."""

from __future__ import annotations

from collections.abc import Iterator

from ..errors import Problem
from ..law import (
    BODIES,
    BODY_NAME_WORDS,
    CANONICAL_CODES,
    RESERVED_WORDS,
    STATUTORY_FLOORS,
    code_mismatch,
    consent_rule,
    floor_for,
    label_mismatch,
    partially_floored,
)
from .codes import STATUTORY
from .model import OneOf, Plan
from .parts import EnumValue


def floor_problem(where: str, what: str, fix: str = "") -> Problem:
    """A statutory floor that the plan does not route to its body."""
    return Problem(where, what, fix, code=STATUTORY)


def check_floors(plan: Plan, levels_file: str, problems: list[Problem]) -> None:
    """The law's reserved decisions in the plan:

    - a statutory body must rank above every administrative level, and only its level carries its name;
    - only the paragraph input declares law, section and stk.;
    - a paragraph code the law table knows (bl-47, …) must be declared with that law and §;
      a label must not name another § or another law than the value declares; a section the law
      reserves for some stykker only must say which stk.; serviceloven gives an adult area;
    - a paragraph that needs consent (§§ 32, 46) is usable only if the plan declares its consent input;
    - each reserved paragraph is routed to its body by a law row that applies unconditionally;
      since the highest matching level wins, no other row can then route it lower.
    """
    meta = plan.meta
    paragraph_spec = plan.inputs[meta.paragraph_input]
    body_level = {lv.body: lv.id for lv in plan.levels if lv.body}
    values_file = plan.input_files.get(meta.paragraph_input, str(plan.path))
    problems += _bodies_above_administration(plan, levels_file)
    problems += _level_names(plan, levels_file)
    problems += _law_only_on_the_paragraph(plan)
    # The areas barnets lov's paragraphs give: a serviceloven paragraph must give another.
    child_areas: set[object] = {
        t.single
        for c, v in (paragraph_spec.values or {}).items()
        if v.law == "barnets_lov"
        for t in plan.implications.get((meta.paragraph_input, c), ())
        if t.input == meta.area_input and t.single is not None
    }
    for code, value in (paragraph_spec.values or {}).items():
        where = f"{values_file}: inputs.{meta.paragraph_input}.values.{code}"
        problems += _declared_as_the_law_says(plan, code, value, where, child_areas)
        problems += _routed_to_its_body(plan, code, value, where, body_level)
    problems += _law_rows(plan, body_level)


def _bodies_above_administration(plan: Plan, levels_file: str) -> Iterator[Problem]:
    top_admin = max((i for i, lv in enumerate(plan.levels) if not lv.body), default=-1)
    for i, lv in enumerate(plan.levels):
        if lv.body and i < top_admin:
            yield (
                floor_problem(
                    f"{levels_file}: levels[{i}] (id {lv.id})",
                    f"{BODIES.get(lv.body, lv.body)} er et lovbestemt organ og skal stå over alle forvaltningens niveauer, men står under {plan.levels[top_admin].name}.",
                    "Flyt niveauet op, så det er det højeste i planen; loven kan ikke fraviges i kompetenceplanen.",
                )
            )


def _level_names(plan: Plan, levels_file: str) -> Iterator[Problem]:
    for i, lv in enumerate(plan.levels):
        # A level's name is what caseworkers read ("Afgørelsesniveau: …"): a statutory body's
        # level must say it is the body, and no other level may borrow the body's name.
        name = lv.name.lower()
        if lv.body and BODY_NAME_WORDS.get(lv.body, "") not in name:
            yield (
                floor_problem(
                    f"{levels_file}: levels[{i}] (id {lv.id}).name",
                    f"niveauet er {BODIES.get(lv.body, lv.body)}, men navnet siger det ikke.",
                    f'Kald niveauet fx "{BODIES.get(lv.body, lv.body)}".',
                )
            )
        for body, words in BODY_NAME_WORDS.items():
            if lv.body != body and words in name:
                yield (
                    floor_problem(
                        f"{levels_file}: levels[{i}] (id {lv.id}).name",
                        f"et niveau, der ikke er {BODIES[body].split(' (')[0]}, må ikke hedde {words}et.",
                        f'Giv niveauet sit eget navn, eller angiv body = "{body}" på niveauet for organet.',
                    )
                )


def _law_only_on_the_paragraph(plan: Plan) -> Iterator[Problem]:
    meta = plan.meta
    for name, spec in plan.inputs.items():
        if name == meta.paragraph_input:
            continue
        for code, value in (spec.values or {}).items():
            if value.law is not None or value.section is not None or value.stk is not None:
                yield (
                    floor_problem(
                        f"{plan.input_files.get(name, str(plan.path))}: inputs.{name}.values.{code}",
                        f"kun paragraf-inputtet ({meta.paragraph_input}) må angive law, section og stk.; ellers kan lovens forbeholdte afgørelser gemmes uden for kontrollen.",
                        f"Flyt værdien til inputs.{meta.paragraph_input}, eller fjern law/section/stk.",
                    )
                )


def _declared_as_the_law_says(plan: Plan, code: str, value: EnumValue, where: str, child_areas: set[object]) -> Iterator[Problem]:
    meta = plan.meta
    mismatch = code_mismatch(code, value.law, value.section, value.stk)
    if mismatch:
        yield (floor_problem(where, f"{mismatch}.", "Ret law/section/stk, eller brug en kode, der ikke ligner en anden paragraf."))
    if value.law == "serviceloven":
        areas = {t.single for t in plan.implications.get((meta.paragraph_input, code), ()) if t.input == meta.area_input and t.single is not None}
        if not areas or areas & child_areas:
            yield (
                floor_problem(
                    where,
                    "serviceloven gælder personer, der er fyldt 18 år; en serviceloven-paragraf skal give et voksenområde, ikke børneområdet.",
                    f'Angiv implies = {{ {meta.area_input} = "…" }} med voksenområdet, eller brug barnets lov.',
                )
            )
    if floor_for(value.law, value.section, value.stk) is None and any(w in value.label.lower() for w in RESERVED_WORDS):
        yield (
            floor_problem(
                f"{where}.label",
                "teksten beskriver en afgørelse uden samtykke eller med tvang, men paragraffen er ikke en, loven forbeholder børne- og ungeudvalget.",
                "Brug den paragraf, loven giver (fx bl-47), eller ret teksten.",
            )
        )
    canonical = CANONICAL_CODES.get(code)
    if canonical is not None:
        floor = STATUTORY_FLOORS[canonical]
        if (value.law, value.section) != canonical or (floor.stk is not None and value.stk not in floor.stk):
            stk = f", stk = {min(floor.stk)}" if floor.stk else ""
            yield (
                floor_problem(
                    where,
                    f"koden {code} betyder {floor.reference}, men er erklæret som {value.law} § {value.section}{f', stk. {value.stk}' if value.stk else ''}.",
                    f'Angiv law = "{canonical[0]}", section = {canonical[1]}{stk}, eller brug en anden kode.',
                )
            )
    mismatch = label_mismatch(value.label, value.law, value.section)
    if mismatch:
        yield (floor_problem(f"{where}.label", f"teksten passer ikke med paragraffen: {mismatch}.", "Ret teksten eller law/section, så de siger det samme."))
    partial = partially_floored(value.law, value.section)
    if partial is not None and value.stk is None:
        yield (
            floor_problem(
                where,
                f"{partial.reference} er forbeholdt {BODIES[partial.body]}; angiv, hvilket stk. koden dækker.",
                f"Tilføj fx stk = {min(partial.stk or {1})}.",
            )
        )
    rule = consent_rule(value.law, value.section) if floor_for(value.law, value.section, value.stk) is None else None
    if rule is not None:
        consent = plan.inputs.get(meta.consent_input or "")
        if consent is None or consent.type != "bool":
            yield (
                floor_problem(
                    where,
                    f"{rule.reference} kræver samtykke, men planen har intet samtykke-input.",
                    'Erklær et bool-input (fx [inputs.samtykke]) og angiv consent_input = "samtykke" under [plan].',
                )
            )


def _routed_to_its_body(plan: Plan, code: str, value: EnumValue, where: str, body_level: dict[str, str]) -> Iterator[Problem]:
    meta = plan.meta
    reserved = floor_for(value.law, value.section, value.stk)
    if reserved is None:
        return
    required = body_level.get(reserved.body)
    if required is None:
        yield (floor_problem(where, f"{reserved.reference}: planen har intet niveau for {BODIES[reserved.body]}.", f'Tilføj et niveau med body = "{reserved.body}".'))
        return
    covering = [r for r in plan.rows if r.law and len(r.terms) == 1 and r.terms[0].input == meta.paragraph_input and isinstance(r.terms[0], OneOf) and code in r.terms[0].values]
    if not any(r.level == required for r in covering):
        low = ", ".join(f"{r.id} → {r.level}" for r in covering) or "ingen lovrække"
        yield (
            floor_problem(
                where,
                f"{reserved.reference} skal afgøres af {plan.level(required).name} ({low}).",
                f'Tilføj [[rows]] id = "…", level = "{required}", law = true, when = {{ {meta.paragraph_input} = "{code}" }}.',
            )
        )


def _law_rows(plan: Plan, body_level: dict[str, str]) -> Iterator[Problem]:
    meta = plan.meta
    paragraph_spec = plan.inputs[meta.paragraph_input]
    for row in plan.rows:
        if not row.law:
            continue
        codes = [t.value for t in row.terms if t.input == meta.paragraph_input]
        if len(row.terms) != 1 or not codes:
            yield (floor_problem(f"{row.file}: rows (id {row.id})", "en lovrække (law = true) skal gælde ubetinget for sine paragraffer.", f"Brug kun betingelsen {meta.paragraph_input} = [...]."))
            continue
        for reserved_code in codes[0]:  # type: ignore[union-attr]  # a paragraph condition is a tuple of codes
            declared = (paragraph_spec.values or {})[str(reserved_code)]
            law_floor = floor_for(declared.law, declared.section, declared.stk)
            if law_floor is not None and body_level.get(law_floor.body) != row.level:
                yield (
                    floor_problem(
                        f"{row.file}: rows (id {row.id}).level",
                        f"lovrækken sender {reserved_code} til {row.level}, men {law_floor.reference} kræver {body_level.get(law_floor.body)}.",
                        "Ret niveauet; loven kan ikke fraviges i kompetenceplanen.",
                    )
                )
