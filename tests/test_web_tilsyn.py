"""The Ledelsestilsyn and Økonomisk tilsyn pages without a browser (FastAPI's TestClient, in
process) on a register filled by the fictional-municipality generator: the draw, the sample and
its TIL checks compared with `tilsyn.draw.show`, the checklist answers, the report compared with
`tilsyn.report.build_report` and an independent count of the raw check results, the økonomisk
tilsyn compared with `tilsyn.economy.build_report`; CSRF, bad input kept, no personal data, and
the pages without a register. One end-to-end test runs on SQLite and on a real PostgreSQL."""

from __future__ import annotations

import datetime as dt
import html
import re
import shutil
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("jinja2")
pytest.importorskip("multipart")
pytest.importorskip("sqlalchemy")

with warnings.catch_warnings():  # starlette's TestClient warns about its httpx dependency on import
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from sqlalchemy import func, select

from kompetenceplan import load_plans
from kompetenceplan.actor import local_actor
from kompetenceplan.service.app import create_app
from kompetenceplan.store.db import make_engine, upgrade
from kompetenceplan.store.privacy import looks_like_cpr
from kompetenceplan.store.register import Register
from kompetenceplan.store.tables import decisions
from kompetenceplan.tilsyn import economy
from kompetenceplan.tilsyn.checks import CHECK_BY_CODE, CHECKS
from kompetenceplan.tilsyn.config import load_config
from kompetenceplan.tilsyn.draw import ANSWERS, draws, quarter_dates, show
from kompetenceplan.tilsyn.generate import generate
from kompetenceplan.tilsyn.report import TREND, build_report, sections
from kompetenceplan.tilsyn.tables import tilsyn_answers
from kompetenceplan.web.danish import date_text, plain_reference, quarter_text
from kompetenceplan.web.nav import NAV

from .conftest import NYBORG, ROOT

PLANS = load_plans(NYBORG)
CONFIG = load_config(ROOT / "rules" / "nyborg-tilsyn.toml")
CPR = "010115-0000"
TODAY = dt.date.today()


def _code(year: int, n: int) -> str:
    return f"{year}Q{n}"


#: The newest quarter whose draw date has passed (the page draws with today's date), and the next.
QUARTER = max((quarter_dates(CONFIG, _code(y, n))[0], _code(y, n)) for y in (TODAY.year - 1, TODAY.year) for n in (1, 2, 3, 4) if quarter_dates(CONFIG, _code(y, n))[0] <= TODAY)[1]
NEXT = min((quarter_dates(CONFIG, _code(y, n))[0], _code(y, n)) for y in (TODAY.year, TODAY.year + 1) for n in (1, 2, 3, 4) if quarter_dates(CONFIG, _code(y, n))[0] > TODAY)[1]
_, FIRST, LAST = quarter_dates(CONFIG, QUARTER)
START = (FIRST - dt.timedelta(days=80)).replace(day=1)  # some history before the period


class Client:
    """A TestClient on the loopback name the guard accepts, with the page's CSRF token."""

    def __init__(self, app: Any) -> None:
        self.http = TestClient(app, base_url="http://127.0.0.1")

    def get(self, path: str) -> Any:
        return self.http.get(path)

    def token(self) -> str:
        return re.search(r'name="csrf" value="([^"]+)"', self.get("/indstilling").text).group(1)  # type: ignore[union-attr]

    def post(self, path: str, fields: dict[str, str], token: bool = True, confirmed: bool = True) -> Any:
        """POST the form; ``confirmed``: as after the confirmation step (a draw is once only)."""
        data = ({"csrf": self.token()} if token else {}) | ({"bekraeftet": "ja"} if confirmed else {}) | fields
        return self.http.post(path, data=data, follow_redirects=False)


def _months(start: dt.date, last: dt.date) -> int:
    return (last.year - start.year) * 12 + last.month - start.month + 1


