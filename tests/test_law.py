"""The law, right: consent, acute cases, the decisions the law reserves for børne- og ungeudvalget,
and plans that try to relabel them. Each test here failed before the law review (issue 9)."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kompetenceplan import CaseError, PlanError, decide, load_plan
from kompetenceplan.checks.check import check
from kompetenceplan.law import CANONICAL_CODES, PROVISIONAL_TEXT, STATUTORY_FLOORS
from kompetenceplan.tooling.lint import lint

from .conftest import EXAMPLES, NYBORG, ROOT, SMALL_PLAN, examples, write_plan
from .strategies import cases

PLACEMENT = {"paragraf": "bl-46", "trin": 5, "maanedlig_udgift": 38000, "varighed_maaneder": 24, "alder": 11}
SUPPORT = {"paragraf": "bl-32-1-5", "trin": 3, "maanedlig_udgift": 12000, "varighed_maaneder": 6, "alder": 10}


def _copy_nyborg(tmp_path: Path) -> Path:
    folder = tmp_path / "nyborg"
    shutil.copytree(NYBORG, folder, ignore=shutil.ignore_patterns("scenarier"))
    return folder


def _edit(folder: Path, file: str, old: str, new: str) -> None:
    path = folder / file
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{file} must contain the text the test replaces"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


class TestConsent:
    def test_placement_without_consent_is_refused_naming_section_47(self, nyborg) -> None:
        """§ 46 without consent is a § 47 case for børne- og ungeudvalget, never the visitationsudvalg."""
        with pytest.raises(CaseError) as info:
            decide(nyborg, {**PLACEMENT, "samtykke": False})
        text = info.value.render()
        assert "sagen.samtykke" in text
        assert "§ 47" in text
        assert "bl-47" in text
        assert "børne- og ungeudvalget" in text

    def test_support_without_consent_is_refused_naming_sections_37_to_39(self, nyborg) -> None:
        """A § 32 indsats without consent is refused (§ 32, stk. 2), not routed to the advisor."""
        with pytest.raises(CaseError) as info:
            decide(nyborg, {**SUPPORT, "samtykke": False})
        assert "§ 32, stk. 2" in info.value.render()
        assert "§§ 37-39" in info.value.render()

    def test_unknown_consent_is_asked_for(self, nyborg) -> None:
        """Without a consent value the engine cannot know the paragraph applies: it asks."""
        with pytest.raises(CaseError) as info:
            decide(nyborg, PLACEMENT)
        assert [p.where for p in info.value.problems] == ["sagen.samtykke"]

    def test_with_consent_the_placement_is_routed(self, nyborg) -> None:
        assert decide(nyborg, {**PLACEMENT, "samtykke": True}).level.id == "visitationsudvalg"

    def test_bulk_path_refuses_the_same(self, nyborg) -> None:
        """decide_many gives the same refusal as decide (the fast validator hands it over)."""
        from kompetenceplan import decide_many

        [result] = decide_many(nyborg, [{**PLACEMENT, "samtykke": False}])
        assert result.level is None
        assert result.error is not None
        assert "§ 47" in result.error.render()

    def test_plan_using_section_46_must_declare_a_consent_input(self, tmp_path: Path) -> None:
        folder = _copy_nyborg(tmp_path)
        _edit(folder, "plan.toml", 'consent_input = "samtykke"\n', "")
        with pytest.raises(PlanError, match="samtykke"):
            load_plan(folder)


class TestAdultsWithoutConsent:
    """Optagelse i botilbud uden samtykke: Familieretshuset decides on the municipality's
    indstilling (serviceloven §§ 129, 129 a, 131, 131 a). Before: sel-108 with samtykke = false went
    to the visitationsudvalg (the consent input was accepted and ignored)."""

    BOTILBUD = {"paragraf": "sel-108", "trin": 6, "maanedlig_udgift": 50000, "varighed_maaneder": 120, "sagens_maanedlige_udgift": 50000}

    @pytest.mark.parametrize("code", ["sel-107", "sel-108"])
    def test_botilbud_without_consent_is_refused_naming_familieretshuset(self, nyborg, code: str) -> None:
        """§§ 107/108 with samtykke = nej never reach the visitationsudvalg as if consented."""
        case = {**self.BOTILBUD, "paragraf": code, "trin": 5 if code == "sel-107" else 6, "samtykke": False}
        with pytest.raises(CaseError) as info:
            decide(nyborg, case)
        text = info.value.render()
        assert "sagen.samtykke" in text
        assert "Familieretshuset" in text
        assert "sel-129" in text
        assert "§ 129, stk. 2-3" in text

    def test_botilbud_with_unknown_consent_is_asked_for(self, nyborg) -> None:
        with pytest.raises(CaseError) as info:
            decide(nyborg, self.BOTILBUD)
        assert [p.where for p in info.value.problems] == ["sagen.samtykke"]

    def test_botilbud_with_consent_is_routed_as_before(self, nyborg) -> None:
        assert decide(nyborg, {**self.BOTILBUD, "samtykke": True}).level.id == "visitationsudvalg"

    def test_the_indstilling_to_familieretshuset_is_decided_outside_the_municipality(self, nyborg) -> None:
        """sel-129 goes to Familieretshuset, a body above every municipal level; the reason says
        that the municipality's decision is the indstilling."""
        decision = decide(nyborg, {**self.BOTILBUD, "paragraf": "sel-129"})
        assert decision.level.id == "familieretshuset"
        assert decision.deciding_row == "V-129"
        assert "kommunens afgørelse er indstillingen" in decision.reason

    def test_a_plan_cannot_route_sel_129_to_the_visitationsudvalg(self, tmp_path: Path) -> None:
        folder = _copy_nyborg(tmp_path)
        _edit(folder, "regler-voksne.toml", 'id = "V-129"\nlevel = "familieretshuset"', 'id = "V-129"\nlevel = "visitationsudvalg"')
        with pytest.raises(PlanError, match="Familieretshuset"):
            load_plan(folder)

    def test_an_administrative_level_cannot_be_called_familieretshuset(self, tmp_path: Path) -> None:
        folder = _copy_nyborg(tmp_path)
        _edit(folder, "plan.toml", 'name = "Visitationsudvalget"', 'name = "Familieretshuset"')
        with pytest.raises(PlanError, match="må ikke hedde familieretshuset"):
            load_plan(folder)

    def test_a_consent_free_botilbud_may_be_labelled_uden_samtykke_when_it_is_the_floor(self) -> None:
        """Before: the loader forbade "uden samtykke" in any label that was not a barnets lov floor."""
        plan = load_plan(NYBORG)
        assert "uden samtykke" in plan.enum_value("paragraf", "sel-129").label
        assert "sel-129" in plan.floors


