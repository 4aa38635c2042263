"""The web pages without a browser: Danish number input, the form generated from the plan, and
the HTTP rules of the form endpoints (CSRF, content type, origin, headers, nothing in URLs)."""

from __future__ import annotations

import datetime as dt
import html
import http.cookiejar
import json
import re
import urllib.error
import urllib.parse
import urllib.request
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

pytest.importorskip("jinja2")
pytest.importorskip("multipart")

from kompetenceplan import MissingInputError, check, decide, load_plan, load_plans
from kompetenceplan.errors import CaseError, Problem
from kompetenceplan.plan.model import OneOf, format_number
from kompetenceplan.web import csrf
from kompetenceplan.web.forms import AdvisorForm, Field, FieldErrors, NumberTextError, advisor_form, case_from_form, parse_danish_number

from .conftest import EXAMPLES, NYBORG, ROOT
from .test_service import Server

AASTRUP = ROOT / "rules" / "aastrup"
CPR = "010115-0000"


class TestDanishNumbers:
    @pytest.mark.parametrize(
        ("text", "value"),
        [
            ("12000", 12000),
            ("12.000", 12000),
            ("1.234.567", 1234567),
            ("12 000", 12000),
            ("12\u00a0000", 12000),
            ("2,5", 2.5),
            ("12.000,50", 12000.5),
            ("12.000,-", 12000),
            ("12.000 kr.", 12000),
            ("12.000 kr", 12000),
            (" 7 ", 7),
            ("0", 0),
            ("-5", -5),
            ("0,1", 0.1),
            ("12,0", 12),
            ("12.000,505", 12000.505),
        ],
    )
    def test_accepted(self, text: str, value: float) -> None:
        """Numbers as Danes write them are read exactly (more decimals are left for validation to refuse)."""
        assert parse_danish_number(text) == value

    @pytest.mark.parametrize(
        "text",
        ["12,000", "1,234", "12.5", "12.50", "12.0000", "1.23.456", "12,000.50", "1,2,3", "3 45", "1e5", "tolv", "12kr13", "", "  ", "0x10", "½", "1" * 41],
    )
    def test_refused(self, text: str) -> None:
        """Ambiguous or foreign forms are refused with a Danish reason, never guessed."""
        with pytest.raises(NumberTextError) as info:
            parse_danish_number(text)
        assert str(info.value)
        assert not text.strip() or text.strip() not in str(info.value)

    def test_the_unit_of_the_field_may_follow(self) -> None:
        assert parse_danish_number("16 t/uge", "t/uge") == 16

    @given(st.integers(min_value=0, max_value=10**13))
    def test_whole_numbers_round_trip(self, n: int) -> None:
        """What the app shows (format_number) is read back as the same number."""
        assert parse_danish_number(format_number(n)) == n

    @given(st.integers(min_value=0, max_value=10**11), st.integers(min_value=1, max_value=99))
    def test_amounts_in_oere_round_trip(self, kroner: int, oere: int) -> None:
        value = float(Decimal(kroner) + Decimal(oere) / 100)
        assert parse_danish_number(format_number(value)) == value

    @given(st.integers(min_value=0, max_value=10**6), st.integers(min_value=0, max_value=99), st.sampled_from([1, 2]))
    def test_an_english_decimal_point_is_never_read_as_a_smaller_number(self, whole: int, frac: int, digits: int) -> None:
        """'12.5' is refused: read the Danish way it would be 125, the English way 12,5."""
        text = f"{whole}.{frac:0{digits}d}"[: len(str(whole)) + 1 + digits]
        with pytest.raises(NumberTextError):
            parse_danish_number(text)

    @given(st.integers(min_value=1, max_value=999), st.integers(min_value=0, max_value=999))
    def test_a_comma_before_three_digits_is_ambiguous(self, head: int, tail: int) -> None:
        """'12,000' could be 12 (Danish) or 12.000 (English): refused, never read as 12."""
        with pytest.raises(NumberTextError, match="tvetydigt"):
            parse_danish_number(f"{head},{tail:03d}")


def _field(form: AdvisorForm, name: str) -> Field:
    found = form.get(name)
    assert found is not None, name
    return found


