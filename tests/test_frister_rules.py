"""The deadline rules as plan data (rules/nyborg-frister.toml): loaded and checked with Danish
errors naming the file and the key (never a value), every rule with a source and a verification
status, the municipality's own frister marked illustrative, docs/frister.md generated from the
rules; and the Danish calendar they are counted in."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kompetenceplan import load_plans
from kompetenceplan.frister.calendar import NEXT_WORKDAY, NO_SHIFT, PREVIOUS_WORKDAY, add_months, easter, holidays, is_workday, shift
from kompetenceplan.frister.render import rules_markdown
from kompetenceplan.frister.rules import FristError, load_rules, plan_problems, rules_for

from .conftest import NYBORG, ROOT

RULES = ROOT / "rules" / "nyborg-frister.toml"
PLANS = load_plans(NYBORG)
CONFIG = load_rules(RULES, PLANS)


def _variant(tmp_path: Path, old: str, new: str, count: int = 1) -> Path:
    text = RULES.read_text(encoding="utf-8")
    assert old in text, old
    path = tmp_path / "frister.toml"
    path.write_text(text.replace(old, new, count), encoding="utf-8")
    return path


class TestBundledRules:
    def test_the_rules_load_and_every_paragraph_is_the_plans(self) -> None:
        """Every paragraph code and pattern in the rules names paragraphs of the Nyborg plan."""
        assert plan_problems(CONFIG, PLANS) == []
        assert len(CONFIG.regler) >= 15

    def test_the_required_rules_are_there_with_their_basis(self) -> None:
        """§ 20 stk. 3 (BFU and foreløbig vurdering), § 91 stk. 2 (§ 46, § 47), § 95, § 143 (approval
        and validity), § 50 and the municipality's own sagsbehandlingsfrister are all rules."""
        bases = {r.id: (r.grundlag.paragraf, r.grundlag.stk) for r in CONFIG.regler if r.statutory}
        assert bases == {
            "BL-20-3": ("20", "3"),
            "BL-20-3-FV": ("20", "3"),
            "BL-91-2-47": ("91", "2"),
            "BL-91-2-46": ("91", "2"),
            "BL-95-2": ("95", "2"),
            "BL-143-4": ("143", "4"),
            "BL-143-GYLDIG": ("143", ""),
            "BL-50": ("50", ""),
        }
        own = [r for r in CONFIG.regler if not r.statutory]
        assert own
        assert all(r.illustrativ and r.status == "kommunens_egen" and "§ 3, stk. 2" in r.grundlag.henvisning or r.id == "NY-95-LOEB" for r in own)

    def test_every_rule_states_its_source_and_what_was_verified(self) -> None:
        """A rule not read in the statute text says so: [U] in the source, or Ankestyrelsen's guidance."""
        for r in CONFIG.regler:
            assert r.kilde
            assert r.status in ("verificeret", "vejledning", "uverificeret", "kommunens_egen")
            if r.status == "verificeret":
                assert "lovguiden.dk" in r.kilde, r.id
            if r.status == "vejledning":
                assert "ast.dk" in r.kilde, r.id
                assert "[U]" in r.kilde, r.id
            if r.status == "uverificeret":
                assert "[U]" in r.kilde, r.id

    def test_the_file_says_the_own_frister_are_illustrative(self) -> None:
        """As rules/nyborg says of its kroner thresholds: the example values are marked in the file."""
        text = RULES.read_text(encoding="utf-8")
        assert "ILLUSTRATIVE" in text
        assert "retssikkerhedsloven § 3, stk. 2" in text

    def test_docs_list_every_rule_with_source_and_verification(self) -> None:
        """docs/frister.md contains the rules table generated from the rule data (no drift)."""
        doc = (ROOT / "docs" / "frister.md").read_text(encoding="utf-8")
        generated = rules_markdown(CONFIG).replace(str(RULES), "rules/nyborg-frister.toml")
        assert generated in doc, "Regenerate the rules section of docs/frister.md: kompetenceplan frister --regler"
        for r in CONFIG.regler:
            assert f"**{r.id}**" in doc

    def test_a_plan_folder_finds_its_rules_beside_it(self) -> None:
        """rules/nyborg → rules/nyborg-frister.toml; a plan without a rules file has none."""
        found = rules_for(PLANS)
        assert found is not None
        assert found.fingerprint == CONFIG.fingerprint
        assert rules_for(load_plans(ROOT / "rules" / "aastrup")) is None