class TestWithdrawnConsent:
    def test_section_46_without_consent_names_hjemgivelse_too(self, nyborg) -> None:
        """§ 100: a withdrawn consent leads to hjemgivelse and its period (or § 47)."""
        with pytest.raises(CaseError) as info:
            decide(nyborg, {**PLACEMENT, "samtykke": False})
        text = info.value.render()
        assert "bl-100" in text
        assert "§ 100" in text
        assert "bl-47" in text

    def test_hjemgivelse_is_a_decision_of_the_municipality_with_a_period_of_at_most_6_months(self, nyborg) -> None:
        case = {"paragraf": "bl-100", "trin": 4, "maanedlig_udgift": 20000, "varighed_maaneder": 6, "sagens_maanedlige_udgift": 20000, "alder": 9}
        assert decide(nyborg, case).level.id == "leder"
        with pytest.raises(CaseError) as info:
            decide(nyborg, {**case, "varighed_maaneder": 7})
        assert [p.where for p in info.value.problems] == ["sagen.varighed_maaneder"]


class TestAcute:
    def test_acute_placement_without_consent_stays_with_the_committee(self, nyborg) -> None:
        """akut never lowers the level; it adds the chair's provisional route (§ 143)."""
        decision = decide(nyborg, {**PLACEMENT, "paragraf": "bl-47", "akut": True})
        assert decision.level.id == "boerne_og_ungeudvalg"
        assert decision.provisional is not None
        assert decision.provisional.startswith(PROVISIONAL_TEXT)
        assert "§ 143" in decision.provisional
        assert decision.provisional.endswith("paragraf bl-143-4.")  # the approval is its own agenda item

    @pytest.mark.parametrize("code", ["bl-23", "bl-40", "bl-42-4", "bl-61", "bl-62", "bl-63", "bl-98-4", "bl-105", "val-11", "val-15"])
    def test_every_paragraph_the_chair_may_decide_gets_the_provisional_route(self, nyborg, code: str) -> None:
        """Before: only §§ 47/49 (an acute § 105 case said nothing about § 143); voksenansvarsloven
        § 11, stk. 4 and § 15, stk. 3 refer to § 143, stk. 1 og 2 (LOV 753/2023 § 5, nr. 8)."""
        case = {"paragraf": code, "trin": 6, "maanedlig_udgift": 0, "varighed_maaneder": 1, "alder": 14, "akut": True}
        decision = decide(nyborg, case)
        assert decision.level.id == "boerne_og_ungeudvalg"
        assert decision.provisional is not None
        assert "§ 143" in decision.provisional

    @pytest.mark.parametrize("code", ["bl-50", "bl-67", "bl-143-4"])
    def test_no_provisional_route_for_renewal_permanent_placement_or_the_approval_itself(self, nyborg, code: str) -> None:
        """Opretholdelse (§ 50) and videreførelse (§ 67) have a deadline known in advance; the
        approval (§ 143, stk. 4) is not itself provisional. The level stays the committee's."""
        case = {"paragraf": code, "trin": 5, "maanedlig_udgift": 0, "varighed_maaneder": 1, "alder": 14, "anbragt_maaneder": 40, "akut": True}
        decision = decide(nyborg, case)
        assert decision.level.id == "boerne_og_ungeudvalg"
        assert decision.provisional is None

    def test_no_provisional_route_when_not_acute_or_not_a_placement_without_consent(self, nyborg) -> None:
        assert decide(nyborg, {**PLACEMENT, "paragraf": "bl-47"}).provisional is None
        assert decide(nyborg, {**PLACEMENT, "samtykke": True, "akut": True}).provisional is None

    def test_acute_section_47_submission_without_investigation_is_not_ready(self, nyborg) -> None:
        """Before: 'KLAR, 0 fejl'. An acute § 47 case still needs the investigation (§ 47, stk. 2)."""
        import json

        data = json.loads((EXAMPLES / "submissions" / "anbringelse-uden-samtykke-47-klar.json").read_text(encoding="utf-8"))
        data["sag"]["akut"] = True
        data["dokumenter"] = [d for d in data["dokumenter"] if d["type"] != "bfu"]
        report = check(nyborg, data, on=dt.date(2026, 12, 1))
        assert not report.ready
        assert {"DOK-027", "DOK-025"} <= {f.code for f in report.errors}


