"""The published contract says exactly what the service accepts: the case schema against
`validate_case`/`decide` (hypothesis), the committed docs/openapi.json against the generated one,
and the rules for routes, dates and versions."""

from __future__ import annotations

import copy
import json
import re
from typing import Any

import jsonschema_rs
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kompetenceplan import CaseError, load_plans
from kompetenceplan.api import decide
from kompetenceplan.checks.check import parse_submission
from kompetenceplan.cli import main
from kompetenceplan.io import parse_date
from kompetenceplan.plan.model import OneOf
from kompetenceplan.service.app import generate
from kompetenceplan.service.contract import API_VERSION, OPERATIONS, describe, dumps, refusal_matches
from kompetenceplan.service.schemas import schema, semantic_refusals

from .conftest import EXAMPLES, NYBORG, ROOT
from .strategies import cases, sampled

PLANS = {"nyborg": load_plans(NYBORG).latest, "aastrup": load_plans(ROOT / "rules" / "aastrup").latest}
ACCEPTED, DECLARED, REFUSED = "accepted", "declared refusal", "refused"


def _verdict(plan: Any, case: Any) -> str:
    before = copy.deepcopy(case)
    try:
        decision = decide(plan, case)
        verdict = ACCEPTED
        # The answer meets the published decision schema (levels, rows, inputs as enums).
        _validator(plan, "decision").validate(json.loads(decision.to_json()))
    except CaseError as exc:
        verdict = DECLARED if refusal_matches(semantic_refusals(plan, "sagen"), exc.to_dict()) else REFUSED
    assert case == before
    return verdict


_VALIDATORS: dict[tuple[int, str], Any] = {}


def _validator(plan: Any, kind: str) -> Any:
    key = (id(plan), kind)
    if key not in _VALIDATORS:
        _VALIDATORS[key] = jsonschema_rs.validator_for(schema(kind, plan))
    return _VALIDATORS[key]


def _odd_values(plan: Any, name: str) -> list[Any]:
    spec = plan.inputs[name]
    out: list[Any] = [None, "3", True, [1], {"v": 1}]
    if spec.type == "enum":
        out += list(spec.values or {}) + ["zz-ukendt", ""]
    elif spec.type in ("int", "number"):
        out += [spec.min, spec.max, spec.min - 1, spec.max + 1, 0, 1, 2, 3, 4, 5, 6, 7, 17, 18, 22, 23, 3.0, 3.5, 0.001, 12000.5, 0.1 + 0.2]
    else:
        out += [False, 1]
    return out


@st.composite
def near_valid_cases(draw: st.DrawFn, plan: Any) -> dict[str, Any]:
    """A valid case with up to three changes: a value set to null, left out, swapped for an odd or
    another paragraph's value, an unknown or reserved key, a description."""
    case = draw(cases(plan, complete=False))
    for _ in range(draw(st.integers(0, 3))):
        kind = draw(sampled(("null", "drop", "value", "value", "key", "beskrivelse")))
        name = draw(sampled(tuple(sorted(plan.inputs))))
        if kind == "null":
            case[name] = None
        elif kind == "drop":
            case.pop(name, None)
        elif kind == "value":
            case[name] = draw(st.sampled_from(_odd_values(plan, name)))  # new lists and dicts each time
        elif kind == "key":
            case[draw(sampled(("id", "kind", "cpr", "Trin")))] = 1
        else:
            case["beskrivelse"] = draw(sampled(("kort", "x" * 2001, 5, None)))
    return case


@pytest.mark.parametrize("plan_id", sorted(PLANS))
@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_the_case_schema_accepts_exactly_what_the_engine_accepts(plan_id: str, data: Any) -> None:
    """Schema-valid: decided, or refused by a declared semantic rule. Schema-invalid: never decided."""
    plan = PLANS[plan_id]
    validator = _validator(plan, "case")
    case = data.draw(near_valid_cases(plan))
    verdict = _verdict(plan, case)
    if validator.is_valid(case):
        assert verdict in (ACCEPTED, DECLARED), f"schema-valid case refused: {case}"
    elif verdict == ACCEPTED:
        # The one documented leniency: binary floating-point noise (0.1 + 0.2) is rounded to øre.
        assert validator.is_valid(_rounded(case)), f"schema-invalid case decided: {case}"


