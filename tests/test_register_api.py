"""The HTTP API as a case tool uses it (issue 23), on SQLite and PostgreSQL: one error format
(problem details) for every error, ids beyond the register's columns, pages, repeated requests,
no case data in addresses, conditional GET, HEAD, correlation ids and the adgangslog."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from typing import Any

import jsonschema
import pytest
from sqlalchemy import func, select
from starlette.testclient import TestClient

from kompetenceplan.errors import ConcurrentChange, KompetenceplanError
from kompetenceplan.meetings import committee
from kompetenceplan.service import problems
from kompetenceplan.service.app import create_app, generate
from kompetenceplan.store.db import StoreError
from kompetenceplan.store.tables import access_log, agendas, decisions, meeting_items, meetings, outcomes, routings

from .conftest import EXAMPLES, NYBORG
from .register_fixtures import ACTOR

CONTRACT = generate(NYBORG, register=True)
CPR = "0101011234"
DAY = "2026-12-01"


def _validator(name: str) -> Any:
    return jsonschema.Draft202012Validator({"$ref": f"#/components/schemas/{name}", "components": CONTRACT["components"]}, format_checker=jsonschema.FormatChecker())


PROBLEM = _validator("Error")


def load(kind: str, name: str) -> dict[str, Any]:
    return json.loads((EXAMPLES / kind / f"{name}.json").read_text(encoding="utf-8"))


def problem(answer: Any, status: int) -> dict[str, Any]:
    """The answer is a problem details document with ``status``, valid against the contract, naming its type."""
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == "application/problem+json", answer.headers
    body = answer.json()
    PROBLEM.validate(body)
    assert body["status"] == status
    assert body["correlation_id"] == answer.headers["x-correlation-id"]
    assert problems.TYPES[body["type"].removeprefix(problems.TYPE_PREFIX)].status == status
    return body


@pytest.fixture
def api(migrated_url: str) -> Iterator[TestClient]:
    """The service with a register (serve --db) on each backend, in process."""
    app = create_app(NYBORG, db_url=migrated_url)
    with TestClient(app, base_url="http://127.0.0.1") as client:
        yield client
    app.app.state.register.close()


def _count(client: TestClient, table: Any) -> int:
    with client.app.app.state.register.engine.connect() as conn:  # type: ignore[attr-defined]
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


def _meeting(client: TestClient, title: str = "") -> int:
    answer = client.post("/meetings", json={"meeting_date": DAY, "body": "visitationsudvalg", "title": title})
    assert answer.status_code == 200, answer.text
    return int(answer.json()["id"])


DECISION = {
    "case_ref": "S-1",
    "team": "Syd",
    "level": "leder",
    "decided_on": DAY,
    "outcome": "bevilget",
    "paragraph": "bl-32-1-2",
    "step": 3,
    "monthly_cost": 8000.5,
    "start": DAY,
    "required_level": "leder",
}


class TestOneErrorFormat:
    def test_every_library_error_has_a_problem_type(self) -> None:
        """Every KompetenceplanError subclass of the package maps to a problem type by the one table; the named ones to their statuses."""
        import importlib
        import pkgutil

        import kompetenceplan

        for info in pkgutil.walk_packages(kompetenceplan.__path__, "kompetenceplan."):
            if ".migrations" not in info.name and not info.name.endswith("__main__"):
                importlib.import_module(info.name)

        def subclasses(cls: type[KompetenceplanError]) -> set[type[KompetenceplanError]]:
            return {cls} | {s for c in cls.__subclasses__() for s in subclasses(c)}

        every = subclasses(KompetenceplanError)
        assert len(every) > 10
        for cls in every:
            assert problems.kind_of(cls).slug in problems.TYPES
        names = {c.__name__ for c in every}
        assert set(problems.STATUS) <= names, "STATUS names a class the package does not have"
        expected = {"NotFound": 404, "PermissionDenied": 403, "ConcurrentChange": 409, "StoreError": 503, "EngineError": 500, "CaseError": 422, "MissingInputError": 422, "PlanError": 422}
        assert {n: problems.kind_of(next(c for c in every if c.__name__ == n)).status for n in expected} == expected

    def test_a_request_that_breaks_the_contract_is_422_in_danish_without_its_values(self, api: TestClient) -> None:
        """FastAPI's own 422 (which echoes the input in English) is replaced: field paths, Danish, an unknown key by its position, no value."""
        body = DECISION | {"corrects": CPR, "case_ref": [CPR], CPR: "x", "team": 5}
        answer = problem(api.post("/register/decisions", json=body), 422)
        text = json.dumps(answer, ensure_ascii=False)
        assert CPR not in text
        assert "Input should" not in text
        wheres = {p["where"] for p in answer["problems"]}
        assert {"body.corrects", "body.case_ref", "body.team", "body.ukendt felt nr. 12"} <= wheres, wheres
        assert answer["error"] == "InvalidRequest"
        assert answer["type"] == "/problems/invalid-input"
        # a step or an amount is read by the library as every entry point reads it (danish): a
        # refusal names the request's field, never the text
        refused = problem(api.post("/register/decisions", json=DECISION | {"step": f"trin {CPR}", "monthly_cost": True}), 422)
        assert {p["where"] for p in refused["problems"]} == {"body.step", "body.monthly_cost"}
        assert CPR not in json.dumps(refused)

    @pytest.mark.parametrize("raw", [b"{not json", b"[1]", b""])
    def test_a_body_that_is_not_an_object_is_422(self, api: TestClient, raw: bytes) -> None:
        """Broken JSON or the wrong shape is a problem naming the body, never a 500."""
        body = problem(api.post("/meetings", content=raw, headers={"content-type": "application/json"}), 422)
        assert body["problems"][0]["where"].startswith("body")

    def test_a_library_refusal_names_the_requests_own_field(self, api: TestClient) -> None:
        """The register's Danish field names (maanedlig_udgift, niveau) become the request's (body.monthly_cost, body.level)."""
        body = problem(api.post("/register/decisions", json=DECISION | {"monthly_cost": 1000.005}), 422)
        assert [p["where"] for p in body["problems"]] == ["body.monthly_cost"]
        assert body["error"] == "CaseError"
        body = problem(api.post("/register/decisions", json=DECISION | {"paragraph": "bl-47", "level": "leder", "step": 5}), 422)
        assert body["error"] == "StatutoryCompetenceError"
        assert body["type"] == "/problems/statutory-competence"
        assert [p["where"] for p in body["problems"]] == ["body.level"]

    def test_a_cpr_number_is_refused_without_being_repeated(self, api: TestClient) -> None:
        """A CPR-shaped value in a body field or the case is refused naming the field only."""
        answer = api.post("/register/route", json={"case_ref": "S-1", "team": f"Team {CPR}", "case": load("cases", "kontaktperson-team")})
        body = problem(answer, 422)
        assert body["error"] == "PersonalDataError"
        assert CPR not in answer.text
        assert body["problems"][0]["where"] == "body.team"

    def test_unknown_paths_methods_and_resources(self, api: TestClient) -> None:
        """An unknown path is 404, a wrong method 405 with Allow, an unknown meeting or item 404 (never 422)."""
        problem(api.get("/nowhere"), 404)
        answer = api.delete("/meetings")
        assert problem(answer, 405)["error"] == "MethodNotAllowed"
        assert set(answer.headers["allow"].replace(" ", "").split(",")) == {"GET", "HEAD", "POST"}
        body = problem(api.get("/meetings/12345/agenda"), 404)
        assert body["error"] == "NotFound"
        assert body["problems"][0]["where"] == "meeting_id"
        meeting = _meeting(api)
        body = problem(api.post(f"/meetings/{meeting}/items/7/outcome", json={"outcome": "bevilget"}), 404)
        assert body["problems"][0]["where"] == "number"
        problem(api.get("/schema/nope"), 404)
        problem(api.get("/problems/nope"), 404)

    def test_a_browser_gets_a_page_for_an_unknown_address(self, api: TestClient) -> None:
        """A person's browser (Accept: text/html) gets the Danish 'not found' page, a case tool the problem."""
        answer = api.get("/moede/abc", headers={"accept": "text/html"})
        assert answer.status_code == 404
        assert answer.headers["content-type"].startswith("text/html")
        assert "findes ikke" in answer.text

    @pytest.mark.parametrize(
        ("error", "status"),
        [(ConcurrentChange("Samtidig.", []), 409), (StoreError("Databasen kan ikke skrives.", []), 503), (RuntimeError("bug with case data 0101011234"), 500)],
        ids=["409", "503", "500"],
    )
    def test_conflicts_an_unavailable_register_and_faults(self, api: TestClient, monkeypatch: pytest.MonkeyPatch, error: Exception, status: int) -> None:
        """A concurrent change is 409, a register that cannot be written 503, a bug 500 — each a problem, without the exception's text."""

        def fail(*args: Any, **kwargs: Any) -> Any:
            raise error

        monkeypatch.setattr(committee, "new_meeting", fail)
        client = TestClient(api.app, base_url="http://127.0.0.1", raise_server_exceptions=False)
        answer = client.post("/meetings", json={"meeting_date": DAY, "body": "visitationsudvalg"})
        body = problem(answer, status)
        assert CPR not in answer.text
        assert status != 500 or body["error"] == "InternalError"

    def test_the_guards_refusals_are_problems_too(self, api: TestClient) -> None:
        """413, 415 and 400 (an unknown Host) from the guard are problem details like the app's."""
        problem(api.post("/meetings", content=b"x" * 1_100_000, headers={"content-type": "application/json"}), 413)
        problem(api.post("/meetings", content=b"a=1", headers={"content-type": "application/x-www-form-urlencoded"}), 415)
        problem(TestClient(api.app, base_url="http://evil.example").get("/health"), 400)

    def test_every_problem_type_is_described(self, api: TestClient) -> None:
        """GET /problems/{slug} describes each type an error can name (public, Danish)."""
        for slug, kind in problems.TYPES.items():
            answer = api.get(f"/problems/{slug}")
            assert answer.status_code == 200
            assert answer.json() == {"type": kind.uri, "title": kind.title, "status": kind.status, "description": kind.description}