class TestExpiredPlan:
    def test_api_refuses_a_plan_whose_validity_has_passed(self) -> None:
        """The CLI refused an expired plan; the Python API used it. Now both refuse."""
        old = load_plan(ROOT / "rules" / "aastrup" / "2025.1")
        case = {"lovgrundlag": "bl-32-1-3", "trappetrin": 2, "maanedspris": 11000, "varighed": 6, "alder": 12, "samtykke": True, "sagens_samlede_maanedspris": 11000}
        with pytest.raises(PlanError, match="Ingen version"):
            decide(old, case)
        assert decide(old, case, on=dt.date(2025, 6, 1)).level.id


class TestRelabelledFloors:
    """Each edit loaded before and sent a § 47 case to Lederbeslutning."""

    def _demote(self, folder: Path) -> None:
        _edit(folder, "regler-boern.toml", 'id = "B-47"\nlevel = "boerne_og_ungeudvalg"\nlaw = true', 'id = "B-47"\nlevel = "leder"')

    def test_section_changed_to_74_is_refused(self, tmp_path: Path) -> None:
        folder = _copy_nyborg(tmp_path)
        _edit(folder, "input.toml", 'law = "barnets_lov"\nsection = 47', 'law = "barnets_lov"\nsection = 74')
        self._demote(folder)
        with pytest.raises(PlanError) as info:
            load_plan(folder)
        assert "bl-47" in info.value.render()
        assert "§ 47" in info.value.render()

    def test_law_changed_to_serviceloven_is_refused(self, tmp_path: Path) -> None:
        folder = _copy_nyborg(tmp_path)
        _edit(folder, "input.toml", 'law = "barnets_lov"\nsection = 47', 'law = "serviceloven"\nsection = 47')
        self._demote(folder)
        with pytest.raises(PlanError, match="§ 47"):
            load_plan(folder)

    def test_relabelled_code_under_another_name_is_refused_by_its_label(self, tmp_path: Path) -> None:
        """Renaming the code does not help: the label still says § 47."""
        folder = _copy_nyborg(tmp_path)
        for file in ("input.toml", "regler-boern.toml", "dokumentation.toml"):
            path = folder / file
            path.write_text(path.read_text(encoding="utf-8").replace('"bl-47"', '"anb-x"'), encoding="utf-8")
        _edit(folder, "input.toml", 'law = "barnets_lov"\nsection = 47', 'law = "barnets_lov"\nsection = 74')
        self._demote(folder)
        with pytest.raises(PlanError, match="teksten nævner § 47"):
            load_plan(folder)

    def test_body_moved_to_the_lowest_level_is_refused(self, tmp_path: Path) -> None:
        folder = _copy_nyborg(tmp_path)
        _edit(folder, "plan.toml", 'body = "boerne_og_ungeudvalg"\n', "")
        _edit(folder, "plan.toml", 'description = "Rådgiveren træffer afgørelsen alene."', 'description = "Rådgiveren træffer afgørelsen alene."\nbody = "boerne_og_ungeudvalg"')
        with pytest.raises(PlanError, match="skal stå over alle forvaltningens niveauer"):
            load_plan(folder)

    def test_partial_floor_without_stk_is_refused(self, tmp_path: Path) -> None:
        folder = _copy_nyborg(tmp_path)
        _edit(folder, "input.toml", "section = 98\nstk = 4\n", "section = 98\n")
        with pytest.raises(PlanError, match="stk"):
            load_plan(folder)