class TestRefusals:
    @pytest.mark.parametrize(
        ("old", "new", "where", "what"),
        [
            (
                'frist = { maaneder = 4 }\nhelligdage = "ingen_forlaengelse"\ngrundlag = { lov = "barnets lov", paragraf = "20", stk = "3" }',
                'frist = { maaneder = 4, dage = 2 }\nhelligdage = "ingen_forlaengelse"\ngrundlag = { lov = "barnets lov", paragraf = "20", stk = "3" }',
                "regler[BL-20-3].frist",
                "præcis én",
            ),
            (
                'starter = [{ haendelse = "undersoegelse_startet", art = ["bfu"] }]',
                'starter = [{ haendelse = "undersoegelse_begyndt", art = ["bfu"] }]',
                "regler[BL-20-3].starter",
                "haendelse skal være en af",
            ),
            ('opfyldes_af = [{ haendelse = "opfoelgning" }]', 'opfyldes_af = [{ haendelse = "opfoelgning", art = ["bfu"] }]', "regler[BL-95-2].opfyldes_af", "art hører ikke til"),
            ('helligdage = "naeste_hverdag"', 'helligdage = "naeste_arbejdsdag"', "regler[NY-95-LOEB].helligdage", "skal være en af"),
            ('status = "verificeret"', 'status = "kommunens_egen"', "regler[BL-20-3]", "kommunens_egen"),
            ('illustrativ = true\nkilde = "Illustrativ: Nyborg', 'illustrativ = false\nkilde = "Illustrativ: Nyborg', "regler[NY-95-LOEB]", "illustrativ = true"),
            ('id = "BL-20-3-FV"', 'id = "BL-20-3"', "regler[BL-20-3].id", "samme id"),
            ("maal = { boern = 25, voksne = 55 }", "maal = { boern = 25, voksne = 55, unge = 20 }", "sagsstamme.maal", "område"),
            ("[sagsstamme]", "[sagsstamme]\nukendt = 1", "sagsstamme.ukendt", "ukendt nøgle"),
        ],
        ids=["two-units", "unknown-event", "art-of-other-event", "unknown-shift", "status-basis-mismatch", "illustrative-unmarked", "duplicate-id", "unknown-area", "unknown-key"],
    )
    def test_a_bad_rule_is_refused_naming_file_and_key(self, tmp_path: Path, old: str, new: str, where: str, what: str) -> None:
        """Every error is Danish and names the file and the key path (the rule by its id)."""
        path = _variant(tmp_path, old, new)
        with pytest.raises(FristError) as caught:
            load_rules(path)
        rendered = caught.value.render()
        assert f"{path}: {where}" in rendered, rendered
        assert what in rendered, rendered

    def test_a_pattern_matching_no_paragraph_is_refused_with_the_plan(self, tmp_path: Path) -> None:
        """A typo in a paragraph code would leave cases without deadlines: refused at load."""
        path = _variant(tmp_path, 'paragraffer = ["bl-86", "bl-87"]\nhelligdage', 'paragraffer = ["bl-86", "bl-88"]\nhelligdage')
        assert load_rules(path)  # fine on its own
        with pytest.raises(FristError, match="passer ikke til planen") as caught:
            load_rules(path, PLANS)
        assert "regler[NY-SAG-B86].paragraffer" in caught.value.render()

    def test_toml_errors_and_missing_files_are_danish(self, tmp_path: Path) -> None:
        """Broken TOML and a missing file each give one Danish problem naming the file."""
        bad = tmp_path / "brudt.toml"
        bad.write_text("[frister\nkommune = 1", encoding="utf-8")
        with pytest.raises(FristError, match="ikke gyldig TOML"):
            load_rules(bad)
        with pytest.raises(FristError, match="findes ikke"):
            load_rules(tmp_path / "mangler.toml")

    def test_an_error_never_repeats_the_files_value(self, tmp_path: Path) -> None:
        """A value typed into the file (it could be personal data) is not echoed in the error."""
        path = _variant(tmp_path, 'helligdage = "naeste_hverdag"', 'helligdage = "0101011234"')
        with pytest.raises(FristError) as caught:
            load_rules(path)
        assert "0101011234" not in caught.value.render()


