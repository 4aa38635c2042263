"""One reader of Danish text (`kompetenceplan.danish`) for every entry point: the same text is the
same value — or the same refusal — on the command line, in the web form, in the JSON API and in
each import (issue 22 items 6 and 7)."""

from __future__ import annotations

import datetime as dt
import json
import re
import warnings
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import assume, given
from hypothesis import strategies as st

from kompetenceplan import load_plans
from kompetenceplan.cli import main
from kompetenceplan.danish import (
    DanishTextError,
    format_number,
    format_oere,
    format_quarter,
    format_time,
    number_text,
    quarter_code,
    read_amount,
    read_date,
    read_number,
    read_quarter,
)
from kompetenceplan.store.db import make_engine, upgrade
from kompetenceplan.store.privacy import looks_like_cpr
from kompetenceplan.store.register import Register
from kompetenceplan.tilsyn.finance import FinanceImportError, import_payments
from kompetenceplan.web.forms import case_from_form

from .conftest import NYBORG, examples
from .register_fixtures import ACTOR

with warnings.catch_warnings():  # starlette's TestClient warns about its httpx dependency on import
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

PLANS = load_plans(NYBORG)
ON = "2026-12-01"


# -- the reader on its own ------------------------------------------------------------------------
class TestNumbers:
    @pytest.mark.parametrize(
        ("text", "value"),
        [
            ("12.000", 12000),
            ("12000", 12000),
            ("12 000", 12000),
            ("12.000,50", Decimal("12000.50")),
            ("2,5", Decimal("2.5")),
            ("1.234.567,89", Decimal("1234567.89")),
            ("12.000 kr.", 12000),
            ("-350,50", Decimal("-350.50")),
        ],
    )
    def test_danish_numbers_are_read_exactly(self, text: str, value: Decimal) -> None:
        """A Dane's 12.000 is twelve thousand, never twelve; decimals follow a comma."""
        assert number_text(text) == value

    @pytest.mark.parametrize("text", ["12,000", "12.5", "12.50", "1,234", "12.0000", "1e5", "tolv", "", "9" * 400])
    def test_ambiguous_or_foreign_texts_are_refused_with_a_danish_reason_that_never_repeats_them(self, text: str) -> None:
        """What could be read two ways is refused, never guessed; the message names the field, not the text."""
        with pytest.raises(DanishTextError) as err:
            read_amount(text, "beløb")
        shown = err.value.render()
        assert err.value.problems[0].where == "beløb"
        assert err.value.problems[0].fix
        assert not text or text not in shown

    @pytest.mark.parametrize("value", [True, False, None, [1], {"x": 1}, float("nan"), float("inf")])
    def test_booleans_and_other_values_are_never_numbers(self, value: Any) -> None:
        """JSON true is not 1 and null is not 0: refused with a Danish reason."""
        with pytest.raises(DanishTextError):
            read_number(value, "felt")

    @pytest.mark.parametrize("value", [10**400, -(10**400), 1e300, "9" * 39])
    def test_absurd_sizes_are_a_danish_error_never_a_crash(self, value: Any) -> None:
        """A 400-digit amount (or a float near the limit of floats) is refused as unrealistically large."""
        with pytest.raises(DanishTextError, match="urealistisk stort"):
            read_amount(value, "beløb")

    def test_amount_rules(self) -> None:
        """At most two decimals, not negative unless a refund, below a billion kroner."""
        assert read_amount(12000.5, "x") == Decimal("12000.5")
        assert read_amount("-350,50", "x", negative=True) == Decimal("-350.50")
        for bad, word in ((0.1 + 0.2, "2 decimaler"), ("12,505", "tvetydigt"), ("1,2345", "2 decimaler"), (-1, "negativt"), (10**9, "urealistisk")):
            with pytest.raises(DanishTextError, match=word):
                read_amount(bad, "x")

    @given(st.integers(min_value=0, max_value=10**11), st.integers(min_value=0, max_value=99))
    def test_what_the_app_writes_it_reads_back(self, kroner: int, oere: int) -> None:
        """format_number and format_oere write what read_amount reads as the same amount."""
        amount = Decimal(kroner) + Decimal(oere) / 100
        assert read_amount(format_oere(kroner * 100 + oere), "x", maximum=10**12) == amount
        assert number_text(format_number(float(amount))) == amount