class TestIds:
    @pytest.mark.parametrize("number", [2**31, 2**63, 2**64, 10**30, 0, -1])
    def test_ids_the_register_cannot_hold_are_422_never_500(self, api: TestClient, number: int) -> None:
        """Path and body ids outside 1 … 2^31-1 are refused as bad input, on both databases."""
        for method, path, body in [
            ("GET", f"/meetings/{number}/agenda", None),
            ("GET", f"/meetings/{number}/minutes", None),
            ("POST", f"/meetings/{number}/items", {"submission": load("submissions", "plejefamilie-46-klar")}),
            ("POST", f"/meetings/{number}/agenda/send", {}),
            ("POST", f"/meetings/1/items/{number}/outcome", {"outcome": "bevilget"}),
            ("POST", "/register/decisions", DECISION | {"corrects": number}),
            ("POST", "/register/decisions", DECISION | {"routing_id": number}),
            ("POST", "/register/route", {"case_ref": "S-1", "team": "Syd", "case": load("cases", "kontaktperson-team"), "corrects": number}),
        ]:
            problem(api.request(method, path, json=body), 422)

    @pytest.mark.parametrize("number", [2**31 - 1, 2**31, 2**63])
    def test_the_library_and_the_pages_find_no_such_record(self, api: TestClient, number: int) -> None:
        """Below the API the library answers NotFound for any id it cannot hold (the CLI and the pages), never a database overflow."""
        reg = api.app.app.state.register  # type: ignore[attr-defined]
        with pytest.raises(KompetenceplanError) as err:
            committee.build_agenda(reg, api.app.app.state.holder.plans, number)  # type: ignore[attr-defined]
        assert type(err.value).__name__ == "NotFound"
        assert api.get(f"/moede/{number}").status_code == 404
        assert reg.routing(number) is None