class TestCalendar:
    def test_easter_matches_the_published_dates(self) -> None:
        """Easter Sunday 2024-2030 as published (the holidays hang on it)."""
        published = {2024: (3, 31), 2025: (4, 20), 2026: (4, 5), 2027: (3, 28), 2028: (4, 16), 2029: (4, 1), 2030: (4, 21)}
        assert {y: (easter(y).month, easter(y).day) for y in published} == published

    def test_store_bededag_is_a_holiday_until_2023_only(self) -> None:
        """Lov nr. 159 af 28/02/2023 abolished store bededag from 2024."""
        assert dt.date(2023, 5, 5) in holidays(2023)
        assert "store bededag" not in holidays(2024).values()
        assert set(holidays(2026)) == {dt.date(2026, m, d) for m, d in ((1, 1), (4, 2), (4, 3), (4, 5), (4, 6), (5, 14), (5, 24), (5, 25), (12, 25), (12, 26))}

    def test_month_ends_and_leap_years(self) -> None:
        """The same day of the month, or the month's last day when it is shorter."""
        assert add_months(dt.date(2025, 10, 31), 4) == dt.date(2026, 2, 28)
        assert add_months(dt.date(2027, 10, 31), 4) == dt.date(2028, 2, 29)
        assert add_months(dt.date(2028, 2, 29), 12) == dt.date(2029, 2, 28)
        assert add_months(dt.date(2026, 11, 30), 3) == dt.date(2027, 2, 28)
        assert add_months(dt.date(2026, 3, 31), -1) == dt.date(2026, 2, 28)

    def test_a_limit_on_a_weekend_or_holiday_moves_only_as_the_rule_says(self) -> None:
        """Skærtorsdag 2026: forward to Tuesday after Easter, back to Wednesday, or kept."""
        day = dt.date(2026, 4, 2)
        assert shift(day, NO_SHIFT) == day
        assert shift(day, NEXT_WORKDAY) == dt.date(2026, 4, 7)
        assert shift(day, PREVIOUS_WORKDAY) == dt.date(2026, 4, 1)

    @given(st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2090, 12, 31)), st.integers(min_value=0, max_value=120))
    def test_add_months_lands_in_the_right_month_never_later_in_it(self, day: dt.date, months: int) -> None:
        """Adding n months moves exactly n calendar months and never past the original day of month."""
        out = add_months(day, months)
        assert (out.year * 12 + out.month) - (day.year * 12 + day.month) == months
        assert out.day <= day.day
        assert out.day == day.day or (out + dt.timedelta(days=1)).day == 1

    @given(st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2080, 12, 31)))
    def test_a_moved_limit_is_a_workday_within_a_week(self, day: dt.date) -> None:
        """The next workday is a workday, never earlier, and at most 5 days later (Easter is the longest run)."""
        moved = shift(day, NEXT_WORKDAY)
        assert is_workday(moved)
        assert 0 <= (moved - day).days <= 5
        assert shift(day, NO_SHIFT) == day