@pytest.fixture(scope="module")
def town(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated municipality (SQLite) up to the end of QUARTER's population; copied per test."""
    path = tmp_path_factory.mktemp("town") / "town.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    with Register(f"sqlite:///{path}") as reg:
        generate(reg, PLANS, start=START, months=_months(START, LAST), seed=15, bulk=True)
    return path


@pytest.fixture
def app(town: Path, tmp_path: Path) -> Iterator[Any]:
    db = tmp_path / "register.db"
    shutil.copy(town, db)
    application = create_app(NYBORG, db_url=f"sqlite:///{db}")
    yield application
    application.app.state.register.close()


@pytest.fixture
def client(app: Any) -> Client:
    return Client(app)


@pytest.fixture
def reg(app: Any) -> Register:
    register: Register = app.app.state.register
    return register


@pytest.fixture(scope="module")
def bare() -> Client:
    return Client(create_app(NYBORG))


def text_of(page: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))


def no_cpr(page: str, seeds: tuple[int, ...] = ()) -> bool:
    """No CPR-shaped text on the page. A draw's seed (up to 10 digits) is shown as "frø N" and
    is left out here: it is a number the library chose, not a person's."""
    text = text_of(page)
    for seed in seeds:
        text = text.replace(f"frø {seed}", "frø")
    return not looks_like_cpr(text)


def draw_page(client: Client, quarter: str = QUARTER, per_team: str = "2") -> Any:
    return client.post("/tilsyn", {"kvartal": quarter, "pr_team": per_team})


def field_error(page: str, field: str) -> str:
    found = re.search(rf'<p class="field-error" id="{re.escape(field)}-error"[^>]*>(.*?)</p>', page, flags=re.S)
    assert found is not None, field
    return text_of(found.group(1)).replace("Fejl: ", "").strip()


def cases_shown(page: str) -> list[dict[str, Any]]:
    """Each drawn case on the quarter page: number, case reference, TIL codes and statuses."""
    out = []
    for block in re.findall(r'<article class="report agenda-item tilsyn-case".*?</article>', page, flags=re.S):
        out.append(
            {
                "position": int(re.search(r'data-position="(\d+)"', block).group(1)),  # type: ignore[union-attr]
                "case": re.search(r'data-case="([^"]+)"', block).group(1),  # type: ignore[union-attr]
                "results": re.findall(r'<tr data-code="([^"]+)" data-status="([^"]+)"', block),
                "done": re.search(r'data-done="(ja|nej)"', block).group(1) == "ja",  # type: ignore[union-attr]
                "text": text_of(block),
            }
        )
    return out


def answer(client: Client, position: int, question: str, value: str, comment: str = "", quarter: str = QUARTER) -> Any:
    """One question answered through the case's checklist form (the others left as they are)."""
    return client.post(f"/tilsyn/{quarter}/sag/{position}", {f"svar-{question}": value, f"kommentar-{question}": comment})


def answer_rows(reg: Register) -> int:
    with reg.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(tilsyn_answers)).scalar_one())


# -- navigation and without a register ----------------------------------------------------------------


class TestWithoutRegister:
    def test_both_pages_are_in_the_navigation(self, bare: Client) -> None:
        labels = [item.label for item in NAV]
        assert "Ledelsestilsyn" in labels
        assert "Økonomisk tilsyn" in labels
        page = bare.get("/").text
        nav = re.search(r'<nav class="main-nav".*?</nav>', page, flags=re.S).group(0)  # type: ignore[union-attr]
        assert 'href="/tilsyn"' in nav
        assert 'href="/oekonomi"' in nav

    @pytest.mark.parametrize(("path", "active"), [("/tilsyn", "/tilsyn"), ("/oekonomi", "/oekonomi")])
    def test_the_pages_say_how_to_start_with_a_register(self, bare: Client, path: str, active: str) -> None:
        r = bare.get(path)
        assert r.status_code == 200
        text = text_of(r.text)
        assert "ikke sat op" in text
        assert "kompetenceplan serve --db" in text
        assert "kompetenceplan db upgrade" in text
        assert f'<a href="{active}" aria-current="page">' in r.text
        assert "<form" not in r.text.split('id="indhold"', 1)[1]  # no form without a register

    @pytest.mark.parametrize(
        ("method", "path"),
        [("GET", f"/tilsyn/{QUARTER}"), ("GET", f"/tilsyn/{QUARTER}/rapport"), ("POST", "/tilsyn"), ("POST", f"/tilsyn/{QUARTER}/sag/1"), ("GET", "/oekonomi?kvartal=2026Q4")],
    )
    def test_every_route_answers_the_notice_never_a_500(self, bare: Client, method: str, path: str) -> None:
        r = bare.get(path) if method == "GET" else bare.post(path, {"kvartal": QUARTER, "pr_team": "2", "svar": "ja", "besvaret_af": "ABC"})
        assert r.status_code in (200, 404)
        assert "kompetenceplan serve --db" in text_of(r.text)