class TestPages:
    def test_pages_walk_every_decision_once_in_order(self, api: TestClient) -> None:
        """limit=2 pages through 7 decisions: each once, by day then id, next null on the last page, Link on the others."""
        reg = api.app.app.state.register  # type: ignore[attr-defined]
        plans = api.app.app.state.holder.plans  # type: ignore[attr-defined]

        days = [dt.date(2026, 12, d) for d in (5, 1, 3, 1, 2, 5, 4)]
        for i, day in enumerate(days):
            reg.record_decision(plans, actor=ACTOR, **(DECISION | {"case_ref": f"S-{i}", "decided_on": day, "start": day}))
        seen, after, pages = [], None, 0
        while True:
            answer = api.get("/register/decisions", params={"limit": 2, **({"after": after} if after else {})})
            assert answer.status_code == 200
            _validator("DecisionPage").validate(answer.json())
            page = answer.json()
            seen += [(d["decided_on"], d["id"]) for d in page["items"]]
            pages += 1
            after = page["next"]
            if after is None:
                assert "link" not in answer.headers
                break
            assert answer.headers["link"].endswith('>; rel="next"')
            assert f"after={after}" in answer.headers["link"]
        assert pages == 4
        assert seen == sorted(seen)
        assert len(set(seen)) == len(days) == len(seen)
        assert [d.id for d in reg.decisions()] == [i for _, i in seen]  # the Python API without pages: all

    def test_a_page_is_stable_while_records_are_added(self, api: TestClient) -> None:
        """A meeting added after the first page does not repeat or shift what the next page holds (keyset)."""
        ids = [_meeting(api, f"Møde {n}") for n in range(3)]
        first = api.get("/meetings", params={"limit": 2}).json()
        _meeting(api, "Møde senere")
        rest = api.get("/meetings", params={"limit": 10, "after": first["next"]}).json()
        got = [m["id"] for m in first["items"] + rest["items"]]
        assert got[:3] == ids
        assert len(got) == len(set(got)) == 4

    @pytest.mark.parametrize("query", ["limit=0", "limit=501", "after=nonsense", f"after={CPR}", "after=MjAyNi0xMi0wMXwz"[:-2]])
    def test_bad_page_parameters_are_refused(self, api: TestClient, query: str) -> None:
        """A page size outside 1 … 500 or a marker the service did not give is 422, naming the parameter."""
        body = problem(api.get(f"/register/decisions?{query}"), 422)
        assert body["problems"][0]["where"] in ("limit", "after")
        assert CPR not in json.dumps(body)