# -- Properties ----------------------------------------------------------------------------------

PLANS = [load_plan(NYBORG)]


@examples(400)
@given(data=st.data())
def test_a_statutory_paragraph_is_never_decided_below_its_body(data) -> None:
    """For every case the generator can make with a reserved paragraph, the level is the body's."""
    plan = PLANS[0]
    case = data.draw(cases(plan).filter(lambda c: c["paragraf"] in plan.floors))
    decision = decide(plan, case)
    assert decision.level.rank >= plan.floors[case["paragraf"]][0]


def _relabel(draw: st.DrawFn, text: str, code: str) -> str:
    """One edit of ``code``'s declaration in input.toml: another §, another law, or no stk."""
    block = re.search(rf'\[inputs\.paragraf\.values\."{re.escape(code)}"\]\n(?:[^\[].*\n)*', text)
    assert block is not None
    old = block.group(0)
    # stk only matters where the law reserves some stykker only (§ 42, stk. 4; § 98, stk. 4; …).
    partial = STATUTORY_FLOORS[CANONICAL_CODES[code]].stk is not None
    kind = draw(st.sampled_from(["section", "law", "stk"] if partial else ["section", "law"]))
    if kind == "section":
        new = re.sub(r"section = \d+", f"section = {draw(st.integers(1, 300).filter(lambda n: n != CANONICAL_CODES[code][1]))}", old)
    elif kind == "law":
        new = old.replace('law = "barnets_lov"', f'law = "{draw(st.sampled_from(["serviceloven", "voksenansvarsloven"]))}"')
    else:
        new = re.sub(r"stk = \d+\n", "", old) if "stk = " in old else re.sub(r"(section = \d+\n)", r"\1stk = 9\n", old)
    return text.replace(old, new)