class TestDatesAndQuarters:
    @pytest.mark.parametrize(
        "value", [0, "0", 1764547200, True, "2026-12-01T00:00:00+05:00", "2026-12-01T00:00:00Z", "20261201", "1.12.2026", "2026-13-01", dt.datetime(2026, 12, 1, 23, 30, tzinfo=dt.UTC)]
    )
    def test_only_a_date_or_an_iso_date_text_is_a_date(self, value: Any) -> None:
        """0 is not 1970-01-01 and a time zone is never dropped: anything but ÅÅÅÅ-MM-DD is refused."""
        with pytest.raises(DanishTextError, match="ÅÅÅÅ-MM-DD"):
            read_date(value, "start")

    def test_a_date_and_its_text(self) -> None:
        """The date itself and its ÅÅÅÅ-MM-DD text are the same date."""
        assert read_date("2026-12-01", "x") == read_date(dt.date(2026, 12, 1), "x") == dt.date(2026, 12, 1)

    @pytest.mark.parametrize("text", ["2026Q4", "2026q4", "2026-Q4", "2026 Q4", "K4 2026", "k4-2026", "Q4 2026", "4. kvartal 2026", "4 kvartal 2026", "4. kvt. 2026", "2026K4", " 4.kvartal 2026 "])
    def test_a_quarter_written_the_danish_ways(self, text: str) -> None:
        """Every common spelling of a quarter is the same quarter."""
        assert read_quarter(text) == (2026, 4)

    @pytest.mark.parametrize("text", ["2026Q5", "2026-4", "Q4", "26Q4", "0. kvartal 2026", "4. kvartal 1899", "kvartal", ""])
    def test_a_bad_quarter_is_refused(self, text: str) -> None:
        """A quarter that is not 1-4 of a year 1900-2999 is refused with examples of what works."""
        with pytest.raises(DanishTextError, match="2026Q4"):
            read_quarter(text)

    @given(st.integers(1900, 2999), st.integers(1, 4))
    def test_quarters_round_trip(self, year: int, n: int) -> None:
        """The code and the label the app writes are read back as the same quarter."""
        assert read_quarter(quarter_code(year, n)) == read_quarter(format_quarter(year, n)) == (year, n)

    def test_times_are_shown_in_danish_time_summer_and_winter(self) -> None:
        """A stored UTC time is shown in Danish time: +1 in winter, +2 in summer; no zone means UTC."""
        assert format_time(dt.datetime(2026, 12, 1, 10, 0, tzinfo=dt.UTC)) == "2026-12-01 kl. 11.00"
        assert format_time(dt.datetime(2026, 7, 1, 10, 0)) == "2026-07-01 kl. 12.00"
        assert format_time(dt.datetime(2026, 12, 31, 23, 30, tzinfo=dt.UTC)) == "2027-01-01 kl. 00.30"


# -- the same text at every entry point -------------------------------------------------------------
@pytest.fixture(scope="module")
def register_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('danish') / 'r.db'}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    return url


@pytest.fixture(scope="module")
def http(register_url: str) -> Any:
    from kompetenceplan.service.app import create_app

    return TestClient(create_app(NYBORG, db_url=register_url), base_url="http://127.0.0.1")


_counter = iter(range(10**9))


def _ref() -> str:
    return f"D-{next(_counter)}"


def _decision(ref: str, cost: Any) -> dict[str, Any]:
    return {
        "case_ref": ref,
        "team": "Team Syd",
        "level": "leder",
        "decided_on": ON,
        "outcome": "bevilget",
        "paragraph": "bl-32-1-2",
        "step": 3,
        "monthly_cost": cost,
        "start": ON,
        "required_level": "leder",
    }


def _stored(url: str, ref: str) -> Decimal:
    with Register(url) as reg:
        [found] = reg.decisions(case_ref=ref)
    return Decimal(repr(found.monthly_cost))