class TestRepeatedRequests:
    def test_the_same_meeting_item_outcome_and_sending_again_store_nothing_new(self, api: TestClient) -> None:
        """An agenda item twice is one item (the answer says it already was); an outcome twice records no correction; a sent agenda sent again keeps sent_at; a meeting twice is one meeting."""
        meeting = _meeting(api)
        assert _meeting(api) == meeting
        assert _count(api, meetings) == 1
        item = {"submission": load("submissions", "plejefamilie-46-klar")}
        first = api.post(f"/meetings/{meeting}/items", json=item).json()
        again = api.post(f"/meetings/{meeting}/items", json=item).json()
        assert first == again | {"existing": False}
        assert again["existing"]
        assert _count(api, meeting_items) == 1
        sent = api.post(f"/meetings/{meeting}/agenda/send", json={}).json()["sent_at"]
        assert api.post(f"/meetings/{meeting}/agenda/send", json={}).json()["sent_at"] == sent
        assert _count(api, agendas) == 1
        outcome = api.post(f"/meetings/{meeting}/items/1/outcome", json={"outcome": "bevilget"}).json()
        assert api.post(f"/meetings/{meeting}/items/1/outcome", json={"outcome": "bevilget"}).json() == outcome
        assert _count(api, outcomes) == 1
        assert _count(api, decisions) == 1
        # something new is stored: another outcome, and an agenda changed since it was sent
        api.post(f"/meetings/{meeting}/items/1/outcome", json={"outcome": "udsat", "reason": "Mangler oplysninger."})
        assert _count(api, outcomes) == 2
        api.post(f"/meetings/{meeting}/items", json={"submission": load("submissions", "bostoette-85-mangler")})
        assert api.post(f"/meetings/{meeting}/agenda/send", json={}).json()["sent_at"] != sent
        assert _count(api, agendas) == 2

    def test_the_same_decision_and_routing_again_are_stored_once(self, api: TestClient) -> None:
        """A decision or a routing sent twice (a lost answer) is one record; a correction sent twice is one correction, never 'already corrected'."""
        case = load("cases", "kontaktperson-team")
        routing = {"case_ref": "S-9", "team": "Syd", "on": DAY, "case": case}
        first = api.post("/register/route", json=routing).json()
        assert api.post("/register/route", json=routing).json() == first
        assert _count(api, routings) == 1
        correction = routing | {"corrects": first["record"]["id"], "case": case | {"maanedlig_udgift": 1500}}
        fixed = api.post("/register/route", json=correction)
        assert fixed.status_code == 200
        assert api.post("/register/route", json=correction).json() == fixed.json()
        assert _count(api, routings) == 2
        recorded = api.post("/register/decisions", json=DECISION).json()
        assert api.post("/register/decisions", json=DECISION).json() == recorded
        assert _count(api, decisions) == 1
        fix = DECISION | {"corrects": recorded["id"], "monthly_cost": 9000}
        corrected = api.post("/register/decisions", json=fix)
        assert corrected.status_code == 200
        assert api.post("/register/decisions", json=fix).json() == corrected.json()
        assert _count(api, decisions) == 2