@examples(25)
@given(data=st.data())
def test_randomly_relabelled_copies_are_refused(tmp_path_factory, data) -> None:
    """Any relabelling of a reserved paragraph (other §, other law, other stk.), even with its law
    row demoted to the advisor, is refused at load: the law tables are code, not plan data."""
    folder = tmp_path_factory.mktemp("relabel") / "nyborg"
    shutil.copytree(NYBORG, folder, ignore=shutil.ignore_patterns("scenarier"))
    code = data.draw(st.sampled_from(sorted(c for c in CANONICAL_CODES if c.startswith("bl-") and c != "bl-143-4")))
    inputs = folder / "input.toml"
    inputs.write_text(_relabel(data.draw, inputs.read_text(encoding="utf-8"), code), encoding="utf-8")
    if data.draw(st.booleans()):
        rules = folder / "regler-boern.toml"
        rules.write_text(re.sub(r'level = "boerne_og_ungeudvalg"\nlaw = true', 'level = "raadgiver"', rules.read_text(encoding="utf-8")), encoding="utf-8")
    with pytest.raises(PlanError):
        load_plan(folder)


def test_every_floor_in_the_table_cites_its_body_provision() -> None:
    """The statute table quotes § 142, stk. 1 item by item (14 items: 15 sections, §§ 47 and 49
    are one item); serviceloven § 129 cites §§ 131 and 131 a (Familieretshuset)."""
    buu = [f for f in STATUTORY_FLOORS.values() if f.body == "boerne_og_ungeudvalg"]
    assert all("§ 142, stk. 1" in f.reference for f in buu)
    assert len(buu) == 15
    [frh] = [f for f in STATUTORY_FLOORS.values() if f.body == "familieretshuset"]
    assert "§§ 131 og 131 a" in frh.reference
    assert frh.codes == ("sel-129",)


def test_lint_reports_a_step_monotonicity_break_across_paragraphs(tmp_path: Path) -> None:
    """Adults' trin 6 (§ 108) to the advisor while § 107 on trin 5 goes to the committee: PLAN-008."""
    folder = _copy_nyborg(tmp_path)
    rules = (folder / "regler-voksne.toml").read_text(encoding="utf-8")
    assert 'when = { omraade = "voksne", trin = [5, 6] }' in rules
    rules = rules.replace('when = { omraade = "voksne", trin = [5, 6] }', 'when = { omraade = "voksne", trin = 5 }')
    rules += '\n[[rows]]\nid = "V-108"\nlevel = "raadgiver"\nwhen = { paragraf = "sel-108" }\nreference = "test"\n'
    (folder / "regler-voksne.toml").write_text(rules, encoding="utf-8")
    findings = lint(load_plan(folder))
    assert "PLAN-008" in {f.code for f in findings}, [f.render() for f in findings]


def test_lint_reports_an_input_nothing_reads(tmp_path: Path) -> None:
    """An input no row, requirement or role reads (as samtykke was) is PLAN-009."""
    files = dict(SMALL_PLAN)
    files["input.toml"] += '\n[inputs.ubrugt]\ntype = "bool"\nlabel = "Ubrugt"\nrequired = false\n'
    findings = lint(load_plan(write_plan(tmp_path / "p", files)))
    assert [f.where.rsplit(".", 1)[-1] for f in findings if f.code == "PLAN-009"] == ["ubrugt"]


def test_lint_wants_a_scenario_for_every_statutory_paragraph(tmp_path: Path) -> None:
    folder = write_plan(tmp_path / "p", SMALL_PLAN)
    (folder / "scenarier").mkdir()
    (folder / "scenarier" / "s.toml").write_text(
        '[[scenarios]]\nname = "En billig indsats på trin 1 afgøres af rådgiveren"\n'
        'case = { omraade = "boern", trin = 1, udgift = 100, timer = 1, paragraf = "bl-35" }\n'
        'expect = { level = "raadgiver", row = "R-1" }\n',
        encoding="utf-8",
    )
    findings = lint(load_plan(folder), folder / "scenarier")
    assert [f.code for f in findings if f.code == "PLAN-015"] == ["PLAN-015"]


