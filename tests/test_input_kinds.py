"""The input kinds (plan/input_kinds): one object per kind, and what each promises."""

from __future__ import annotations

import typing

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kompetenceplan import load_plan
from kompetenceplan.plan import parts, schema
from kompetenceplan.plan.input_kinds import KINDS, ValueTextError, kind_of
from kompetenceplan.plan.model import Plan

from .conftest import NYBORG

NYBORG_PLAN: Plan = load_plan(NYBORG)


def test_every_type_of_the_rule_format_has_exactly_one_kind() -> None:
    """The rule format's ``type`` values, the loaded part's and the kinds are the same names."""
    declared = set(typing.get_args(schema.InputSpec.model_fields["type"].annotation))
    assert declared == set(KINDS)
    assert set(typing.get_args(typing.get_type_hints(parts.InputSpec)["type"])) == set(KINDS)
    assert all(kind.code == code for code, kind in KINDS.items())


@pytest.mark.parametrize("name", sorted(NYBORG_PLAN.inputs))
@given(data=st.data())
def test_a_value_shown_to_a_caseworker_is_read_back_as_the_same_value(name: str, data: st.DataObject) -> None:
    """show() and parse_text() are inverse on every valid value: what the pages print, a
    caseworker can type back into the form or ``--set`` and get the same value."""
    spec = NYBORG_PLAN.inputs[name]
    kind = kind_of(spec)
    if kind.code == "enum":
        value: object = data.draw(st.sampled_from(sorted(spec.values or {})))
        assert kind.parse_text(spec, str(value)) == value
        return
    if kind.code == "bool":
        value = data.draw(st.booleans())
    elif kind.code == "int":
        value = data.draw(st.integers(int(spec.min or 0), int(spec.max or 0)))
    else:
        value = data.draw(st.integers(int((spec.min or 0) * 100), int((spec.max or 0) * 100)).map(lambda n: n / 100))
    assert kind.parse_text(spec, kind.show(spec, value)) == value


def test_a_whole_number_typed_with_decimals_is_refused_not_rounded() -> None:
    spec = NYBORG_PLAN.inputs[NYBORG_PLAN.meta.step_input]
    with pytest.raises(ValueTextError, match="heltal"):
        kind_of(spec).parse_text(spec, "2,5")