class TestAddresses:
    def test_a_routing_takes_the_case_reference_in_the_body(self, api: TestClient) -> None:
        """POST /register/route reads case_ref and team from the JSON body; the query string is not read (nothing there is needed)."""
        answer = api.post("/register/route?case_ref=S-1&team=Syd", json={"case": load("cases", "kontaktperson-team")})
        assert {p["where"] for p in problem(answer, 422)["problems"]} == {"body.case_ref", "body.team"}


class TestConditionalAndHead:
    @pytest.mark.parametrize("path", ["/plan", "/plan?on=2026-06-01", "/plan/rendered", "/plan/rendered?format=html", "/schema/case", "/schema/decision"])
    def test_etag_and_304(self, api: TestClient, path: str) -> None:
        """The plan and the schemas carry an ETag with the plan's fingerprint; If-None-Match with it is 304 without a body."""
        answer = api.get(path)
        tag = answer.headers["etag"]
        assert answer.status_code == 200
        assert tag.startswith('"' + api.app.app.state.holder.plans.latest.fingerprint)  # type: ignore[attr-defined]
        again = api.get(path, headers={"if-none-match": f'W/"other", {tag}'})
        assert again.status_code == 304
        assert again.content == b""
        assert again.headers["etag"] == tag
        assert api.get(path, headers={"if-none-match": '"other"'}).status_code == 200

    def test_head_answers_wherever_get_does(self, api: TestClient) -> None:
        """Every GET route of the API answers HEAD with the same status and headers and no body."""
        meeting = _meeting(api)
        for path, methods in CONTRACT["paths"].items():
            if "get" not in methods:
                continue
            url = re.sub(r"\{meeting_id\}", str(meeting), path).replace("{kind}", "case").replace("{slug}", "not-found")
            got, head = api.get(url), api.head(url)
            assert (head.status_code, head.content) == (got.status_code, b""), path
            assert head.headers["content-type"] == got.headers["content-type"], path
            assert head.headers.get("etag") == got.headers.get("etag"), path