class TestProbeFindings:
    """Edits an adversarial review made to a copy of the plan that loaded and routed a reserved
    decision below børne- og ungeudvalget. Each must now be refused at load."""

    def test_renaming_the_committee_level_to_the_advisor_is_refused(self, tmp_path: Path) -> None:
        folder = _copy_nyborg(tmp_path)
        _edit(folder, "plan.toml", 'name = "Børne- og ungeudvalget (barnets lov § 142)"', 'name = "Rådgiver (egen kompetence)"')
        with pytest.raises(PlanError, match="navnet siger det ikke"):
            load_plan(folder)

    def test_an_administrative_level_cannot_borrow_the_committees_name(self, tmp_path: Path) -> None:
        folder = _copy_nyborg(tmp_path)
        _edit(folder, "plan.toml", 'name = "Lederbeslutning"', 'name = "Børne- og ungeudvalget"')
        with pytest.raises(PlanError, match="må ikke hedde børne- og ungeudvalget"):
            load_plan(folder)

    @pytest.mark.parametrize(
        ("old", "new"),
        [
            ('label = "Barnets lov § 46: anbringelse med samtykke"\nlaw = "barnets_lov"\nsection = 46', 'label = "Barnets lov: anbringelse uden for hjemmet"\nlaw = "barnets_lov"\nsection = 48'),
            (
                'label = "Barnets lov § 32, stk. 1, nr. 5: familiebehandling eller behandling"\nlaw = "barnets_lov"\nsection = 32',
                'label = "Familiebehandling eller behandling"\nlaw = "barnets_lov"\nsection = 33',
            ),
        ],
        ids=["bl-46-as-48", "bl-32-as-33"],
    )
    def test_consent_paragraphs_cannot_be_relabelled(self, tmp_path: Path, old: str, new: str) -> None:
        folder = _copy_nyborg(tmp_path)
        _edit(folder, "input.toml", old, new)
        with pytest.raises(PlanError):
            load_plan(folder)

    def test_a_placement_without_consent_hidden_in_serviceloven_is_refused(self, tmp_path: Path) -> None:
        folder = _copy_nyborg(tmp_path)
        (folder / "input.toml").write_text(
            (folder / "input.toml").read_text(encoding="utf-8") + '\n[inputs.paragraf.values."tvangsanbringelse"]\nlabel = "Serviceloven § 58: anbringelse uden samtykke"\n'
            'law = "serviceloven"\nsection = 58\nimplies = { omraade = "boern", trin = [4, 5, 6] }\n',
            encoding="utf-8",
        )
        with pytest.raises(PlanError) as info:
            load_plan(folder)
        assert "fyldt 18 år" in info.value.render()
        assert "uden samtykke" in info.value.render()

    def test_law_and_section_outside_the_paragraph_input_are_refused(self, tmp_path: Path) -> None:
        folder = _copy_nyborg(tmp_path)
        _edit(
            folder,
            "input.toml",
            '[inputs.omraade.values.voksne]\nlabel = "Voksne (serviceloven)"',
            '[inputs.omraade.values.voksne]\nlabel = "Voksne (serviceloven)"\nlaw = "barnets_lov"\nsection = 47',
        )
        with pytest.raises(PlanError, match="kun paragraf-inputtet"):
            load_plan(folder)

    def test_change_of_placement_without_consent_goes_to_the_committee(self, tmp_path: Path) -> None:
        """§ 98, stk. 1 needs consent (parents, child from 12); without it stk. 4: the committee."""
        folder = _copy_nyborg(tmp_path)
        (folder / "input.toml").write_text(
            (folder / "input.toml").read_text(encoding="utf-8") + '\n[inputs.paragraf.values."bl-98-1"]\nlabel = "Barnets lov § 98, stk. 1: ændring af anbringelsessted med samtykke"\n'
            'law = "barnets_lov"\nsection = 98\nstk = 1\nimplies = { omraade = "boern", trin = [4, 5, 6] }\n',
            encoding="utf-8",
        )
        (folder / "regler-boern.toml").write_text(
            (folder / "regler-boern.toml").read_text(encoding="utf-8") + '\n[[rows]]\nid = "B-98-1"\nlevel = "leder"\nwhen = { paragraf = "bl-98-1" }\nreference = "test"\n',
            encoding="utf-8",
        )
        plan = load_plan(folder)
        case = {"paragraf": "bl-98-1", "trin": 4, "maanedlig_udgift": 30000, "varighed_maaneder": 12, "alder": 13, "sagens_maanedlige_udgift": 30000}
        with pytest.raises(CaseError) as info:
            decide(plan, {**case, "samtykke": False})
        assert "bl-98-4" in info.value.render()
        assert "§ 98, stk. 4" in info.value.render()
        assert decide(plan, {**case, "samtykke": True}).level.id == "leder"