# -- the draw ---------------------------------------------------------------------------------------------


class TestDraw:
    def test_the_form_offers_the_newest_quarter_and_the_configured_size(self, client: Client, reg: Register) -> None:
        page = client.get("/tilsyn").text
        assert re.search(r'id="kvartal"[^>]*value="([^"]*)"', page).group(1) == quarter_text(QUARTER)  # type: ignore[union-attr]
        assert re.search(r'id="pr_team"[^>]*value="([^"]*)"', page).group(1) == str(CONFIG.tilsyn.per_stratum)  # type: ignore[union-attr]
        assert f'<option value="{quarter_text(NEXT)}">' in page
        assert "Der er ingen trækninger" in page
        assert "trækningsdatoerne er 1. marts, 1. juni, 1. september og 1. december" in text_of(page)  # rules/nyborg-tilsyn.toml
        assert draws(reg) == []

    def test_a_draw_is_stored_and_listed(self, client: Client, reg: Register) -> None:
        r = draw_page(client, QUARTER, "2")
        assert r.status_code == 303
        assert r.headers["location"] == f"/tilsyn/{QUARTER}?trukket=1"
        stored = show(reg, QUARTER)
        assert stored is not None
        assert stored.per_stratum == 2
        assert stored.period_start == FIRST
        assert stored.period_end == LAST
        # independent: at most 2 per (team, track), and the stratum sizes add up to the population
        strata: dict[tuple[str, str], list[dict[str, Any]]] = {}
        for item in stored.items:
            strata.setdefault((item["team"], item["track"]), []).append(item)
        assert all(len(items) == min(2, items[0]["stratum_size"]) for items in strata.values())
        assert sum(items[0]["stratum_size"] for items in strata.values()) == stored.population_size > 0
        page = client.get("/tilsyn").text
        row = re.search(rf'<tr data-quarter="{QUARTER}">.*?</tr>', page, flags=re.S).group(0)  # type: ignore[union-attr]
        assert f'data-population="{stored.population_size}"' in row
        assert f'data-sample="{len(stored.items)}"' in row
        assert date_text(stored.draw_date) in row
        assert f'href="/tilsyn/{QUARTER}/rapport"' in row
        faulty = sum(1 for i in stored.items if any(r["status"] == "fejl" for r in i["results"]))
        assert f'data-faulty="{faulty}"' in row
        assert 'data-answered="0"' in row

    def test_draws_older_than_the_recent_ones_are_links_without_their_progress(self, client: Client, reg: Register, monkeypatch: pytest.MonkeyPatch) -> None:
        """The page shows the newest draws with their progress and lists older ones as links (their
        progress is not read), so it costs the same after ten years of quarterly draws."""
        from kompetenceplan.web import tilsyn_pages

        assert draw_page(client, QUARTER, "2").status_code == 303
        monkeypatch.setattr(tilsyn_pages, "RECENT_DRAWS", 0)
        page = client.get("/tilsyn").text
        assert f'<tr data-quarter="{QUARTER}">' not in page
        assert "ingen trækninger" not in page
        older = re.search(r'<p id="aeldre-traekninger">.*?</p>', page, flags=re.S)
        assert older is not None
        assert f'href="/tilsyn/{QUARTER}"' in older.group(0)

    def test_a_second_draw_is_refused_with_the_library_message_and_the_input_kept(self, client: Client, reg: Register) -> None:
        assert draw_page(client, QUARTER, "2").status_code == 303
        first = show(reg, QUARTER)
        r = draw_page(client, QUARTER, "3")
        assert r.status_code == 200
        assert 'role="alert"' in r.text
        message = field_error(r.text, "kvartal")
        assert message.startswith("Kvartalet er allerede trukket.")
        assert f"{QUARTER} blev trukket" in message
        assert re.search(r'id="kvartal"[^>]*value="([^"]*)"', r.text).group(1) == QUARTER  # type: ignore[union-attr]
        assert re.search(r'id="pr_team"[^>]*value="([^"]*)"', r.text).group(1) == "3"  # type: ignore[union-attr]
        assert 'aria-describedby="kvartal-hint kvartal-error" aria-invalid="true"' in r.text
        assert f'href="/tilsyn/{QUARTER}">Se den gemte trækning' in r.text
        again = show(reg, QUARTER)
        assert again is not None
        assert first is not None
        assert (again.seed, [i["decision_id"] for i in again.items]) == (first.seed, [i["decision_id"] for i in first.items])

    def test_a_quarter_before_its_draw_date_is_refused(self, client: Client, reg: Register) -> None:
        r = draw_page(client, NEXT, "2")
        assert r.status_code == 200
        message = field_error(r.text, "kvartal")
        assert message.startswith("Kvartalet kan ikke trækkes endnu.")
        assert quarter_dates(CONFIG, NEXT)[0].isoformat() in message
        assert re.search(r'id="kvartal"[^>]*value="([^"]*)"', r.text).group(1) == NEXT  # type: ignore[union-attr]
        assert draws(reg) == []

    @pytest.mark.parametrize(
        ("quarter", "per_team", "field", "words"),
        [("2026Q5", "2", "kvartal", "Kan ikke læses som et kvartal"), ("", "2", "kvartal", "Mangler"), (QUARTER, "fem", "pr_team", "helt tal"), (QUARTER, "0", "pr_team", "fra 1 til 1000")],
    )
    def test_bad_input_is_named_on_its_field_and_kept(self, client: Client, reg: Register, quarter: str, per_team: str, field: str, words: str) -> None:
        r = draw_page(client, quarter, per_team)
        assert r.status_code == 200
        assert words in field_error(r.text, field)
        assert re.search(rf'id="{field}"[^>]*value="([^"]*)"', r.text).group(1) == (quarter if field == "kvartal" else per_team)  # type: ignore[union-attr]
        assert draws(reg) == []

    def test_a_post_without_the_signed_token_draws_nothing(self, client: Client, reg: Register) -> None:
        r = client.post("/tilsyn", {"kvartal": QUARTER, "pr_team": "2"}, token=False)
        assert r.status_code == 403
        assert 'role="alert"' in r.text
        forged = client.post("/tilsyn", {"kvartal": QUARTER, "pr_team": "2", "csrf": "1.2"}, token=False)
        assert forged.status_code == 403
        assert draws(reg) == []