class TestCorrelation:
    def test_a_traceparent_and_a_correlation_id_are_kept_and_returned(self, api: TestClient) -> None:
        """A W3C traceparent comes back unchanged and its trace id is the correlation id; a client's X-Correlation-Id is kept."""
        trace = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
        answer = api.get("/nowhere", headers={"traceparent": trace})
        assert answer.headers["traceparent"] == trace
        assert answer.json()["correlation_id"] == "4bf92f3577b34da6a3ce929d0e0e4736"
        answer = api.get("/health", headers={"x-correlation-id": "sag-tool:42", "traceparent": trace})
        assert answer.headers["x-correlation-id"] == "sag-tool:42"
        assert answer.headers["traceparent"] == trace

    @pytest.mark.parametrize("given", [CPR, "010101-1234", "sag 0101011234", "a b", "x" * 65, "æøå"])
    def test_an_unusable_correlation_id_is_replaced(self, api: TestClient, given: str) -> None:
        """A correlation id that could hold a CPR number, or is not plain and short, is never used or logged: the service makes its own."""
        answer = api.get("/health", headers={b"x-correlation-id": given.encode("utf-8")})
        assert re.fullmatch(r"[0-9a-f]{12}", answer.headers["x-correlation-id"])

    @pytest.mark.parametrize(
        "given", ["00-00000000000000000000000000000000-00f067aa0ba902b7-01", "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "nonsense", "00-4bf92f35-00f067aa0ba902b7-01"]
    )
    def test_an_invalid_traceparent_is_not_returned(self, api: TestClient, given: str) -> None:
        """Only a valid W3C traceparent (version 00, ids not all zero) is kept; anything else is dropped."""
        answer = api.get("/health", headers={"traceparent": given})
        assert "traceparent" not in answer.headers
        assert re.fullmatch(r"[0-9a-f]{12}", answer.headers["x-correlation-id"])

    def test_a_decision_echoes_the_day_it_was_routed_for(self, api: TestClient) -> None:
        """POST /route answers routed_on: the ?on= day, or today when none was given."""
        case = load("cases", "kontaktperson-team")
        assert api.post("/route?on=2026-06-01", json=case).json()["routed_on"] == "2026-06-01"
        assert api.post("/route", json=case).json()["routed_on"] == dt.date.today().isoformat()


class TestAccessLog:
    def test_the_register_api_logs_every_read_and_write_of_case_data(self, api: TestClient) -> None:
        """Routing, decision, item, sending, outcome, agenda, minutes and a page of decisions each write the adgangslog by route template."""
        reg = api.app.app.state.register  # type: ignore[attr-defined]
        api.post("/register/route", json={"case_ref": "S-7", "team": "Syd", "case": load("cases", "kontaktperson-team")})
        api.post("/register/decisions", json=DECISION | {"case_ref": "S-7"})
        meeting = _meeting(api)
        api.post(f"/meetings/{meeting}/items", json={"submission": load("submissions", "plejefamilie-46-klar")})
        api.post(f"/meetings/{meeting}/agenda/send", json={})
        api.post(f"/meetings/{meeting}/items/1/outcome", json={"outcome": "bevilget"})
        api.get(f"/meetings/{meeting}/agenda")
        api.get(f"/meetings/{meeting}/minutes")
        api.get("/register/decisions")
        with reg.engine.connect() as conn:
            logged = {(r.route, r.action, r.channel) for r in conn.execute(select(access_log.c.route, access_log.c.action, access_log.c.channel))}
        assert {
            ("/register/route", "ændret", "api"),
            ("/register/decisions", "ændret", "api"),
            ("/register/decisions", "læst", "api"),
            ("/meetings/{meeting_id}/items", "ændret", "api"),
            ("/meetings/{meeting_id}/agenda/send", "ændret", "api"),
            ("/meetings/{meeting_id}/items/{number}/outcome", "ændret", "api"),
            ("/meetings/{meeting_id}/agenda", "læst", "api"),
            ("/meetings/{meeting_id}/minutes", "læst", "api"),
        } <= logged