def test_decide_many_applies_the_date_rule_too() -> None:
    """The bulk path refuses an expired version like decide (the probe got a lower level from it)."""
    from kompetenceplan import decide_many, load_plans

    plans = load_plans(ROOT / "rules" / "aastrup")
    case = {"lovgrundlag": "bl-32-1-3", "trappetrin": 2, "maanedspris": 11000, "varighed": 6, "alder": 12, "samtykke": True, "sagens_samlede_maanedspris": 11000}
    with pytest.raises(PlanError, match="Ingen version"):
        decide_many(plans.versions[0], [case])
    [result] = decide_many(plans, [case])
    assert result.level == decide(plans, case).level.id


@pytest.mark.parametrize(
    "flags",
    [
        ["-p", "bl-47", "-s", "paragraf=bl-46"],
        ["-p", "bl-46", "-s", "samtykke=nej", "-s", "samtykke=ja"],
    ],
    ids=["paragraph-twice", "consent-twice"],
)
def test_the_cli_refuses_an_input_given_twice(flags: list[str]) -> None:
    """'The last one wins' could drop a samtykke=nej or a § 47 silently: refused, exit 2."""
    from click.testing import CliRunner

    from kompetenceplan.cli import main

    base = ["route", "--plan", str(NYBORG), "-t", "5", "-s", "maanedlig_udgift=30000", "-s", "varighed_maaneder=12", "-s", "alder=10"]
    result = CliRunner().invoke(main, base + flags)
    assert result.exit_code == 2
    assert "mere end én gang" in result.output


def _submission(name: str) -> dict:
    import json

    return json.loads((EXAMPLES / "submissions" / name).read_text(encoding="utf-8"))


MEETING = dt.date(2026, 12, 1)