# -- one quarter: the sample, the checks and the checklist -----------------------------------------------


class TestQuarter:
    @pytest.fixture
    def drawn(self, client: Client, reg: Register) -> Any:
        assert draw_page(client, QUARTER, "2").status_code == 303
        return show(reg, QUARTER)

    def test_the_sample_and_its_checks_are_the_library_s(self, client: Client, drawn: Any) -> None:
        page = client.get(f"/tilsyn/{QUARTER}").text
        shown = cases_shown(page)
        assert [(c["position"], c["case"]) for c in shown] == [(i["position"], i["case_ref"]) for i in drawn.items]
        for case, item in zip(shown, drawn.items, strict=True):
            assert case["results"] == [(r["code"], r["status"]) for r in item["results"]]
            assert sorted(r["code"] for r in item["results"]) == [c.code for c in CHECKS]
            for r in item["results"]:
                # the check in words (its code only in the data attribute) and its basis without the [U] marker
                assert r["message"] in case["text"]
                assert plain_reference(CHECK_BY_CODE[r["code"]].basis) in case["text"]
                assert CHECK_BY_CODE[r["code"]].title in case["text"]
            questions = CONFIG.questions_for(item["track"])  # the track's own checklist, numbered, with the phase where it has one
            assert all(f"{n}. {q.question}" in case["text"] or f"{n}. {q.phase}: {q.question}" in case["text"] for n, q in enumerate(questions, 1))
            assert case["text"].count("Grundlag:") == len(questions)
        # grouped by team and track, in the draw's order
        groups = re.findall(r'<section class="stratum"[^>]*data-team="([^"]+)" data-track="([^"]+)"', page)
        assert groups == list(dict.fromkeys((i["team"], i["track"]) for i in drawn.items))
        assert f'data-population="{drawn.population_size}"' in page
        assert f'href="/tilsyn/{QUARTER}/rapport"' in page

    def test_answers_are_stored_and_counted(self, client: Client, reg: Register, drawn: Any) -> None:
        """The whole checklist of a case is one form, saved with one POST; progress counts the cases done."""
        first = drawn.items[0]["position"]
        questions = CONFIG.questions_for(drawn.items[0]["track"])  # the track's own checklist
        r = client.post(f"/tilsyn/{QUARTER}/sag/{first}", {f"svar-{q.id}": "ja" for q in questions})
        assert r.status_code == 303
        assert r.headers["location"] == f"/tilsyn/{QUARTER}?gemt={first}"
        assert answer_rows(reg) == len(questions)
        assert answer(client, drawn.items[1]["position"], "L-01", "ikke_relevant").status_code == 303
        stored = show(reg, QUARTER)
        assert stored is not None
        done = sum(1 for i in stored.items if all(q.id in i["answers"] for q in CONFIG.questions_for(i["track"])))
        assert done == 1
        assert {a["answered_by"] for a in stored.items[0]["answers"].values()} == {local_actor().id}
        page = client.get(f"/tilsyn/{QUARTER}?gemt={first}").text
        assert f'id="fremdrift" data-answered="{done}" data-total="{len(stored.items)}"' in page
        assert f"{done} af {len(stored.items)} sager gennemgået" in text_of(page)
        assert f"Tjeklisten for sag nr. {first} er gemt." in text_of(page)
        assert [c["done"] for c in cases_shown(page)] == [i is stored.items[0] for i in stored.items]
        assert f'id="tjekliste-{first}" open' in page  # the case just answered stays open
        assert 'name="besvaret_af"' not in page  # no typed initials
        overview = client.get("/tilsyn").text
        assert f'data-answered="{done}"' in overview

    def test_a_new_answer_corrects_the_old_one_append_only(self, client: Client, reg: Register, drawn: Any) -> None:
        p = drawn.items[0]["position"]
        assert answer(client, p, "L-02", "ja").status_code == 303
        assert answer(client, p, "L-02", "nej", comment="Barnets perspektiv er ikke beskrevet.").status_code == 303
        stored = show(reg, QUARTER)
        assert stored is not None
        now = stored.items[0]["answers"]["L-02"]
        assert now["answer"] == "nej"
        assert now["corrects_id"] is not None
        assert answer_rows(reg) == 2
        page = client.get(f"/tilsyn/{QUARTER}").text
        assert 'data-answer="nej"' in page
        assert 'value="Barnets perspektiv er ikke beskrevet."' in page

    def test_a_no_without_comment_is_refused_with_the_library_message(self, client: Client, reg: Register, drawn: Any) -> None:
        p = drawn.items[0]["position"]
        r = answer(client, p, "L-03", "nej", comment="  ")
        assert r.status_code == 200
        assert answer_rows(reg) == 0
        fid = f"s{p}-L-03"
        message = field_error(r.text, f"{fid}-kommentar")
        assert "et nej skal begrundes" in message
        form = re.search(rf'<form class="answer-form checklist-form"[^>]*id="tjekliste-form-{p}".*?</form>', r.text, flags=re.S).group(0)  # type: ignore[union-attr]
        assert f'id="{fid}-nej" name="svar-L-03" value="nej" checked' in form
        assert 'role="alert"' in form
        assert f'id="tjekliste-{p}" open' in r.text
        summary = re.search(r'<div class="error-summary" role="alert" tabindex="-1" id="fejlliste"[^>]*>.*?</div>', r.text, flags=re.S).group(0)  # type: ignore[union-attr]
        assert f'href="#{fid}-kommentar"' in summary
        assert "et nej skal begrundes" in summary

    @pytest.mark.parametrize(("fields", "field"), [({"kommentar": f"Se {CPR}"}, "kommentar")])
    def test_cpr_shaped_text_is_refused_and_never_echoed(self, client: Client, reg: Register, drawn: Any, fields: dict[str, str], field: str) -> None:
        p = drawn.items[0]["position"]
        data = {"svar-L-04": "nej", "kommentar-L-04": "Mangler."} | {f"{k}-L-04": v for k, v in fields.items()}
        r = client.post(f"/tilsyn/{QUARTER}/sag/{p}", data)
        assert r.status_code == 200
        assert answer_rows(reg) == 0
        assert CPR not in r.text
        assert "010115" not in r.text
        assert "CPR-nummer" in field_error(r.text, f"s{p}-L-04-{field}")

    def test_missing_answer_and_unknown_case_or_question(self, client: Client, reg: Register, drawn: Any) -> None:
        p = drawn.items[0]["position"]
        r = answer(client, p, "L-01", "")
        assert r.status_code == 200
        assert "Mangler" in field_error(r.text, f"s{p}-L-01-svar")
        r = answer(client, len(drawn.items) + 1, "L-01", "ja")
        assert r.status_code == 200
        assert "har ikke en sag nr." in text_of(r.text)
        assert 'id="fejlliste"' in r.text
        r = answer(client, p, "L-99", "ja")  # not a question of the checklist: not read, so nothing is answered
        assert r.status_code == 200
        assert "Besvar mindst ét spørgsmål" in text_of(r.text)
        r = answer(client, p, "L-01", "måske")
        assert r.status_code == 200
        assert "er ikke et svar" in field_error(r.text, f"s{p}-L-01-svar").lower()
        assert answer_rows(reg) == 0

    def test_a_post_without_the_signed_token_stores_nothing(self, client: Client, reg: Register, drawn: Any) -> None:
        r = client.post(f"/tilsyn/{QUARTER}/sag/1", {"svar-L-01": "ja", "besvaret_af": "ABC"}, token=False)
        assert r.status_code == 403
        assert answer_rows(reg) == 0

    def test_an_undrawn_or_malformed_quarter_is_a_404_page(self, client: Client, drawn: Any) -> None:
        for path in (f"/tilsyn/{NEXT}", f"/tilsyn/{NEXT}/rapport", "/tilsyn/2026Q9", "/tilsyn/x/rapport"):
            r = client.get(path)
            assert r.status_code == 404
            assert "Ukendt trækning" in r.text
            assert '<html lang="da">' in r.text
        assert answer(client, 1, "L-01", "ja", quarter=NEXT).status_code == 404

    def test_every_field_has_a_label_and_ids_are_unique(self, client: Client, drawn: Any) -> None:
        page = client.get(f"/tilsyn/{QUARTER}").text
        ids = re.findall(r'\sid="([^"]+)"', page)
        assert len(ids) == len(set(ids))
        for control in re.findall(r'id="([^"]+)" name="(?:svar|kommentar|besvaret_af)"', page):
            assert f'for="{control}"' in page
        assert page.count("<fieldset") == sum(len(CONFIG.questions_for(i["track"])) for i in drawn.items) == page.count("<legend>")


