"""Strict input validation: bad input gets a clear error naming the field, never a decision."""

from __future__ import annotations

import contextlib
import copy
import math

import pytest

from kompetenceplan import CaseError, decide, validate_case

GOOD = {
    "paragraf": "bl-32-1-5",
    "trin": 3,
    "maanedlig_udgift": 12000,
    "varighed_maaneder": 6,
    "sagens_maanedlige_udgift": 12000,
    "alder": 10,
    "samtykke": True,
}
CPR = "0101011234"


def _error(plan, case) -> CaseError:
    with pytest.raises(CaseError) as info:
        decide(plan, case)
    return info.value


def _fields(error: CaseError) -> set[str]:
    return {p.where.rsplit(".", 1)[-1] for p in error.problems}


@pytest.mark.parametrize(
    ("field", "bad", "words"),
    [
        ("trin", "3", "tekst"),
        ("trin", True, "sandhedsværdi"),
        ("trin", 3.5, "heltal"),
        ("trin", 7, "interval"),
        ("maanedlig_udgift", "9", "tekst"),
        ("maanedlig_udgift", math.nan, "endeligt"),
        ("maanedlig_udgift", math.inf, "endeligt"),
        ("maanedlig_udgift", -1, "interval"),
        ("maanedlig_udgift", [12000], "liste"),
        ("maanedlig_udgift", {"beloeb": 1}, "objekt"),
        ("maanedlig_udgift", 30000.004, "decimaler"),
        ("paragraf", "bl-999", "ukendt værdi"),
        ("paragraf", 32, "tekst"),
        ("samtykke", "ja", "true eller false"),
        ("samtykke", 1, "true eller false"),
    ],
)
def test_wrong_value_is_named(nyborg, field, bad, words) -> None:
    """A value of the wrong type or outside the declared domain is refused at its field."""
    error = _error(nyborg, {**GOOD, field: bad})
    assert field in _fields(error)
    assert words in error.render()


@pytest.mark.parametrize("field", ["paragraf", "trin", "maanedlig_udgift", "varighed_maaneder"])
def test_missing_required_input(nyborg, field) -> None:
    """Every required input must be given; null counts as not given."""
    case = {k: v for k, v in GOOD.items() if k != field}
    assert field in _fields(_error(nyborg, case))
    assert field in _fields(_error(nyborg, {**GOOD, field: None}))


@pytest.mark.parametrize("key", ["id", "sid", "kind", "cid"])
def test_reserved_keys_are_refused(nyborg, key) -> None:
    """durable-rules uses id and sid, the adapter kind and cid: a case may not set them."""
    error = _error(nyborg, {**GOOD, key: "x"})
    assert key in _fields(error)
    assert "reserveret" in error.render()


def test_unknown_key_is_refused(nyborg) -> None:
    """A key the plan does not declare is refused by its position (a key can be personal data),
    listing the inputs the plan does declare."""
    error = _error(nyborg, {**GOOD, "udgift": 1})
    assert f"sagen.ukendt felt nr. {len(GOOD) + 1}" in {p.where for p in error.problems}
    assert "maanedlig_udgift" in error.render()
    assert "udgift:" not in error.render()


def test_not_an_object(nyborg) -> None:
    """A case must be a JSON object."""
    with pytest.raises(CaseError, match="JSON-objekt"):
        decide(nyborg, [GOOD])


def test_case_total_below_this_intervention_is_refused(nyborg) -> None:
    """The case's total monthly cost includes this intervention, so it cannot be smaller."""
    error = _error(nyborg, {**GOOD, "sagens_maanedlige_udgift": 11999})
    assert "sagens_maanedlige_udgift" in _fields(error)


def test_all_problems_are_reported_at_once(nyborg) -> None:
    """A case with several mistakes gets one error listing each of them."""
    error = _error(nyborg, {**GOOD, "trin": "3", "alder": -1, "foo": 1})
    assert {"trin", "alder", " 8"} <= _fields(error)  # foo: "ukendt felt nr. 8"


def test_personal_data_is_never_echoed(nyborg) -> None:
    """A CPR number in any field or key never appears in the error (it may be sensitive data)."""
    cases = [
        {**GOOD, "paragraf": CPR},
        {**GOOD, "trin": CPR},
        {**GOOD, "alder": int(CPR)},
        {**GOOD, "maanedlig_udgift": int(CPR)},
        {**GOOD, "cpr": CPR},
        {**GOOD, f"navn {CPR}": "Jens Hansen"},
        {**GOOD, "beskrivelse": CPR * 300},
    ]
    for case in cases:
        error = _error(nyborg, case)
        assert CPR not in error.render()
        assert "Jens" not in error.render()
        assert CPR not in str(error.to_dict())


def test_description_is_allowed_and_ignored(nyborg) -> None:
    """'beskrivelse' is free text for people; it does not change the decision."""
    with_text = decide(nyborg, {**GOOD, "beskrivelse": "Familiebehandling"})
    assert with_text.level == decide(nyborg, GOOD).level
    assert "beskrivelse" not in with_text.inputs


def test_inputs_are_never_mutated(nyborg) -> None:
    """decide() reads the case; the caller's dict is unchanged afterwards, even when it fails."""
    for case in (dict(GOOD), {**GOOD, "trin": "x"}, {k: v for k, v in GOOD.items() if k != "sagens_maanedlige_udgift"}):
        before = copy.deepcopy(case)
        with contextlib.suppress(CaseError):
            decide(nyborg, case)
        assert case == before


def test_area_is_derived_from_the_paragraph(nyborg) -> None:
    """A Barnets lov paragraph is always område børn; the decision says it derived it."""
    validated = validate_case(nyborg, GOOD)
    assert validated.values["omraade"] == "boern"
    assert any("udledt" in d for d in validated.derived)


def test_total_cost_is_derived_when_absent(nyborg) -> None:
    """samlet_udgift defaults to monthly cost × duration; an explicit, larger total is kept."""
    assert validate_case(nyborg, GOOD).values["samlet_udgift"] == 72000
    assert validate_case(nyborg, {**GOOD, "samlet_udgift": 80000}).values["samlet_udgift"] == 80000


def test_total_below_monthly_times_duration_is_refused(nyborg) -> None:
    """A total smaller than monthly × duration could route the case too low: refused, named."""
    error = _error(nyborg, {**GOOD, "samlet_udgift": 5})
    assert "samlet_udgift" in _fields(error)
    assert "mindre end" in error.render()


def test_integral_float_is_accepted_for_an_int(nyborg) -> None:
    """3.0 from a case tool's JSON is the integer 3."""
    assert validate_case(nyborg, {**GOOD, "trin": 3.0}).values["trin"] == 3


def test_floating_point_noise_is_rounded_but_real_fractions_are_refused(nyborg) -> None:
    """0.1 + 0.2 style noise is rounded to øre; a third decimal is refused, never rounded down
    past a threshold (30000.004 rounded to 30000.00 could fail a '> 30000' row)."""
    assert validate_case(nyborg, {**GOOD, "maanedlig_udgift": 12000.1 + 0.2, "sagens_maanedlige_udgift": 13000}).values["maanedlig_udgift"] == 12000.3
    with pytest.raises(CaseError, match="decimaler"):
        validate_case(nyborg, {**GOOD, "maanedlig_udgift": 12000.125})
