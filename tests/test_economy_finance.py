"""Payments from the finance system: the documented CSV and JSON Lines format, every bad row
reported in Danish, nothing imported when any row is bad (one transaction), a file imported once,
and paid against granted in the report (checked against a naive count), on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json
import random
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, inspect, select

from kompetenceplan.cli import main
from kompetenceplan.store.db import make_engine, upgrade
from kompetenceplan.tilsyn import economy as eco
from kompetenceplan.tilsyn import finance
from kompetenceplan.tilsyn.finance import FinanceImportError, import_payments, payments

from .conftest import NYBORG, examples
from .test_economy import PLANS, check_report, insert_rows, make_rows, naive_tables, periods_of

GOOD_CSV = "\ufeffsagsreference;betalt_dato;beloeb;paragraf;konto;tekst\nS-1;2026-10-31;12.500,00;bl-46;5.28.23;Plejeløn oktober\nS-2;2026-11-30;-350,5;bl-32-1-2;;\n"


def count(engine: Any) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(payments)).scalar_one()


@pytest.fixture
def engine(migrated_url: str):
    e = make_engine(migrated_url)
    yield e
    e.dispose()


def test_the_migration_creates_the_payments_table_as_declared(engine: Any) -> None:
    with engine.connect() as conn:
        columns = {c["name"] for c in inspect(conn).get_columns("payments")}
    assert columns == set(payments.c.keys())


def test_a_good_csv_file_is_imported_with_danish_decimals_and_bom(engine: Any) -> None:
    report = import_payments(engine, PLANS, GOOD_CSV.encode(), "betalinger.csv")
    assert (report.imported, report.first, report.last, report.total_oere) == (2, dt.date(2026, 10, 31), dt.date(2026, 11, 30), 1_250_000 - 35_050)
    with engine.connect() as conn:
        stored = conn.execute(select(payments.c.case_ref, payments.c.amount, payments.c.account, payments.c.text, payments.c.line).order_by(payments.c.line)).all()
    assert [(r[0], float(r[1]), r[2], r[3], r[4]) for r in stored] == [("S-1", 12500.0, "5.28.23", "Plejeløn oktober", 2), ("S-2", -350.5, None, None, 3)]


def test_comma_separated_csv_and_json_lines(engine: Any) -> None:
    csv_text = 'sagsreference,betalt_dato,beloeb,paragraf\nS-3,2026-12-01,"1000,25",bl-35\nS-4,2026-12-02,"99,99",bl-35\n'
    assert import_payments(engine, PLANS, csv_text.encode(), "b.csv").total_oere == 100_025 + 9_999
    lines = [
        {"sagsreference": "S-5", "betalt_dato": "2026-12-03", "beloeb": 500, "paragraf": "bl-46"},
        {"sagsreference": "S-6", "betalt_dato": "2026-12-04", "beloeb": "12,50", "paragraf": "sel-85", "konto": "5.38"},
    ]
    report = import_payments(engine, PLANS, ("\n".join(json.dumps(x) for x in lines) + "\n\n").encode(), "b.jsonl")
    assert (report.imported, report.total_oere) == (2, 50_000 + 1_250)
    assert count(engine) == 4


BAD_ROWS = [
    # (CSV line, the field named, a word of what is wrong)
    ("S-1;2026-13-01;100;bl-46;;", "betalt_dato", "ÅÅÅÅ-MM-DD"),
    ("S-1;01-10-2026;100;bl-46;;", "betalt_dato", "ÅÅÅÅ-MM-DD"),
    ("S-1;2026-10-01;1000.50;bl-46;;", "beloeb", "punktum bruges kun som tusindtalsskilletegn"),
    ("S-1;2026-10-01;12,000;bl-46;;", "beloeb", "tvetydigt"),
    (
        "S-1;2026-10-01;9999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999;bl-46;;",
        "beloeb",
        "for lang",
    ),
    ("S-1;2026-10-01;100,1234;bl-46;;", "beloeb", "2 decimaler"),
    ("S-1;2026-10-01;;bl-46;;", "beloeb", "mangler"),
    ("S-1;2026-10-01;100;bl-999;;", "paragraf", "paragrafkode"),
    (";2026-10-01;100;bl-46;;", "sagsreference", "mangler"),
    ("S 1;2026-10-01;100;bl-46;;", "sagsreference", "ugyldige tegn"),
    ("S#1;2026-10-01;100;bl-46;;", "sagsreference", "ugyldige tegn"),
    ("S-1;2026-10-01;100;bl-46;;Betaling til 010203-1234", "tekst", "CPR-nummer"),
    ("S-1;2026-10-01;100;bl-46", "linje", "felter"),
]


def test_every_bad_row_is_reported_and_nothing_is_imported(engine: Any) -> None:
    header = "sagsreference;betalt_dato;beloeb;paragraf;konto;tekst"
    good = "S-9;2026-10-01;100;bl-46;;"
    lines = [header]
    for bad, _, _ in BAD_ROWS:
        lines += [good, bad]
    with pytest.raises(FinanceImportError) as err:
        import_payments(engine, PLANS, ("\n".join(lines) + "\n").encode(), "b.csv")
    assert count(engine) == 0
    text = err.value.render()
    assert text.startswith(f"Intet er importeret: {len(BAD_ROWS)} linjer har fejl.")
    for i, (_, field, word) in enumerate(BAD_ROWS):
        line = 3 + 2 * i
        found = [p for p in err.value.problems if p.where.startswith(f"b.csv, linje {line}")]
        assert found, line
        assert any((field in p.where) and (word in p.what) for p in found), (line, [p.render() for p in found])
        assert all(p.fix for p in found)
    assert "010203-1234" not in text
    assert "0102031234" not in text


def test_header_problems_are_reported(engine: Any) -> None:
    with pytest.raises(FinanceImportError) as err:
        import_payments(engine, PLANS, b"sagsreference;betalt_dato;beloeb;belob\nS-1;2026-10-01;1;x\n", "b.csv")
    text = err.value.render()
    assert "kolonne 4" in text
    assert "ikke en kendt kolonne" in text
    assert "mangler kolonnen paragraf" in text
    with pytest.raises(FinanceImportError, match="ingen betalinger"):
        import_payments(engine, PLANS, b"sagsreference;betalt_dato;beloeb;paragraf\n", "b.csv")
    with pytest.raises(FinanceImportError) as err:
        import_payments(engine, PLANS, b'{"sagsreference": "S-1"\n[1]\n{"sagsreference": "S-1", "betalt_dato": "2026-10-01", "beloeb": 1, "paragraf": "bl-46", "x": 1}\n', "b.jsonl")
    wheres = [p.where for p in err.value.problems]
    assert "b.jsonl, linje 1" in wheres
    assert "b.jsonl, linje 2" in wheres
    assert "b.jsonl, linje 3, ukendt felt" in wheres
    with pytest.raises(FinanceImportError, match="UTF-8"):
        import_payments(engine, PLANS, "sagsreference\nS-1 æ".encode("latin-1"), "b.csv")
    assert count(engine) == 0


def test_a_rerun_of_the_same_lines_stores_nothing_new_and_says_so(engine: Any) -> None:
    """Idempotent by each line's content: the same payments with a byte-order mark or without, CRLF
    line endings, another column order or as JSON Lines are stored once; a rerun reports them as
    already imported."""
    first = import_payments(engine, PLANS, GOOD_CSV.encode(), "b.csv")
    assert (first.imported, first.already_imported) == (2, 0)
    plain = GOOD_CSV.removeprefix("\ufeff")
    reordered = "beloeb;paragraf;sagsreference;betalt_dato;tekst;konto\n12500;bl-46;S-1;2026-10-31;Plejeløn oktober;5.28.23\n"
    as_jsonl = json.dumps({"sagsreference": "S-2", "betalt_dato": "2026-11-30", "beloeb": -350.5, "paragraf": "bl-32-1-2"}) + "\r\n"
    for data, name in ((GOOD_CSV.encode(), "b-igen.csv"), (plain.replace("\n", "\r\n").encode(), "crlf.csv"), (reordered.encode(), "r.csv"), (as_jsonl.encode(), "b.jsonl")):
        again = import_payments(engine, PLANS, data, name)
        assert again.imported == 0, name
        assert again.already_imported >= 1, name
        assert again.total_oere == 0, name
    assert count(engine) == 2
    # Two identical lines are two payments; a later file with one of them adds nothing, with three adds one.
    twice = plain + plain.splitlines()[1] + "\n"
    assert import_payments(engine, PLANS, twice.encode(), "to.csv").imported == 1
    assert import_payments(engine, PLANS, twice.encode(), "to-igen.csv").imported == 0
    assert count(engine) == 3


def test_the_cli_says_a_rerun_stored_nothing_new(tmp_path: Any) -> None:
    """`oekonomi import` twice: exit 0 both times, and the second run says nothing new was stored."""
    url = f"sqlite:///{tmp_path / 'r.db'}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    good = tmp_path / "betalinger.csv"
    good.write_bytes(GOOD_CSV.replace("\n", "\r\n").encode())
    runner = CliRunner()
    args = ["oekonomi", "import", str(good), "--db", url, "--plan", str(NYBORG)]
    assert runner.invoke(main, args).exit_code == 0
    again = runner.invoke(main, args)
    assert again.exit_code == 0
    assert "Intet nyt" in again.output
    assert "2 linjer var allerede importeret" in again.output


def test_a_database_failure_mid_import_stores_nothing(engine: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """One transaction: when the database refuses the last row, the first rows are rolled back."""
    real = finance.parse_payments

    def with_a_row_the_database_refuses(*args: Any, **kw: Any) -> list[dict[str, Any]]:
        rows = real(*args, **kw)
        return [*rows, dict(rows[0], paragraph=None)]  # NOT NULL

    monkeypatch.setattr(finance, "parse_payments", with_a_row_the_database_refuses)
    with pytest.raises(Exception, match="(?i)null"):
        import_payments(engine, PLANS, GOOD_CSV.encode(), "b.csv")
    assert count(engine) == 0


@examples(200)
@given(n=st.integers(1, 12), bad_at=st.data())
def test_one_bad_row_anywhere_imports_nothing(n: int, bad_at: st.DataObject) -> None:
    position = bad_at.draw(st.integers(0, n - 1))
    bad, field, _ = bad_at.draw(st.sampled_from(BAD_ROWS))
    lines = ["sagsreference;betalt_dato;beloeb;paragraf;konto;tekst"] + [f"S-{i};2026-10-0{1 + i % 9};{i}00;bl-46;;" for i in range(n)]
    lines[1 + position] = bad
    with pytest.raises(FinanceImportError) as err:
        finance.parse_payments(("\n".join(lines) + "\n").encode(), PLANS, "b.csv")
    assert {p.where.split(",")[1].strip() for p in err.value.problems} == {f"linje {2 + position}"}


# -- paid against granted in the report -----------------------------------------------------------
def make_payments(rows: list[dict[str, Any]], seed: int) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    out = []
    refs = sorted({r["case_ref"] for r in rows})
    for i in range(120):
        ref = rng.choice(refs) if rng.random() < 0.9 else f"UKENDT-{i}"
        oere = rng.randrange(-50_000, 9_000_000)
        out.append({"case_ref": ref, "paid_on": dt.date(2026, 9, 1) + dt.timedelta(days=rng.randrange(0, 140)), "oere": oere, "paragraph": rng.choice(["bl-46", "bl-35", "bl-32-1-2", "sel-85"])})
    return out


def test_the_report_shows_paid_against_granted(migrated_url: str, engine: Any) -> None:
    rows = make_rows(seed=5, cases=60)
    insert_rows(migrated_url, rows)
    pays = make_payments(rows, 5)
    csv_lines = ["sagsreference;betalt_dato;beloeb;paragraf"]
    for p in pays:
        sign = "-" if p["oere"] < 0 else ""
        csv_lines.append(f"{p['case_ref']};{p['paid_on'].isoformat()};{sign}{abs(p['oere']) // 100},{abs(p['oere']) % 100:02d};{p['paragraph']}")
    assert import_payments(engine, PLANS, ("\n".join(csv_lines) + "\n").encode(), "b.csv").imported == len(pays)
    report = eco.build_report(engine, PLANS, eco.parse_quarter("2026Q4"), monthly=True, threshold=60_000)
    md = eco.markdown(report)
    expected = naive_tables(rows, periods_of("2026Q4", True), 60_000, pays)
    check_report(md, expected, "4. kvartal 2026", "60.000,00")
    assert f"{len(pays)} importeret i alt" in md


def test_cli_import_ok_and_refused(tmp_path: Any) -> None:
    url = f"sqlite:///{tmp_path / 'f.db'}"
    engine = make_engine(url)
    upgrade(engine)
    runner = CliRunner()
    good = tmp_path / "betalinger.csv"
    good.write_text(GOOD_CSV, encoding="utf-8")
    result = runner.invoke(main, ["oekonomi", "import", str(good), "--db", url, "--plan", str(NYBORG)])
    assert result.exit_code == 0, result.output
    assert "Importerede 2 betalinger" in result.output
    assert "12.149,50 kr." in result.output
    bad = tmp_path / "bad.jsonl"
    bad.write_text(
        '{"sagsreference": "S-1", "betalt_dato": "2026-10-01", "beloeb": 1, "paragraf": "bl-46"}\n{"sagsreference": "S-1", "betalt_dato": "i går", "beloeb": 1, "paragraf": "bl-46"}\n',
        encoding="utf-8",
    )
    result = runner.invoke(main, ["oekonomi", "import", str(bad), "--db", url, "--plan", str(NYBORG)])
    assert result.exit_code == 2
    assert "Intet er importeret" in result.output
    assert "bad.jsonl, linje 2, felt betalt_dato" in result.output
    assert "Sådan rettes det" in result.output
    assert "Traceback" not in result.output
    result = runner.invoke(main, ["oekonomi", "import", str(tmp_path / "findes-ikke.csv"), "--db", url, "--plan", str(NYBORG)])
    assert result.exit_code == 2
    assert "kan ikke læses" in result.output
    assert count(engine) == 2
    engine.dispose()


def test_cli_import_from_standard_input_and_the_json_report(tmp_path: Any) -> None:
    url = f"sqlite:///{tmp_path / 's.db'}"
    engine = make_engine(url)
    upgrade(engine)
    insert_rows(url, make_rows(seed=2, cases=20))
    runner = CliRunner()
    line = '{"sagsreference": "UKENDT-1", "betalt_dato": "2026-11-02", "beloeb": 99.5, "paragraf": "bl-46"}\n'
    result = runner.invoke(main, ["oekonomi", "import", "-", "--format", "jsonl", "--db", url, "--plan", str(NYBORG)], input=line)
    assert result.exit_code == 0, result.output
    result = runner.invoke(main, ["oekonomi", "report", "--quarter", "2026Q4", "--format", "json", "--db", url, "--plan", str(NYBORG)])
    paid = json.loads(result.output)["perioder"][0]["betalinger"]
    assert (paid["udbetalt"], paid["antal"], paid["uden_afgoerelse"], paid["uden_afgoerelse_beloeb"]) == (99.5, 1, 1, 99.5)
    assert {k: v for k, v in next(r for r in paid["paragraf"] if r["noegle"] == "bl-46").items() if k != "bevilget"} == {"noegle": "bl-46", "udbetalt": 99.5}
    engine.dispose()