# -- the report ----------------------------------------------------------------------------------------


def _table(page: str, title: str) -> list[list[str]]:
    block = re.search(rf"<h2>{re.escape(html.escape(title))}</h2>(?:<div[^>]*>)?<table>(.*?)</table>", page, flags=re.S)
    assert block is not None, title
    return [[html.unescape(c) for c in re.findall(r"<td>(.*?)</td>", row)] for row in re.findall(r"<tr>(.*?)</tr>", block.group(1)) if "<td>" in row]


class TestReport:
    def test_the_report_page_shows_the_library_s_figures(self, client: Client, reg: Register) -> None:
        assert draw_page(client, QUARTER, "3").status_code == 303
        stored = show(reg, QUARTER)
        assert stored is not None
        p = stored.items[0]["position"]
        assert answer(client, p, "L-05", "nej", comment="Ingen henvisning til retsreglerne.").status_code == 303
        page = client.get(f"/tilsyn/{QUARTER}/rapport").text
        assert 'class="print-document"' in page
        assert "<style" not in page
        assert page.count("<h1") == 1
        assert 'href="/tilsyn/' + QUARTER + '"' in page
        report = build_report(reg, CONFIG, QUARTER)
        rows = _table(page, "Kontroller (TIL)")
        assert [(r[0], int(r[1]), int(r[2]), int(r[5])) for r in rows] == [(r.label, r.k, r.n, r.unverified) for r in report.per_check]
        for check, row in zip(CHECKS, rows, strict=True):  # independent count from the stored results
            statuses = [r["status"] for i in stored.items for r in i["results"] if r["code"] == check.code]
            assert (int(row[1]), int(row[2]), int(row[5])) == (statuses.count("fejl"), statuses.count("fejl") + statuses.count("ok"), statuses.count("ikke_efterproevet"))
        teams = _table(page, "Sager med fejl i kontrollerne (TIL) pr. team")
        assert teams[-1][0] == "Andel af stikprøven (uvægtet)"
        assert int(teams[-1][1]) == sum(1 for i in stored.items if any(r["status"] == "fejl" for r in i["results"]))
        checklist = {r[0].split(" ", 1)[0]: r for r in _table(page, "Tjekliste (lederens gennemlæsning)")}
        assert checklist["L-05"][2] == "1"
        assert checklist["L-05"][5] == str(len(stored.items) - 1)
        assert f"{stored.items[0]['case_ref']} (nr. {p})" in checklist["L-05"][6]
        assert '<svg xmlns="http://www.w3.org/2000/svg"' in page
        assert no_cpr(page, (stored.seed,))

    def test_the_report_page_has_quarters_and_dates_in_words(self, client: Client, reg: Register) -> None:
        """The page's own template: the words of the pages, no seed or fingerprint (the CLI's
        printed report has codes, ISO dates and both), every table a named region."""
        assert draw_page(client, QUARTER, "2").status_code == 303
        stored = show(reg, QUARTER)
        assert stored is not None
        page = client.get(f"/tilsyn/{QUARTER}/rapport").text
        article = re.search(r'<article class="document library-report tilsyn-report"[^>]*>(.*?)</article>', page, flags=re.S).group(1)  # type: ignore[union-attr]
        text = text_of(article)
        assert f"Ledelsestilsyn {quarter_text(QUARTER)}" in text
        assert f"Trækningsdato {date_text(stored.draw_date)}" in text
        assert not re.search(r"\b\d{4}Q[1-4]\b|\b\d{4}-\d{2}-\d{2}\b", article)
        assert "frø" not in text
        assert "fingeraftryk" not in text
        assert _table(page, TREND)[-1][0] == quarter_text(QUARTER)
        assert f"<title>{quarter_text(QUARTER)}: " in article  # the trend chart too
        assert "<th></th>" not in article
        regions = re.findall(r'<div class="table-scroll" tabindex="0" role="region" aria-label="Tabel (\d+)"><table>', article)
        assert regions == [str(n) for n in range(1, len(sections(build_report(reg, CONFIG, QUARTER))) + 1)]