def _rounded(case: dict[str, Any]) -> dict[str, Any]:
    return {k: round(v, 2) if isinstance(v, float) else v for k, v in case.items()}


class TestSchemas:
    @pytest.mark.parametrize("path", sorted((EXAMPLES / "cases").glob("*.json")), ids=lambda p: p.stem)
    def test_example_cases_are_schema_valid(self, path) -> None:
        """Every example case in the repository meets the published case schema."""
        jsonschema_rs.validator_for(schema("case", PLANS["nyborg"])).validate(json.loads(path.read_text(encoding="utf-8")))

    @pytest.mark.parametrize("path", sorted((EXAMPLES / "submissions").glob("*.json")), ids=lambda p: p.stem)
    def test_example_submissions_are_schema_valid(self, path) -> None:
        """Every example submission meets the published submission schema."""
        jsonschema_rs.validator_for(schema("submission", PLANS["nyborg"])).validate(json.loads(path.read_text(encoding="utf-8")))

    def test_conditional_requirements_come_from_the_plan(self) -> None:
        """A paragraph's branch requires what its implied area requires, and narrows the steps."""
        plan = PLANS["nyborg"]
        par, area, step = plan.meta.paragraph_input, plan.meta.area_input, plan.meta.step_input
        for branch in schema("case", plan)["oneOf"]:
            code = branch["properties"][par]["const"]
            implied = {t.input: t for t in plan.implications.get((par, code), ())}
            requires = set(plan.enum_value(par, code).requires)
            implied_area = implied[area].single if area in implied else None
            if implied_area is not None:
                assert isinstance(implied_area, str)  # an area is an enum code
                requires |= set(plan.enum_value(area, implied_area).requires)
                ladder = {s.step for s in plan.steps(implied_area)}
                assert {v for v in branch["properties"][step]["enum"] if v is not None} <= ladder
            assert requires <= set(branch["required"])
            if step in implied:
                steps = implied[step]
                assert isinstance(steps, OneOf)  # a paragraph implies a list of steps
                assert {v for v in branch["properties"][step]["enum"] if v is not None} <= set(steps.values)

    @pytest.mark.parametrize("date", ["2026-12-01T00:00:00", 0, 86400, "20261201", None])
    def test_submission_dates_are_iso_dates_only(self, date: Any) -> None:
        """A document date is only ÅÅÅÅ-MM-DD, as the schema's format: date says (no timestamps)."""
        sub = json.loads((EXAMPLES / "submissions" / "plejefamilie-46-klar.json").read_text(encoding="utf-8"))
        sub["dokumenter"][0]["dato"] = date
        with pytest.raises(CaseError) as err:
            parse_submission(PLANS["nyborg"], sub, today=__import__("datetime").date(2026, 12, 1))
        assert err.value.problems[0].where == "indstilling.dokumenter[0].dato"

    @pytest.mark.parametrize("text", ["20261201", "2026-W48-1", "2026-12-1", " 2026-12-01", "2026-12-01T00:00", "２０２６-12-01"])
    def test_query_dates_are_iso_dates_only(self, text: str) -> None:
        """?on= and --on take exactly the JSON Schema date form."""
        with pytest.raises(CaseError):
            parse_date(text, "on", "?on=2026-12-01")
        assert str(parse_date("2026-12-01", "on", "")) == "2026-12-01"


CONTRACTS = {"openapi.json": False, "openapi-register.json": True}  # committed copy → served with --db


