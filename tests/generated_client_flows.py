"""The README's flows, through Python clients generated from the served contract.

`tests/test_generated_client.py` generates two packages with openapi-python-client — ``kp_core``
from the contract of ``kompetenceplan serve`` and ``kp_register`` from ``serve --db`` — puts this
file beside them, type-checks all three with ``mypy --strict`` and runs the flows against the
services. Nothing here is written by hand against the wire format: every request is a generated
model, every answer is parsed by generated code (an answer the contract does not allow raises).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from kp_core import AuthenticatedClient as CoreClient
from kp_core.api.default import route, validate, validate_agenda
from kp_core.models import AgendaReport, AgendaRequest, CaseBl3213, Decision, ProblemDetails, Report, Submission
from kp_register import AuthenticatedClient
from kp_register.api.default import add_item, get_agenda, get_minutes, list_decisions, list_meetings, new_meeting, record_decision, record_outcome, register_route, send_agenda
from kp_register.models import (
    AddedItem,
    Agenda,
    DecisionIn,
    DecisionInLevel,
    DecisionInOutcome,
    DecisionInParagraph,
    DecisionPage,
    DecisionRecord,
    GetMinutesFormat,
    ItemIn,
    Meeting,
    MeetingIn,
    MeetingInBody,
    MeetingPage,
    OutcomeIn,
    OutcomeInOutcome,
    OutcomeRecord,
    RoutedCase,
    RoutingIn,
    SendIn,
)
from kp_register.models import ProblemDetails as RegisterProblem
from kp_register.models import Submission as RegisterSubmission
from kp_register.types import UNSET

ON = dt.date(2026, 12, 1)
#: In a local installation the token is not read (the service runs as the local user); with
#: sign-in it is the case tool's access token from the municipality's identity provider.
TOKEN = "lokal"


def _load(examples: Path, name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((examples / name).read_text(encoding="utf-8"))
    return data


def core_flows(base_url: str, examples: Path) -> dict[str, Any]:
    """Route a case, check a submission, check an agenda, and be refused with a problem."""
    results: dict[str, Any] = {}
    with CoreClient(base_url=base_url, token=TOKEN, raise_on_unexpected_status=True) as client:
        decision = route.sync(client=client, body=CaseBl3213.from_dict(_load(examples, "cases/kontaktperson-team.json")), on=ON)
        assert isinstance(decision, Decision)
        results["route"] = {"level": decision.level.id, "row": decision.deciding_row, "routed_on": str(decision.routed_on)}

        report = validate.sync(client=client, body=Submission.from_dict(_load(examples, "submissions/bostoette-85-mangler.json")), meeting_date=ON)
        assert isinstance(report, Report)
        results["validate"] = {"ready": report.ready, "codes": [f.code for f in report.findings]}

        names = ("plejefamilie-46-klar", "bostoette-85-mangler")
        agenda = AgendaRequest.from_dict({"submissions": {name: _load(examples, f"submissions/{name}.json") for name in names}})
        checked = validate_agenda.sync(client=client, body=agenda, meeting_date=ON)
        assert isinstance(checked, AgendaReport)
        results["agenda"] = [(row.name, str(row.status), row.level, row.committee) for row in checked.submissions]

        case = _load(examples, "cases/kontaktperson-team.json")
        del case["sagens_maanedlige_udgift"]  # an input a higher rule needs: refused, never routed low
        refused = route.sync(client=client, body=CaseBl3213.from_dict(case), on=ON)
        assert isinstance(refused, ProblemDetails)
        results["refused"] = {"status": refused.status, "type": refused.type_, "error": refused.error, "where": [p.where for p in refused.problems]}
    return results


def register_flows(base_url: str, examples: Path) -> dict[str, Any]:
    """A meeting from items to minutes, a routing saved and corrected, a decision recorded and
    listed page by page, an unknown meeting refused."""
    results: dict[str, Any] = {}
    with AuthenticatedClient(base_url=base_url, token=TOKEN, raise_on_unexpected_status=True) as client:
        meeting = new_meeting.sync(client=client, body=MeetingIn(meeting_date=ON, body=MeetingInBody.VISITATIONSUDVALG))
        assert isinstance(meeting, Meeting)
        items: list[int] = []
        for name in ("plejefamilie-46-klar", "bostoette-85-mangler", "plejefamilie-46-klar"):  # the first one twice
            added = add_item.sync(meeting.id, client=client, body=ItemIn(submission=RegisterSubmission.from_dict(_load(examples, f"submissions/{name}.json"))))
            assert isinstance(added, AddedItem)
            items.append(added.number)
        results["items"] = items
        sent = send_agenda.sync(meeting.id, client=client, body=SendIn())
        assert isinstance(sent, Agenda)
        granted = record_outcome.sync(meeting.id, items[0], client=client, body=OutcomeIn(outcome=OutcomeInOutcome.BEVILGET))
        back = record_outcome.sync(meeting.id, items[1], client=client, body=OutcomeIn(outcome=OutcomeInOutcome.SENDT_TILBAGE_TIL_RÅDGIVER, reason="Mangler VUM-udredning"))
        again = record_outcome.sync(meeting.id, items[0], client=client, body=OutcomeIn(outcome=OutcomeInOutcome.BEVILGET))
        assert isinstance(granted, OutcomeRecord)
        assert isinstance(back, OutcomeRecord)
        assert isinstance(again, OutcomeRecord)
        results["outcomes"] = {"granted_decision": granted.decision_id is not None, "back_decision": back.decision_id, "repeated_is_same": again.id == granted.id}
        minutes = get_minutes.sync(meeting.id, client=client, format_=GetMinutesFormat.JSON)  # data; the documents: a plain GET with ?format=
        assert isinstance(minutes, Agenda)
        results["minutes"] = [(i.number, str(i.outcome), i.decision_id is not None) for i in minutes.items]
        text = client.get_httpx_client().get(f"/meetings/{meeting.id}/minutes", params={"format": "markdown"})
        results["minutes_markdown"] = text.status_code == 200 and "Punkt 1" in text.text

        routing = RoutingIn.from_dict({"case_ref": "S-1", "team": "Syd", "on": ON.isoformat(), "case": _load(examples, "cases/flere-indsatser-loefter-til-leder.json")})
        routed = register_route.sync(client=client, body=routing)
        assert isinstance(routed, RoutedCase)
        results["routing"] = {"required_level": routed.record.required_level, "routed_on": str(routed.record.routed_on)}

        decision = DecisionIn(
            case_ref="S-1",
            team="Syd",
            level=DecisionInLevel.TEAM,
            decided_on=ON,
            outcome=DecisionInOutcome.BEVILGET,
            paragraph=DecisionInParagraph.BL_32_1_2,
            step=3,
            monthly_cost=8000.5,
            start=ON,
        )
        recorded = record_decision.sync(client=client, body=decision)
        repeated = record_decision.sync(client=client, body=decision)
        assert isinstance(recorded, DecisionRecord)
        assert isinstance(repeated, DecisionRecord)
        results["decision"] = {"overskridelse": recorded.kompetenceoverskridelse, "routing": recorded.routing_id == routed.record.id, "repeated_is_same": repeated.id == recorded.id}

        seen: list[int] = []
        after: str | None = None
        while True:
            page = list_decisions.sync(client=client, limit=1, after=after if after is not None else UNSET)
            assert isinstance(page, DecisionPage)
            seen += [d.id for d in page.items]
            if not isinstance(page.next_, str):
                break
            after = page.next_
        results["pages"] = seen
        meetings = list_meetings.sync(client=client)
        assert isinstance(meetings, MeetingPage)
        results["meetings"] = [m.id for m in meetings.items]

        missing = get_agenda.sync(meeting.id + 1000, client=client)
        assert isinstance(missing, RegisterProblem)
        results["missing"] = {"status": missing.status, "error": missing.error, "where": [p.where for p in missing.problems]}
    return results