# -- økonomisk tilsyn ---------------------------------------------------------------------------------


def _cells(page: str, heading: str) -> list[list[str]]:
    """The rows of the first table after ``heading`` (the library's HTML, headings one level down)."""
    start = page.index(heading)
    table = page[page.index("<table>", start) : page.index("</table>", start)]
    return [[html.unescape(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", row)] for row in re.findall(r"<tr[^>]*>(.*?)</tr>", table) if "<td" in row]


class TestEconomy:
    def test_the_quarter_s_report_is_the_library_s(self, client: Client, reg: Register) -> None:
        quarter = f"{FIRST.year}Q{(LAST.month - 1) // 3 + 1}"
        r = client.get(f"/oekonomi?kvartal={quarter}&taerskel=40.000&maaneder=1")
        assert r.status_code == 200
        assert "<style" not in r.text
        assert r.text.count("<h1") == 1
        report = economy.build_report(reg.engine, PLANS, economy.parse_quarter(quarter), monthly=True, threshold=40000)
        assert len(report.periods) == 4  # the quarter and its three months
        overview = _cells(r.text, "<h3>Overblik</h3>")
        assert overview == [[p.figures.period.label, str(p.figures.active), economy.kr(p.figures.cost_oere)] for p in report.periods]
        # independent: the current granted decisions of the quarter at or above 40.000 kr. a month
        with reg.engine.connect() as conn:
            rows = list(conn.execute(select(decisions.c.id, decisions.c.corrects_id, decisions.c.case_ref, decisions.c.monthly_cost, decisions.c.decided_on, decisions.c.outcome)))
        corrected = {row.corrects_id for row in rows if row.corrects_id is not None}
        above = sorted(
            row.case_ref
            for row in rows
            if row.id not in corrected
            and row.outcome in ("bevilget", "bevilget med ændringer")
            and row.monthly_cost is not None
            and float(row.monthly_cost) >= 40000
            and report.quarter.first <= row.decided_on <= report.quarter.last
        )
        shown = _cells(r.text, "<h3>Afgørelser på eller over 40.000,00 kr. om måneden")
        assert sorted(c[0] for c in shown) == above
        assert [c[1] for c in shown] == [date_text(i.decided_on) for i in report.above_threshold]  # in words
        assert len(above) == len(report.above_threshold)
        assert re.search(r'id="taerskel"[^>]*value="40.000"', r.text)
        assert 'id="maaneder" name="maaneder" value="1" checked' in r.text
        assert no_cpr(r.text)

    def test_without_a_quarter_only_the_form(self, client: Client) -> None:
        page = client.get("/oekonomi").text
        assert "Vælg kvartalet" in page
        assert "library-report" not in page
        assert 'method="get" action="/oekonomi"' in page

    @pytest.mark.parametrize(
        ("query", "field", "kept"), [("kvartal=2026Q5", "kvartal", "2026Q5"), (f"kvartal={QUARTER}&taerskel=mange", "taerskel", "mange"), (f"kvartal={QUARTER}&taerskel=-5", "taerskel", "-5")]
    )
    def test_bad_input_is_named_and_kept(self, client: Client, query: str, field: str, kept: str) -> None:
        r = client.get(f"/oekonomi?{query}")
        assert r.status_code == 200
        assert field_error(r.text, field)
        assert 'role="alert"' in r.text
        assert re.search(rf'id="{field}"[^>]*value="([^"]*)"', r.text).group(1) == kept  # type: ignore[union-attr]
        assert "library-report" not in r.text


# -- no personal data ----------------------------------------------------------------------------------


def test_no_personal_data_on_the_pages_or_in_urls(client: Client, reg: Register) -> None:
    assert draw_page(client, QUARTER, "2").status_code == 303
    stored = show(reg, QUARTER)
    assert stored is not None
    for path in ("/tilsyn", f"/tilsyn/{QUARTER}", f"/tilsyn/{QUARTER}/rapport", f"/oekonomi?kvartal={QUARTER}"):
        page = client.get(path).text
        assert no_cpr(page, (stored.seed,)), path
        assert "&#34;borger&#34;" not in page, path
        assert '"borger"' not in page, path  # no submission's identity block
        for action in re.findall(r'<form[^>]*action="([^"]+)"', page):  # only quarters, numbers and question ids
            assert re.fullmatch(r"/tilsyn(/\d{4}Q[1-4]/sag/\d+)?|/oekonomi", action), action
        for form in re.findall(r"<form[^>]*>", page):
            assert 'method="post"' in form or 'action="/oekonomi"' in form


# -- end to end on each backend -------------------------------------------------------------------------


def test_draw_answer_and_report_on_each_backend(migrated_url: str) -> None:
    with Register(migrated_url) as filled:
        generate(filled, PLANS, start=FIRST, months=_months(FIRST, LAST), seed=4, bulk=True)
    application = create_app(NYBORG, db_url=migrated_url)
    try:
        client, reg = Client(application), application.app.state.register
        assert draw_page(client, QUARTER, "1").status_code == 303
        stored = show(reg, QUARTER)
        assert stored is not None
        assert stored.items
        assert [c["case"] for c in cases_shown(client.get(f"/tilsyn/{QUARTER}").text)] == [i["case_ref"] for i in stored.items]
        p = stored.items[-1]["position"]
        questions = CONFIG.questions_for(stored.items[-1]["track"])
        for q, value in zip(questions, ANSWERS * 3, strict=False):
            assert answer(client, p, q.id, value, comment="Begrundet i sagen.").status_code == 303
        report = build_report(reg, CONFIG, QUARTER)
        counts = {a: sum(c[a] for c in report.checklist) for a in ANSWERS}
        assert counts == {a: sum(1 for q, v in zip(questions, ANSWERS * 3, strict=False) if v == a) for a in ANSWERS}
        page = client.get(f"/tilsyn/{QUARTER}/rapport").text
        assert [int(r[1]) for r in _table(page, "Kontroller (TIL)")] == [r.k for r in report.per_check]
        assert client.get(f"/oekonomi?kvartal={QUARTER}").status_code == 200
    finally:
        application.app.state.register.close()