def _what(problems: list[dict[str, str]] | list[Any], field: str) -> str:
    found = [p for p in problems if field in (p["where"] if isinstance(p, dict) else p.where)]
    assert len(found) == 1, problems
    return found[0]["what"] if isinstance(found[0], dict) else found[0].what


def via_cli(url: str, text: str) -> tuple[str, Any]:
    ref = _ref()
    d = _decision(ref, text)
    args = ["decision", "record", "--db", url, "--plan", str(NYBORG), "--case-ref", ref, "--team", d["team"], "--level", "leder", "--date", ON]
    args += ["--outcome", "bevilget", "--paragraf", "bl-32-1-2", "--trin", "3", "--udgift", text, "--start", ON, "--required-level", "leder"]
    result = CliRunner().invoke(main, args)
    if result.exit_code == 0:
        return "ok", _stored(url, ref)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output, result.output
    found = re.search(r"--udgift: (.*?) Sådan rettes det", result.output)
    assert found, result.output
    return "refused", found.group(1)


def via_http(http: Any, url: str, value: Any) -> tuple[str, Any]:
    ref = _ref()
    response = http.post("/register/decisions", json=_decision(ref, value))
    if response.status_code == 200:
        return "ok", Decimal(repr(response.json()["monthly_cost"]))
    assert response.status_code == 422, response.text
    return "refused", _what(response.json()["problems"], "monthly_cost")  # the request's own field (issue 23)


def via_decision_import(url: str, value: Any) -> tuple[str, Any]:
    ref = _ref()
    line = {
        "sagsreference": ref,
        "team": "Team Syd",
        "niveau": "leder",
        "truffet_af": "DEF",
        "dato": ON,
        "udfald": "bevilget",
        "paragraf": "bl-32-1-2",
        "trin": 3,
        "maanedlig_udgift": value,
        "kraevet_niveau": "leder",
    }
    with Register(url) as reg:
        report = reg.import_decisions(PLANS, [json.dumps(line)], actor=ACTOR)
    if report.imported:
        return "ok", _stored(url, ref)
    [skipped] = report.skipped
    return "refused", _what(skipped["problems"], "maanedlig_udgift")


def via_payments_import(url: str, text: str) -> tuple[str, Any]:
    ref = _ref()
    data = f'sagsreference;betalt_dato;beloeb;paragraf\n{ref};{ON};"{text}";bl-46\n'.encode()
    engine = make_engine(url)
    try:
        report = import_payments(engine, PLANS, data, "b.csv")
    except FinanceImportError as exc:
        return "refused", _what(exc.problems, "beloeb")
    finally:
        engine.dispose()
    return "ok", Decimal(report.total_oere) / 100


def via_form(text: str) -> tuple[str, Any]:
    plan = PLANS.latest
    case, errors = case_from_form(plan, {"maanedlig_udgift": text})
    if errors:
        return "refused", errors["maanedlig_udgift"]
    value = case["maanedlig_udgift"]
    try:  # the form leaves decimals and bounds to the case validation; the amount rules apply here
        return "ok", read_amount(value, "maanedlig_udgift")
    except DanishTextError as exc:
        return "refused", exc.problems[0].what


def same(results: dict[str, tuple[str, Any]]) -> None:
    kinds = {kind for kind, _ in results.values()}
    assert len(kinds) == 1, results
    if kinds == {"ok"}:
        assert len({value for _, value in results.values()}) == 1, results
    else:
        reasons = {str(reason).casefold().rstrip(".") for _, reason in results.values()}
        assert len(reasons) == 1, results


#: Texts a person types, with what each must be (None: refused everywhere).
TEXTS = {
    "12.000": Decimal(12000),
    "12000": Decimal(12000),
    "12 000": Decimal(12000),
    "12.000,50": Decimal("12000.50"),
    "8.000 kr.": Decimal(8000),
    "0": Decimal(0),
    "12,000": None,
    "12.5": None,
    "12,505": None,
    "1,2345": None,
    "true": None,
    "tolv": None,
    "9" * 400: None,
    "1.000.000.000": None,
}


