"""The plan's own bodies (issue 27): separate visitation committees for children and for adults
hold the level `visitationsudvalg` (the level decides who may decide, the committee which meeting);
Familieretshuset, outside the municipality, never holds a municipal meeting."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest

from kompetenceplan import PlanError, decide, load_plan
from kompetenceplan.checks.check import check
from kompetenceplan.errors import CaseError
from kompetenceplan.meetings import committee as c
from kompetenceplan.plan import load_plans

from .conftest import EXAMPLES, NYBORG
from .register_fixtures import ACTOR

ON = dt.date(2026, 12, 1)
PLANS = load_plans(NYBORG)
CHILD = {"paragraf": "bl-46", "samtykke": True, "trin": 5, "maanedlig_udgift": 38000, "varighed_maaneder": 24, "sagens_maanedlige_udgift": 38000, "alder": 11}
ADULT = {"paragraf": "sel-108", "samtykke": True, "trin": 6, "maanedlig_udgift": 55000, "varighed_maaneder": 60, "sagens_maanedlige_udgift": 55000}


def _submission(name: str) -> dict:
    return json.loads((EXAMPLES / "submissions" / f"{name}.json").read_text(encoding="utf-8"))


def _copy(tmp_path: Path) -> Path:
    folder = tmp_path / "nyborg"
    shutil.copytree(NYBORG, folder, ignore=shutil.ignore_patterns("scenarier"))
    return folder


class TestPlan:
    def test_a_committee_case_names_the_committee_of_its_area(self, nyborg) -> None:
        """The level is unchanged (a plan lifts, never lowers); the committee is added."""
        child, adult = decide(nyborg, CHILD), decide(nyborg, ADULT)
        assert child.level.id == adult.level.id == "visitationsudvalg"
        assert child.committee is not None
        assert child.committee.id == "visitationsudvalg_boern"
        assert adult.committee is not None
        assert adult.committee.id == "visitationsudvalg_voksne"
        assert "af visitationsudvalget for voksne" in adult.reason

    def test_a_case_below_the_committees_has_none(self, nyborg) -> None:
        case = {"paragraf": "bl-32-1-5", "samtykke": True, "trin": 3, "maanedlig_udgift": 12000, "varighed_maaneder": 6, "sagens_maanedlige_udgift": 12000, "alder": 10}
        assert decide(nyborg, case).committee is None

    def test_the_meeting_bodies_are_the_committees_and_the_unsplit_levels_never_familieretshuset(self, nyborg) -> None:
        bodies = [(b.id, b.level, b.areas) for b in nyborg.meeting_bodies()]
        assert bodies == [
            ("visitationsudvalg_boern", "visitationsudvalg", ("boern",)),
            ("visitationsudvalg_voksne", "visitationsudvalg", ("voksne",)),
            ("boerne_og_ungeudvalg", "boerne_og_ungeudvalg", None),
        ]
        assert nyborg.meeting_body("familieretshuset") is None
        assert nyborg.meeting_body("visitationsudvalg") is None

    def test_the_submission_report_names_the_committee(self, nyborg) -> None:
        report = check(nyborg, _submission("botilbud-108-klar"), on=ON)
        assert report.routing.committee_id == "visitationsudvalg_voksne"
        assert report.routing.level == "visitationsudvalg"

    def test_a_level_split_for_one_area_only_is_refused(self, tmp_path: Path) -> None:
        """Fail-safe: a case in the other area would have no committee."""
        folder = _copy(tmp_path)
        text = (folder / "plan.toml").read_text(encoding="utf-8")
        start = text.index('[[committees]]\nid = "visitationsudvalg_voksne"')
        end = text.index("# Familieretshuset er en statslig")
        (folder / "plan.toml").write_text(text[:start] + text[end:], encoding="utf-8")
        with pytest.raises(PlanError, match="voksne"):
            load_plan(folder)

    @pytest.mark.parametrize(
        ("old", "new", "words"), [('level = "visitationsudvalg"\nareas = ["boern"]', 'level = "leder"\nareas = ["boern"]', "udvalgsniveau"), ('areas = ["voksne"]', 'areas = ["boern"]', "allerede")]
    )
    def test_a_committee_must_split_a_committee_level_and_each_area_once(self, tmp_path: Path, old: str, new: str, words: str) -> None:
        folder = _copy(tmp_path)
        text = (folder / "plan.toml").read_text(encoding="utf-8")
        assert old in text
        (folder / "plan.toml").write_text(text.replace(old, new, 1), encoding="utf-8")
        with pytest.raises(PlanError, match=words):
            load_plan(folder)


class TestMeetings:
    def test_familieretshuset_never_holds_a_municipal_meeting(self, open_register, migrated_url: str) -> None:
        """Before: every level from the escalation level up could hold a meeting."""
        reg = open_register(migrated_url)
        with pytest.raises(CaseError, match="udvalg"):
            c.new_meeting(reg, PLANS, ON, "familieretshuset", actor=ACTOR)

    def test_an_adults_case_on_the_childrens_committee_is_flagged_and_decided_at_its_level(self, open_register, migrated_url: str) -> None:
        reg = open_register(migrated_url)
        meeting = c.new_meeting(reg, PLANS, ON, "visitationsudvalg_boern", actor=ACTOR)
        assert meeting.body_name == "Visitationsudvalget for børn og unge"
        c.add_submission(reg, PLANS, meeting.id, _submission("plejefamilie-46-klar"), actor=ACTOR)
        c.add_submission(reg, PLANS, meeting.id, _submission("botilbud-108-klar"), actor=ACTOR)
        flags = {i.number: " ".join(i.flags) for i in c.build_agenda(reg, PLANS, meeting.id).items}
        assert flags[1] == ""
        assert "ANDET UDVALG" in flags[2]
        assert "Visitationsudvalget for voksne" in flags[2]
        assert "ANDET NIVEAU" not in flags[2]
        granted = c.record_outcome(reg, PLANS, meeting.id, 1, "bevilget", actor=ACTOR)
        assert granted.decision_id
        assert granted.kompetenceoverskridelse is False


def test_an_adult_placed_without_consent_is_put_to_familieretshuset_never_decided_by_the_committee(open_register, migrated_url: str) -> None:
    """A § 129 case (optagelse i botilbud uden samtykke) at the adults' visitation committee: the
    committee cannot grant or refuse it (serviceloven § 131: Familieretshuset decides), it can put it
    to Familieretshuset — and the minutes say "indstillet til Familieretshuset"."""
    from kompetenceplan.meetings.documents import minutes_markdown
    from kompetenceplan.store.register import StatutoryCompetenceError

    reg = open_register(migrated_url)
    meeting = c.new_meeting(reg, PLANS, ON, "visitationsudvalg_voksne", actor=ACTOR)
    sub = _submission("botilbud-108-klar")
    sub["sag"] = sub["sag"] | {"paragraf": "sel-129", "samtykke": False}
    sub["sagsnummer"] = "EKS-2026-0129"
    c.add_submission(reg, PLANS, meeting.id, sub, actor=ACTOR)
    with pytest.raises(StatutoryCompetenceError, match="Familieretshuset"):
        c.record_outcome(reg, PLANS, meeting.id, 1, "bevilget", actor=ACTOR)
    put = c.record_outcome(reg, PLANS, meeting.id, 1, "oversendt", "Indstilling om optagelse uden samtykke.", actor=ACTOR)
    assert put.forwarded_to == "familieretshuset"
    assert put.decision_id is None
    assert "Beslutning: **indstillet til Familieretshuset" in minutes_markdown(c.build_agenda(reg, PLANS, meeting.id))
    assert reg.decisions(case_ref="EKS-2026-0129") == []
