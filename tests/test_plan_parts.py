"""A loaded plan holds plain data (`plan.parts`), copied field for field from the rule format."""

from __future__ import annotations

import dataclasses

import pytest
from pydantic import BaseModel

from kompetenceplan.plan import parts, schema
from kompetenceplan.plan.loader import load_plan

from .conftest import NYBORG


@pytest.mark.parametrize("name", sorted(parts.PARTS))
def test_a_part_has_exactly_the_fields_of_its_rule_format_section(name: str) -> None:
    model = getattr(schema, name)
    assert issubclass(model, BaseModel)
    assert [f.name for f in dataclasses.fields(parts.PARTS[name])] == list(model.model_fields)


def test_a_loaded_plan_holds_no_pydantic_model() -> None:
    plan = load_plan(NYBORG)
    seen: list[object] = []

    def walk(value: object, depth: int = 0) -> None:
        assert not isinstance(value, BaseModel), value
        if depth > 6:
            return
        if isinstance(value, dict):
            for v in value.values():
                walk(v, depth + 1)
        elif isinstance(value, (list, tuple)):
            for v in value:
                walk(v, depth + 1)
        elif dataclasses.is_dataclass(value) and not isinstance(value, type):
            seen.append(value)
            for f in dataclasses.fields(value):
                walk(getattr(value, f.name), depth + 1)

    walk(plan)
    assert any(isinstance(v, parts.InputSpec) for v in seen)
    assert any(isinstance(v, parts.Check) for v in seen)


def test_the_plan_summary_is_the_rule_format_dump() -> None:
    """`Plan.summary` (CLI `plan`, HTTP `/plan`) equals pydantic's JSON dump of the same sections."""
    plan = load_plan(NYBORG)

    def model(part: object) -> BaseModel:
        return getattr(schema, type(part).__name__).model_validate(parts.as_json(part), strict=False)

    summary = plan.summary()
    assert summary["plan"] == model(plan.meta).model_dump(mode="json")
    assert summary["levels"] == [model(lv).model_dump(mode="json") for lv in plan.levels]
    assert summary["ladder"] == [model(s).model_dump(mode="json") for s in plan.ladder]
    assert summary["inputs"] == {n: model(s).model_dump(mode="json", exclude_none=True) for n, s in plan.inputs.items()}