@pytest.mark.parametrize("text", list(TEXTS))
def test_the_same_amount_text_is_the_same_value_or_refusal_everywhere(text: str, register_url: str, http: Any) -> None:
    """`decision record --udgift`, the form's field, POST /register/decisions, the decision import
    and the payments import read one text as one amount, or refuse it for one reason."""
    results = {
        "cli": via_cli(register_url, text),
        "http": via_http(http, register_url, text),
        "decision import": via_decision_import(register_url, text),
        "payments import": via_payments_import(register_url, text),
        "form": via_form(text),
    }
    same(results)
    expected = TEXTS[text]
    assert results["cli"] == ("ok", expected) if expected is not None else results["cli"][0] == "refused"


@pytest.mark.parametrize(("value", "expected"), [(12000, Decimal(12000)), (12000.5, Decimal("12000.5")), (True, None), (False, None), (None, None), (10**400, None), (0.1 + 0.2, None), (-5, None)])
def test_the_same_json_value_is_the_same_amount_or_refusal_in_the_api_and_the_import(value: Any, expected: Decimal | None, register_url: str, http: Any) -> None:
    """JSON true is never 1.0, a 400-digit number is a Danish error, not a crash: the API and the import agree."""
    results = {"http": via_http(http, register_url, value), "decision import": via_decision_import(register_url, value)}
    same(results)
    assert results["http"] == ("ok", expected) if expected is not None else results["http"][0] == "refused"


@examples(100)
@given(st.text(alphabet="0123456789.,- ", min_size=1, max_size=14))
def test_any_number_like_text_is_read_alike_by_every_entry_point(text: str) -> None:
    """Generated texts of digits and separators: the CLI, the form, the API and both imports agree."""
    import tempfile

    assume(text.strip())  # an empty form field is left out of the case (the validation asks for it)
    assume(not looks_like_cpr(text))  # the imports refuse a CPR-shaped text in any column first (privacy)

    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'r.db'}"
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        from kompetenceplan.service.app import create_app

        client = TestClient(create_app(NYBORG, db_url=url), base_url="http://127.0.0.1")
        results = {"cli": via_cli(url, text), "http": via_http(client, url, text), "decision import": via_decision_import(url, text), "form": via_form(text)}
        if not text.strip().startswith("-"):  # a refund is a negative payment; a monthly cost is never negative
            results["payments import"] = via_payments_import(url, text)
        same(results)
        client.close()
        client.app.app.state.register.close()  # type: ignore[attr-defined]


def _refusal(text: str) -> str | None:
    """What `read_number` says of a threshold it refuses; None for one it reads."""
    try:
        read_number(text, "x", decimals=2, minimum=0)
    except DanishTextError as exc:
        return exc.problems[0].what
    return None


@pytest.mark.parametrize("text", ["50.000", "50000", "1.250,50", "12,000", "12.5", "-1", "tolv"])
def test_the_threshold_is_read_alike_on_the_command_line_and_the_page(text: str, register_url: str, http: Any) -> None:
    """`oekonomi report --threshold 50.000` and the Økonomisk tilsyn page read 50.000 kr. alike (never 50), and refuse alike."""
    result = CliRunner().invoke(main, ["oekonomi", "report", "--quarter", "2026Q4", "--format", "json", "--threshold", text, "--db", register_url, "--plan", str(NYBORG)])
    page = http.get("/oekonomi", params={"kvartal": "2026Q4", "taerskel": text}).text
    found = re.search(r'id="taerskel-error"[^>]*>(.*?)</p>', page, flags=re.S)
    assert found is not None
    field_error = found.group(1).strip()
    refusal = _refusal(text)
    if refusal is not None:
        assert result.exit_code == 2
        assert refusal in result.output
        assert refusal.casefold() in field_error.casefold()
        return
    expected = read_number(text, "x", decimals=2, minimum=0)
    assert result.exit_code == 0, result.output
    shown = json.loads(result.output)["taerskel"]
    assert Decimal(repr(shown)) == expected
    assert not field_error
    assert f"{format_oere(int(expected * 100))} kr." in page