class TestContract:
    @pytest.mark.parametrize("name", sorted(CONTRACTS))
    def test_committed_copy_is_the_generated_contract(self, name: str) -> None:
        """docs/openapi.json (and docs/openapi-register.json, as served with --db) is what the service publishes for the bundled plan: a contract change is deliberate."""
        committed = (ROOT / "docs" / name).read_text(encoding="utf-8")
        flag = " --register" if CONTRACTS[name] else ""
        assert committed == dumps(generate(NYBORG, register=CONTRACTS[name])), f"The API contract changed: run `kompetenceplan openapi{flag} --output docs/{name}` and list the change in CHANGELOG.md."

    @pytest.mark.parametrize("name", sorted(CONTRACTS))
    def test_the_committed_contracts_are_valid_openapi(self, name: str) -> None:
        """Each committed contract passes openapi-spec-validator (OpenAPI 3.1), links and refs included."""
        from openapi_spec_validator import validate

        validate(json.loads((ROOT / "docs" / name).read_text(encoding="utf-8")))

    def test_the_version_is_declared_and_in_the_changelog_and_readme(self) -> None:
        """info.version is API_VERSION (semantic versioning), and CHANGELOG.md and the README name that version of the contract."""
        assert generate(NYBORG)["info"]["version"] == generate(NYBORG, register=True)["info"]["version"] == API_VERSION
        assert re.match(r"^\d+\.\d+\.\d+$", API_VERSION)
        assert f"API contract {API_VERSION}" in (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
        readme = (ROOT / "README.md").read_text(encoding="utf-8")
        assert set(re.findall(r"\bAPI (\d+\.\d+\.\d+)", readme)) == {API_VERSION}

    @pytest.mark.parametrize("register", [False, True])
    def test_cli_writes_the_contract(self, tmp_path, register: bool) -> None:
        """`kompetenceplan openapi --output` (and `--register`) writes the committed form."""
        out = tmp_path / "openapi.json"
        result = CliRunner().invoke(main, ["openapi", "--plan", str(NYBORG), "--output", str(out), *(["--register"] if register else [])])
        assert result.exit_code == 0, result.output
        assert out.read_text(encoding="utf-8") == dumps(generate(NYBORG, register=register))

    @pytest.mark.parametrize("register", [False, True])
    def test_every_json_route_is_described(self, register: bool, tmp_path) -> None:
        """Each route in /openapi.json is in contract.OPERATIONS (or the register's part); HTML pages stay out (include_in_schema=False); every answer but 304 has a media type."""
        from kompetenceplan.service.app import create_app
        from kompetenceplan.service.register_api import OPERATIONS as REGISTER

        app = create_app(NYBORG, allow_reload=True, db_url=_migrated(tmp_path) if register else None).app
        spec = app.openapi()
        listed = {(path, method) for path, methods in spec["paths"].items() for method in methods}
        assert listed <= set(OPERATIONS) | set(REGISTER), f"not described in contract.OPERATIONS: {sorted(listed - set(OPERATIONS) - set(REGISTER))}"
        assert (("/meetings", "get") in listed) is register
        for path, methods in spec["paths"].items():
            for method, operation in methods.items():
                for status, response in operation["responses"].items():
                    assert status == "304" or response.get("content"), f"{method} {path} {status} has no media type"
                    if status[0] in "45" or status == "default":
                        assert set(response["content"]) == {"application/problem+json"}, f"{method} {path} {status}"
                if status_has_body := operation.get("requestBody"):
                    assert status_has_body["required"] is True
        if register:
            app.state.register.close()

    def test_no_case_reference_or_person_in_an_address(self) -> None:
        """No operation takes a case reference, an advisor, a team to record or a case in its query string (proxies log them), and no write takes one in its path: they are in the JSON body (a read may name its case in the path)."""
        spec = generate(NYBORG, register=True)
        forbidden = {"case_ref", "sagsreference", "sagsnummer", "advisor", "raadgiver", "case", "sag", "cpr", "navn"}
        for path, methods in spec["paths"].items():
            for method, operation in methods.items():
                places = ("query",) if method == "get" else ("query", "path")
                names = {p["name"].lower() for p in operation.get("parameters", []) if p["in"] in places}
                assert not names & forbidden, f"{method} {path}: {names & forbidden}"
                if method == "post":
                    assert not {p["name"] for p in operation.get("parameters", []) if p["in"] == "query"} - {"on", "meeting_date"}, f"{method} {path}"

    def test_the_register_operations_are_linked_for_stateful_testing(self) -> None:
        """Links walk meeting → items → outcome, routing → correction and → decision, decision → list; each names an operation that exists."""
        spec = generate(NYBORG, register=True)
        ids = {o["operationId"] for ms in spec["paths"].values() for o in ms.values()}
        links = {(o["operationId"], name): link["operationId"] for ms in spec["paths"].values() for o in ms.values() for name, link in o["responses"]["200"].get("links", {}).items()}
        assert set(links.values()) <= ids
        assert {("new_meeting", "AddItem"), ("add_item", "RecordOutcome"), ("register_route", "CorrectRouting"), ("register_route", "RecordDecision"), ("record_decision", "ListDecisions")} <= set(
            links
        )

    def test_parameters_and_closed_sets(self) -> None:
        """Dates are format: date; kinds, formats and paragraph codes are enums; answers have their real media types."""
        spec = generate(NYBORG)
        params = {(p, m, q["name"]): q["schema"] for p, ms in spec["paths"].items() for m, o in ms.items() for q in o.get("parameters", [])}
        assert params[("/route", "post", "on")] == {"type": "string", "format": "date", "examples": [PLANS["nyborg"].meta.valid_from.isoformat()]}
        assert params[("/validate", "post", "meeting_date")]["format"] == "date"
        assert params[("/schema/{kind}", "get", "kind")]["enum"] == ["case", "submission", "decision", "report"]
        assert set(params[("/plan/rendered", "get", "format")]["enum"]) == {"markdown", "html"}
        assert set(spec["paths"]["/plan/rendered"]["get"]["responses"]["200"]["content"]) == {"text/markdown", "text/html"}
        codes = spec["components"]["schemas"]["case"]["properties"]["paragraf"]["enum"]
        assert codes == list(PLANS["nyborg"].inputs["paragraf"].values or {})
        assert spec["paths"]["/route"]["post"]["responses"]["422"]["x-semantic-refusals"] == semantic_refusals(PLANS["nyborg"], "sagen") + [
            {"error": "PlanError", "where": ".*", "rule": "Ingen version af planen er i kraft på datoen."}
        ]

    def test_a_dangling_reference_is_refused(self) -> None:
        """describe() refuses to publish a $ref that does not resolve (e.g. #/$defs/ConditionTrace)."""
        spec = generate(NYBORG)
        spec["paths"]["/extra"] = {"get": {"responses": {"200": {"description": "x", "content": {"application/json": {"schema": {"$ref": "#/$defs/ConditionTrace"}}}}}}}
        with pytest.raises(ValueError, match="dangling"):
            describe(spec, PLANS["nyborg"], 200)

    def test_every_reference_resolves(self) -> None:
        """Each $ref in the committed contract names a component."""
        spec = json.loads((ROOT / "docs" / "openapi.json").read_text(encoding="utf-8"))
        refs = set(re.findall(r'"\$ref": "([^"]+)"', json.dumps(spec)))
        assert refs
        assert all(r.startswith("#/components/schemas/") and r.rsplit("/", 1)[-1] in spec["components"]["schemas"] for r in refs)

    def test_only_json_schema_keywords(self) -> None:
        """No pydantic-only bound (ge, le, gt, lt) leaks into a schema, where a validator would ignore it."""

        def keys(node: Any, under_properties: bool = False) -> set[str]:
            if isinstance(node, dict):
                own = set() if under_properties else set(node)
                return own | {k for key, v in node.items() for k in keys(v, key in ("properties", "$defs", "schemas") and not under_properties)}
            if isinstance(node, list):
                return {k for v in node for k in keys(v)}
            return set()

        found = keys(generate(NYBORG, register=True)["components"])
        assert not found & {"ge", "le", "gt", "lt", "allow_inf_nan", "strict"}

    def test_a_reload_publishes_the_new_plans_contract(self, tmp_path) -> None:
        """/openapi.json follows the plan in use: after a reload it describes the reloaded plan."""
        import shutil

        from kompetenceplan.service.app import create_app

        folder = tmp_path / "plan"
        shutil.copytree(NYBORG, folder)
        app = create_app(folder, allow_reload=True).app
        before = app.openapi()
        inputs = folder / "input.toml"
        inputs.write_text(inputs.read_text(encoding="utf-8").replace("max = 240", "max = 120", 1), encoding="utf-8")
        import os
        import time

        os.utime(inputs, (time.time() - 5, time.time() - 5))  # settled: a reload refuses files saved just now
        app.state.holder.reload()
        after = app.openapi()
        branch = lambda spec: spec["components"]["schemas"]["case"]["oneOf"][0]["properties"]["varighed_maaneder"]  # noqa: E731
        assert (branch(before)["maximum"], branch(after)["maximum"]) == (240, 120)

    def test_a_paragraph_that_needs_consent_requires_it_as_true(self) -> None:
        """Where the plan names consent paragraphs (consent_codes), their branch requires consent = true."""
        import dataclasses

        plan = PLANS["nyborg"]
        with_consent = dataclasses.replace(plan, meta=dataclasses.replace(plan.meta, consent_input="samtykke"))
        object.__setattr__(with_consent, "consent_codes", {"bl-46": "§ 46"})
        branches = {b["properties"]["paragraf"]["const"]: b for b in schema("case", with_consent)["oneOf"]}
        assert "samtykke" in branches["bl-46"]["required"]
        assert branches["bl-46"]["properties"]["samtykke"]["const"] is True
        assert "samtykke" not in branches["bl-47"]["required"]


def _migrated(tmp_path) -> str:
    """A migrated SQLite register in ``tmp_path``."""
    from kompetenceplan.store.db import make_engine, upgrade

    url = f"sqlite:///{tmp_path / 'register.db'}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    return url


def _answer_schemas(spec: dict[str, Any]) -> list[Any]:
    """Every schema a 2xx answer of the contract can be validated against, $refs resolved."""
    schemas = spec["components"]["schemas"]
    seen: set[str] = set()
    out: list[Any] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if ref:
                name = ref.rsplit("/", 1)[-1]
                if name not in seen:
                    seen.add(name)
                    walk(schemas[name])
            out.append(node)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    for methods in spec["paths"].values():
        for operation in methods.values():
            for status, response in operation["responses"].items():
                if status.startswith("2"):
                    walk(response.get("content", {}))
    return out


def _plan_codes(*plans: Any) -> set[str]:
    return {c for p in plans for c in (*(lv.id for lv in p.levels), *(r.id for r in p.rows), *(r.code for r in p.requirements), *p.inputs, *(p.inputs[p.meta.paragraph_input].values or {}))}


class TestAnswers:
    def test_no_answer_schema_enumerates_the_plans_codes(self) -> None:
        """Levels, rule rows, DOK codes, inputs and paragraph codes are strings in every answer's schema (their values described), never an enum or const a generated client would reject."""
        spec = generate(NYBORG, register=True)
        codes = _plan_codes(PLANS["nyborg"])
        for node in _answer_schemas(spec):
            closed = set(node.get("enum", [])) | ({node["const"]} if "const" in node else set()) | set((node.get("propertyNames") or {}).get("enum", []))
            assert not {v for v in closed if isinstance(v, str)} & codes, node
        described = spec["components"]["schemas"]["Finding"]["properties"]["code"]
        assert described["type"] == "string"
        assert "DOK-001" in described["description"]

    def test_a_plan_with_a_new_dok_code_answers_within_the_old_contract(self, tmp_path) -> None:
        """A report from a plan whose requirement has a new code validates against the contract published before the plan changed."""
        import shutil

        import jsonschema

        old = generate(NYBORG)
        folder = tmp_path / "plan"
        shutil.copytree(NYBORG, folder)
        standard = folder / "dokumentation.toml"
        standard.write_text(standard.read_text(encoding="utf-8").replace('"DOK-002"', '"DOK-902"'), encoding="utf-8")
        plans = load_plans(folder)
        assert "DOK-902" in {r.code for r in plans.latest.requirements}
        sub = json.loads((EXAMPLES / "submissions" / "familiebehandling-hoej-udgift-mangler.json").read_text(encoding="utf-8"))
        from kompetenceplan import check

        report = json.loads(check(plans, sub, on=PLANS["nyborg"].meta.valid_from).to_json())
        assert "DOK-902" in {f["code"] for f in report["findings"]}
        root = {"$ref": "#/components/schemas/report", "components": old["components"]}
        jsonschema.Draft202012Validator(root).validate(report)

    @pytest.mark.parametrize("amount", [1234.56, 0.07, 12000.5, 99999.99, 4.35])
    def test_amounts_in_oere_are_valid_for_standard_validators(self, amount: float) -> None:
        """jsonschema (Python) accepts a case with an amount in øre that the service decides: no multipleOf 0.01 in binary floating point."""
        import jsonschema

        case = json.loads((EXAMPLES / "cases" / "familiebehandling-raadgiver.json").read_text(encoding="utf-8"))
        case = {k: v for k, v in case.items() if k != "beskrivelse"} | {"maanedlig_udgift": amount, "sagens_maanedlige_udgift": amount}
        jsonschema.Draft202012Validator(schema("case", PLANS["nyborg"]), format_checker=jsonschema.FormatChecker()).validate(case)
        assert decide(PLANS["nyborg"], case).level.id
        assert "multipleOf" not in json.dumps(generate(NYBORG))

    def test_three_decimals_are_a_declared_refusal(self) -> None:
        """An amount with more than 2 decimals is schema-valid but refused, by a rule the contract declares."""
        case = json.loads((EXAMPLES / "cases" / "familiebehandling-raadgiver.json").read_text(encoding="utf-8")) | {"maanedlig_udgift": 1000.005}
        with pytest.raises(CaseError) as err:
            decide(PLANS["nyborg"], case)
        assert refusal_matches(semantic_refusals(PLANS["nyborg"], "sagen"), err.value.to_dict())

    def test_every_agenda_answer_meets_its_schema(self) -> None:
        """/validate/agenda's rows (level, level_name, committee, codes, or an error) validate against components.agenda_report."""
        import jsonschema
        from starlette.testclient import TestClient

        from kompetenceplan.service.app import create_app

        spec = generate(NYBORG)
        subs = {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in sorted((EXAMPLES / "submissions").glob("*.json"))}
        subs["broken"] = {"sag": {"paragraf": "bl-46"}}
        with TestClient(create_app(NYBORG), base_url="http://127.0.0.1") as client:
            answer = client.post("/validate/agenda?meeting_date=2026-12-01", json={"submissions": subs})
        assert answer.status_code == 200
        body = answer.json()
        assert {"level_name", "committee"} <= set(body["submissions"][0])
        assert any(r["status"] == "fejl i input" for r in body["submissions"])
        jsonschema.Draft202012Validator({"$ref": "#/components/schemas/agenda_report", "components": spec["components"]}).validate(body)


def test_the_integrator_guide_names_every_operation_problem_type_and_the_version() -> None:
    """docs/api.md lists every path of the contract (with a register), every problem type and the API's version: the guide cannot fall behind."""
    from kompetenceplan.service.problems import TYPES

    guide = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    spec = generate(NYBORG, register=True)
    missing = [f"{m.upper()} {p}" for p, ms in spec["paths"].items() for m in ms if f"`{m.upper()} {p}" not in guide]
    assert not missing, f"docs/api.md does not list: {missing}"
    assert not [slug for slug in TYPES if f"`{slug}`" not in guide]
    assert f"**{API_VERSION}**" in guide


def test_with_sign_in_every_protected_operation_requires_a_bearer_token() -> None:
    """The contract declares bearer tokens: optional for the local user, required with sign-in; public routes need none."""
    from kompetenceplan.service.app import create_app
    from kompetenceplan.service.permissions import PUBLIC, ROUTES

    spec = create_app(NYBORG).app.openapi()
    signed_in = describe(copy.deepcopy(spec), load_plans(NYBORG), 200, sign_in=True)
    assert spec["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    for path, methods in signed_in["paths"].items():
        for method, operation in methods.items():
            public = ROUTES[(method.upper(), path)] == PUBLIC
            assert operation.get("security") == (None if public else [{"bearer": []}]), f"{method} {path}"
            assert spec["paths"][path][method].get("security") == (None if public else [{"bearer": []}, {}])