class TestFormFromPlan:
    @pytest.mark.parametrize("path", [NYBORG, AASTRUP / "2026.1"], ids=["nyborg", "aastrup"])
    def test_every_input_is_a_field_and_paragraphs_are_grouped_by_area(self, path: Path) -> None:
        plan = load_plan(path)
        form = advisor_form(plan)
        m = plan.meta
        assert sorted(f.name for f in form.fields) == sorted(plan.inputs)
        assert [f.name for f in form.fields][:1] == [m.paragraph_input]
        paragraph = _field(form, m.paragraph_input)
        areas = plan.inputs[m.area_input].values or {}
        assert {g.label for g in paragraph.groups} <= {v.label for v in areas.values()} | {"Øvrige"}
        assert sorted(o.value for g in paragraph.groups for o in g.options) == sorted(plan.inputs[m.paragraph_input].values or {})
        for g in paragraph.groups:
            for o in g.options:
                implied = [t for t in plan.implications.get((m.paragraph_input, o.value), ()) if isinstance(t, OneOf) and t.input == m.area_input]
                assert o.area == (implied[0].values[0] if implied and len(implied[0].values) == 1 else "")
        steps = _field(form, m.step_input)
        assert steps.kind == "steps"
        assert [s for g in steps.steps for s in g.steps] == [s for a in dict.fromkeys(s.area for s in plan.ladder) for s in plan.steps(a)]

    def test_required_derived_and_conditional_fields(self, nyborg) -> None:
        """Required follows the plan; inputs the engine fills in are shown as derived, not required."""
        form = advisor_form(nyborg)
        for f in form.fields:
            spec = nyborg.inputs[f.name]
            if spec.default_product:
                assert f.derived
                assert not f.required
            if not spec.required:
                assert not f.required
            if f.name in form.derived_from:
                assert f.derived
                assert not f.required
        area = nyborg.meta.area_input
        assert form.derived_from.get(area) == nyborg.meta.paragraph_input
        needs = {req for v in (nyborg.inputs[area].values or {}).values() for req in v.requires}
        assert all(_field(form, n).conditions for n in needs)

    def test_a_plan_without_implications_gets_plain_fields(self, small_plan) -> None:
        form = advisor_form(small_plan)
        assert form.derived_from == {}
        assert all(not f.derived for f in form.fields)
        assert [g.label for g in _field(form, "paragraf").groups] == [""]


class TestCaseFromForm:
    def test_reads_only_the_plans_inputs_and_leaves_empty_fields_out(self, nyborg) -> None:
        case, errors = case_from_form(nyborg, {"paragraf": "bl-32-1-5", "trin": "3", "maanedlig_udgift": "12.000", "alder": "", "akut": "nej", "beskrivelse": CPR, "csrf": "x", "id": "1"})
        assert errors == {}
        assert case == {"paragraf": "bl-32-1-5", "trin": 3, "maanedlig_udgift": 12000, "akut": False}

    def test_unreadable_text_is_a_field_error_that_does_not_repeat_it(self, nyborg) -> None:
        case, errors = case_from_form(nyborg, {"maanedlig_udgift": CPR, "akut": "måske"})
        assert set(errors) == {"maanedlig_udgift", "akut"}
        assert case == {}
        assert all(CPR not in e and "måske" not in e for e in errors.values())

    @pytest.mark.parametrize("path", sorted((EXAMPLES / "cases").glob("*.json")), ids=lambda p: p.stem)
    def test_the_example_cases_typed_as_danes_write_them_decide_the_same(self, nyborg, path: Path) -> None:
        """Form text → case → decide() equals deciding the JSON case."""
        data = json.loads(path.read_text(encoding="utf-8"))
        text = {k: ("ja" if v else "nej") if isinstance(v, bool) else format_number(v) if isinstance(v, (int, float)) else v for k, v in data.items()}
        case, errors = case_from_form(nyborg, text)
        assert errors == {}
        assert decide(nyborg, case).level == decide(nyborg, data).level

    def test_errors_land_on_their_fields_in_form_words(self, nyborg) -> None:
        form = advisor_form(nyborg)
        errors = FieldErrors()
        errors.add(
            nyborg,
            CaseError(
                "x",
                [
                    Problem("sagen.paragraf", "mangler (Paragraf).", "Angiv paragraf som en af: …"),
                    Problem("sagen.omraade", "mangler (Område).", "…"),
                    Problem("sagen.varighed_maaneder", "mangler (Forventet varighed).", "Angiv varighed_maaneder som et heltal."),
                    Problem("sagen", "noget andet.", ""),
                ],
            ),
            form,
        )
        assert errors.fields["paragraf"] == "Mangler. Vælg i listen."
        assert "omraade" not in errors.fields  # derived from the paragraph: only the paragraph is named
        assert errors.fields["varighed_maaneder"] == "Mangler. Angiv forventet varighed som et heltal."
        assert errors.general == ["sagen: noget andet."]

    def test_a_missing_input_that_could_lift_the_level_is_asked_for_on_its_field(self, nyborg) -> None:
        case = {"paragraf": "bl-32-1-2", "trin": 3, "maanedlig_udgift": 8000, "varighed_maaneder": 6, "alder": 9, "samtykke": True}
        with pytest.raises(MissingInputError) as info:
            decide(nyborg, case)
        errors = FieldErrors()
        errors.add(nyborg, info.value, advisor_form(nyborg))
        missing = {p.where.split(".")[1] for p in info.value.problems}
        assert set(errors.fields) == missing
        assert errors.general == []