class TestDocumentationStandardRound3:
    """Law review 3: the documentation standard's remaining errors (L1-L4, S1-S4). The per-code
    pass/fail fixtures are in tests/fixtures/krav.toml; these are the review's cases end to end."""

    def test_an_acute_renewal_with_only_a_running_investigation_is_not_ready(self, nyborg) -> None:
        """L1: § 50 with akut = true passed with only bfu_igangvaerende ("KLAR, 0 fejl")."""
        data = _submission("anbringelse-uden-samtykke-47-klar.json")
        data["sag"].update(paragraf="bl-50", akut=True)
        data["akut_begrundelse"] = "Fristen udløber."
        data["dokumenter"][0] = {"type": "bfu_igangvaerende", "dato": "2026-10-01"}
        report = check(nyborg, data, on=MEETING)
        assert not report.ready
        assert "DOK-031" in {f.code for f in report.errors}

    def test_a_section_47_case_without_a_provider_is_ready_with_a_reminder(self, nyborg) -> None:
        """S2: the committee decides that the child is placed; the place is the municipality's."""
        data = _submission("anbringelse-uden-samtykke-47-klar.json")
        data["oekonomi"]["leverandoer"] = ""
        report = check(nyborg, data, on=MEETING)
        assert report.ready
        assert {f.code for f in report.findings} == {"DOK-030"}

    def test_a_section_47_case_on_an_ungefaglig_undersoegelse_is_ready(self, nyborg) -> None:
        """S3: § 47, stk. 2 accepts "en ungefaglig undersøgelse, jf. § 31 i lov om bekæmpelse af
        ungdomskriminalitet"; before, only a bfu kept it on the agenda."""
        data = _submission("anbringelse-uden-samtykke-47-klar.json")
        data["dokumenter"][0] = {"type": "ungefaglig_undersoegelse", "dato": "2026-10-01"}
        data["dokumenter"][1] = {"type": "foraeldrevurdering", "dato": "2026-10-01"}
        report = check(nyborg, data, on=MEETING)
        assert report.ready, [f.code for f in report.errors]

    def test_an_acute_section_47_case_still_needs_barnets_plan_but_the_approval_does_not(self, nyborg) -> None:
        """S4, verified: § 91, stk. 2 requires the plan before the § 47 afgørelse (no acute
        exception in barnets lov); the approval of the chair's decision (bl-143-4) gets a reminder."""
        data = _submission("anbringelse-uden-samtykke-47-klar.json")
        data["sag"]["akut"] = True
        data["akut_begrundelse"] = "Barnet er i akut fare."
        data["dokumenter"] = [d for d in data["dokumenter"] if d["type"] != "barnets_plan"]
        assert "DOK-013" in {f.code for f in check(nyborg, data, on=MEETING).errors}
        data["sag"]["paragraf"] = "bl-143-4"
        data["dokumenter"].append({"type": "formandsafgoerelse", "dato": "2026-11-28"})
        report = check(nyborg, data, on=MEETING)
        assert report.ready
        assert "DOK-044" in {f.code for f in report.findings}

    def test_a_botilbud_submission_without_consent_is_never_ready(self, nyborg) -> None:
        """W4: a § 108 indstilling with samtykke = false was "KLAR"; it is refused (the case
        belongs to Familieretshuset, serviceloven § 129)."""
        data = _submission("botilbud-108-klar.json")
        data["sag"]["samtykke"] = False
        with pytest.raises(CaseError) as info:
            check(nyborg, data, on=MEETING)
        assert "Familieretshuset" in info.value.render()

    @pytest.mark.parametrize(("paragraph", "age", "codes"), [("bl-46", 16, {"DOK-006"}), ("bl-67", 16, {"DOK-006", "DOK-007", "DOK-008", "DOK-009"})])
    def test_aastrup_asks_for_the_young_persons_consent_and_the_section_67_items(self, paragraph: str, age: int, codes: set[str]) -> None:
        """L4: the Aastrup standard let § 46 and § 67 for 15+ through without the young person's
        consent, and § 67 without the stk. 4 items."""
        plan = load_plan(ROOT / "rules" / "aastrup" / "2026.1")
        data = {
            "sag": {"lovgrundlag": paragraph, "trappetrin": 5, "maanedspris": 30000, "varighed": 12, "sagens_samlede_maanedspris": 30000, "alder": age, "samtykke": True},
            "formaal": "Stabil anbringelse.",
            "maal": ["Skolegang hver dag"],
            "barnets_perspektiv": {"indhentet": True, "dato": "2026-10-14", "metode": "Samtale"},
            "samtykker": [{"fra": "foraeldremyndighed", "dato": "2026-10-20", "daekker_formaal": True}],
            "oekonomi": {"pris_pr_maaned": 30000, "varighed_maaneder": 12, "samlet": 360000, "leverandoer": "Plejefamilie"},
            "dokumenter": [{"type": "bfu", "dato": "2025-09-30"}] if paragraph == "bl-67" else [{"type": "bfu", "dato": "2026-09-30"}],
        }
        report = check(plan, data, on=MEETING)
        assert not report.ready
        assert codes <= {f.code for f in report.errors}