# -- HTTP ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def server():
    with Server(NYBORG) as s:
        yield s


class Browserish:
    """urllib with cookies, like a browser without JavaScript."""

    def __init__(self, server: Server) -> None:
        self.base = f"http://127.0.0.1:{server.port}"
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None) -> tuple[int, Any, str]:
        req = urllib.request.Request(self.base + path, data=body, method=method, headers=headers or {})
        try:
            with self.opener.open(req, timeout=30) as r:
                return r.status, r.headers, r.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.headers, exc.read().decode()

    def token(self, path: str = "/hvem-skal-afgoere") -> str:
        _, _, page = self.request("GET", path)
        return re.search(r'name="csrf" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]

    def post_form(self, path: str, fields: dict[str, str], headers: dict[str, str] | None = None) -> tuple[int, Any, str]:
        body = urllib.parse.urlencode(fields).encode()
        return self.request("POST", path, body, {"Content-Type": "application/x-www-form-urlencoded", **(headers or {})})

    def post_multipart(self, path: str, fields: dict[str, str], files: list[tuple[str, str, bytes]]) -> tuple[int, Any, str]:
        boundary = "kp-test-boundary"
        parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode() for k, v in fields.items()]
        parts += [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"; filename="{n}"\r\nContent-Type: application/json\r\n\r\n'.encode() + data + b"\r\n" for k, n, data in files]
        body = b"".join(parts) + f"--{boundary}--\r\n".encode()
        return self.request("POST", path, body, {"Content-Type": f"multipart/form-data; boundary={boundary}"})


def _level_shown(page: str) -> str | None:
    m = re.search(r'class="answer" data-level="([^"]+)"', page)
    return m.group(1) if m else None


class TestFormEndpoints:
    def test_pages_are_not_in_the_openapi_description(self, server) -> None:
        status, spec = server.call("GET", "/openapi.json")
        assert status == 200
        assert not [p for p in spec["paths"] if p in ("/", "/hvem-skal-afgoere", "/indstilling", "/moede") or p.startswith(("/kompetenceplan", "/static"))]

    def test_a_posted_form_is_decided_like_the_json_case(self, server, nyborg) -> None:
        b = Browserish(server)
        data = json.loads((EXAMPLES / "cases" / "flere-indsatser-loefter-til-leder.json").read_text(encoding="utf-8"))
        fields = {k: ("ja" if v else "nej") if isinstance(v, bool) else format_number(v) if isinstance(v, (int, float)) else v for k, v in data.items()}
        status, headers, page = b.post_form("/hvem-skal-afgoere", {"csrf": b.token(), **fields})
        assert status == 200
        assert _level_shown(page) == decide(nyborg, data).level.id

    @pytest.mark.parametrize("how", ["no-token", "no-cookie", "other-token", "forged"])
    def test_a_form_without_a_matching_signed_token_is_refused(self, server, how: str) -> None:
        b = Browserish(server)
        token = b.token()
        fields = {"paragraf": "bl-32-1-5"}
        headers = {}
        if how == "no-cookie":
            b.jar.clear()
            fields["csrf"] = token
        elif how == "other-token":
            fields["csrf"] = Browserish(server).token()
        elif how == "forged":
            b.jar.clear()
            forged = "0" * 32 + "." + "0" * 64
            fields["csrf"] = forged
            headers["Cookie"] = f"{csrf.COOKIE}={forged}"
        status, _, page = b.post_form("/hvem-skal-afgoere", fields, headers)
        assert status == 403
        assert _level_shown(page) is None
        assert "sikkerhedsnøglen" in page
        status, _, body = b.post_form("/hvem-skal-afgoere/svar", fields, headers)
        assert status == 403
        assert json.loads(body)["ok"] is False

    def test_a_field_given_twice_is_refused_never_read_as_its_last_value(self, server) -> None:
        """A doubled field (a crafted post: the first value shown, the last one decided) is 400 with
        a Danish page that echoes neither value; the same form with each field once is decided."""
        b = Browserish(server)
        token = b.token()
        body = urllib.parse.urlencode([("csrf", token), ("paragraf", "bl-32-1-5"), ("paragraf", "bl-47"), ("trin", "3")]).encode()
        status, _, page = b.request("POST", "/hvem-skal-afgoere", body, {"Content-Type": "application/x-www-form-urlencoded"})
        assert status == 400
        assert "mere end én gang" in page
        assert "bl-47" not in page
        assert _level_shown(page) is None
        status, _, page = b.post_form("/hvem-skal-afgoere", {"csrf": token, "paragraf": "bl-32-1-5", "trin": "3"})
        assert status == 200

    def test_a_post_from_another_origin_is_refused(self, server) -> None:
        b = Browserish(server)
        status, _, _ = b.post_form("/hvem-skal-afgoere", {"csrf": b.token()}, {"Origin": "http://evil.example"})
        assert status == 403

    @pytest.mark.parametrize("kind", ["application/json", "text/plain", "application/xml"])
    def test_only_form_content_types_are_accepted(self, server, kind: str) -> None:
        b = Browserish(server)
        token = b.token()
        status, _, _ = b.request("POST", "/hvem-skal-afgoere", json.dumps({"csrf": token}).encode(), {"Content-Type": kind})
        assert status == 415

    def test_pages_are_not_cached_not_framed_and_load_nothing_from_elsewhere(self, server) -> None:
        b = Browserish(server)
        status, headers, page = b.request("GET", "/hvem-skal-afgoere")
        assert status == 200
        assert headers["Cache-Control"] == "no-store"
        assert "default-src 'self'" in headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
        cookie = next(c for c in b.jar if c.name == csrf.COOKIE)
        assert cookie.has_nonstandard_attr("HttpOnly")
        assert cookie.get_nonstandard_attr("SameSite", "").lower() == "strict"
        assert not re.search(r'(src|href)="(https?:)?//', page), "intet hentes fra andre steder (CDN)"
        assert '<html lang="da">' in page

    @pytest.mark.parametrize("path", ["/", "/hvem-skal-afgoere", "/indstilling", "/moede", "/kompetenceplan", "/kompetenceplan/dokumentation", "/kompetenceplan/aendringer"])
    def test_case_data_is_only_ever_posted(self, server, nyborg, path: str) -> None:
        """No personal data in URLs: a GET form may carry only version choices."""
        _, _, page = Browserish(server).request("GET", path)
        for form in re.findall(r"<form\b[^>]*>.*?</form>", page, flags=re.S):
            names = set(re.findall(r'name="([^"]+)"', form))
            if 'method="post"' not in form:
                assert names <= {"version", "fra", "til"}, (path, names)

    def test_static_files_only_from_the_package(self, server) -> None:
        b = Browserish(server)
        assert b.request("GET", "/static/app.css")[0] == 200
        for bad in ("/static/..%2Fviews.py", "/static/views.py", "/static/.hidden.css", "/static/nope.js"):
            assert b.request("GET", bad)[0] == 404, bad

    def test_uploaded_files_are_checked_like_check(self, server, nyborg) -> None:
        b = Browserish(server)
        token = b.token("/indstilling")
        files = sorted((EXAMPLES / "submissions").glob("*.json"))[:3]
        status, _, page = b.post_multipart("/indstilling", {"csrf": token, "moededato": "2026-12-01"}, [("filer", p.name, p.read_bytes()) for p in files] + [("filer", "ødelagt.json", b"{")])
        assert status == 200
        statuses = re.findall(r'<article class="report" id="[^"]+" data-status="([^"]+)"', page)
        expected = ["klar" if check(load_plans(NYBORG), json.loads(p.read_text(encoding="utf-8")), on=dt.date(2026, 12, 1)).ready else "ikke klar" for p in files]
        assert statuses == expected + ["fejl i input"]

    def test_a_file_named_with_a_cpr_number_is_shown_by_its_position(self, server) -> None:
        """Files are often named after the person: such a name is never echoed (probe finding 13)."""
        b = Browserish(server)
        content = sorted((EXAMPLES / "submissions").glob("*.json"))[0].read_bytes()
        status, _, page = b.post_multipart("/indstilling", {"csrf": b.token("/indstilling"), "moededato": "2026-12-01"}, [("filer", f"{CPR}.json", content), ("filer", "ødelagt.json", b"{")])
        assert status == 200
        assert CPR not in page
        assert CPR.replace("-", "") not in page
        assert "fil nr. 1" in page
        assert "ødelagt.json" in page

    def test_an_empty_upload_names_the_field(self, server) -> None:
        b = Browserish(server)
        status, _, page = b.post_multipart("/indstilling", {"csrf": b.token("/indstilling"), "moededato": "2026-12-01"}, [])
        assert status == 200
        assert 'role="alert"' in page
        assert "Vælg mindst én indstilling" in page

    def test_a_number_that_could_be_personal_data_is_kept_in_the_field_but_not_in_the_message(self, server) -> None:
        b = Browserish(server)
        status, _, page = b.post_form("/hvem-skal-afgoere", {"csrf": b.token(), "maanedlig_udgift": CPR})
        assert status == 200
        assert f'value="{CPR}"' in page  # the form keeps what was typed
        errors = " ".join(re.findall(r'class="field-error"[^>]*>(.*?)</p>', page, flags=re.S))
        assert "Kan ikke læses som et tal" in errors
        assert CPR not in errors

    def test_the_standard_page_says_when_each_requirement_applies_as_the_checks_document_does(self, server, nyborg) -> None:
        """The page and `kompetenceplan checks --format markdown` give the same 'Gælder' per code."""
        from kompetenceplan.tooling.render import requirements_markdown

        document = requirements_markdown(nyborg)
        expected = dict(re.findall(r"^## (DOK-\d{3}) .*?^- \*\*Gælder:\*\* (.*?)$", document, flags=re.M | re.S))
        _, _, page = Browserish(server).request("GET", "/kompetenceplan/dokumentation")
        shown = {code: html.unescape(text) for code, text in re.findall(r'<section class="requirement" id="(DOK-\d{3})".*?<dt>Gælder</dt><dd>(.*?)</dd>', page, flags=re.S)}
        assert shown == expected
        assert len(shown) == len(nyborg.requirements)

    def test_unknown_version_is_a_page_not_a_crash(self, server) -> None:
        status, _, page = Browserish(server).request("GET", "/kompetenceplan?version=1999.9")
        assert status == 404
        assert "Ukendt version" in page


def test_csrf_tokens_are_signed() -> None:
    c = csrf.Csrf(b"k" * 32)
    token = c.new_token()
    assert c.valid(token)
    assert c.accepts(token, token)
    assert not c.accepts(token, c.new_token())
    assert not csrf.Csrf(b"x" * 32).valid(token)
    nonce, _, sig = token.partition(".")
    assert not c.valid(f"{nonce}.{sig[:-1]}0" if sig[-1] != "0" else f"{nonce}.{sig[:-1]}1")
    assert csrf.same_origin(None, "127.0.0.1:8000")
    assert csrf.same_origin("http://127.0.0.1:8000", "127.0.0.1:8000")
    assert not csrf.same_origin("null", "127.0.0.1:8000")
    assert not csrf.same_origin("http://evil", "127.0.0.1:8000")
