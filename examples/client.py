"""A case tool's HTTP client for kompetenceplan, built on httpx and the published contract.

Run against a running service, from the project folder:

    kompetenceplan serve --plan rules/nyborg --port 8000 &
    python examples/client.py --url http://127.0.0.1:8000

It reads /openapi.json once, refuses a contract with another major version, checks every request
body against the published JSON Schema before sending it (a schema error names the field at once,
without a round trip) and every answer against its response schema, and returns typed results.
It routes every case in examples/cases and validates every submission in examples/submissions.
Needs: pip install httpx jsonschema-rs (both in the project's dev extra).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypedDict

import httpx
import jsonschema_rs

#: The contract major version this client is written for (info.version in /openapi.json).
API_MAJOR = 2
EXAMPLES = Path(__file__).resolve().parent


class Level(TypedDict):
    id: str
    name: str
    rank: int


class Decision(TypedDict):
    """POST /route's answer (components.schemas.decision); the fields a case tool uses."""

    level: Level
    escalated: bool
    reason: str
    deciding_row: str | None
    derived: list[str]


class Finding(TypedDict):
    code: str
    severity: str
    title: str
    message: str
    hint: str
    path: str
    reference: str


class Report(TypedDict):
    """POST /validate's answer (components.schemas.report)."""

    meeting_date: str
    ready: bool
    findings: list[Finding]


@dataclass
class ApiError(Exception):
    """The service (or the published schema, before sending) refused the request: a problem
    details document (RFC 9457; ``title`` is its ``detail``, what went wrong this time)."""

    status: int
    error: str
    title: str
    problems: list[dict[str, str]]
    correlation_id: str = ""

    def __str__(self) -> str:
        lines = [f"{self.status} {self.error}: {self.title}"]
        lines += [f"  - {p['where']}: {p['what']} {p.get('fix', '')}".rstrip() for p in self.problems]
        return "\n".join(lines)


class ContractError(Exception):
    """The service answered something its own contract does not allow."""


class KompetenceplanClient:
    """One service. Use as a context manager, or call `close()`."""

    def __init__(self, base_url: str, timeout: float = 30.0) -> None:
        self._http = httpx.Client(base_url=base_url, timeout=timeout)
        self.contract: dict[str, Any] = self._http.get("/openapi.json").raise_for_status().json()
        version = self.contract["info"]["version"]
        if int(version.split(".")[0]) != API_MAJOR:
            raise ContractError(f"the service speaks API {version}; this client is written for {API_MAJOR}.x")
        self._validators: dict[str, Any] = {}

    def __enter__(self) -> KompetenceplanClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def route(self, case: dict[str, Any], on: dt.date | None = None) -> Decision:
        """Which level must decide the case (POST /route)."""
        return self._post("/route", case, "case", "decision", {"on": on.isoformat()} if on else {})  # type: ignore[return-value]

    def validate(self, submission: dict[str, Any], meeting_date: dt.date | None = None) -> Report:
        """Is the submission ready for the committee (POST /validate)?"""
        params = {"meeting_date": meeting_date.isoformat()} if meeting_date else {}
        return self._post("/validate", submission, "submission", "report", params)  # type: ignore[return-value]

    def _post(self, path: str, body: dict[str, Any], request_schema: str, response_schema: str, params: dict[str, str]) -> dict[str, Any]:
        errors = [f"{'.'.join(str(p) for p in e.instance_path) or '(roden)'}" for e in self._validator(request_schema).iter_errors(body)]
        if errors:
            problems = [{"where": where, "what": "passer ikke med det udgivne skema.", "fix": f"Se /schema/{request_schema}."} for where in dict.fromkeys(errors)]
            raise ApiError(0, "SchemaError", "Forespørgslen passer ikke med kontrakten; den er ikke sendt.", problems)
        response = self._http.post(path, json=body, params=params)
        data = response.json()
        if response.status_code != 200:
            if response.headers.get("content-type") != "application/problem+json":
                raise ContractError(f"the {response.status_code} answer is not application/problem+json")
            self._check(data, "Error", response.status_code)
            raise ApiError(response.status_code, data["error"], data["detail"], data["problems"], data["correlation_id"])
        self._check(data, response_schema, 200)
        return data  # type: ignore[no-any-return]

    def _check(self, data: Any, name: str, status: int) -> None:
        if not self._validator(name).is_valid(data):
            raise ContractError(f"the {status} answer does not match components.schemas.{name}")

    def _validator(self, name: str) -> Any:
        if name not in self._validators:
            # The component as the root, with the contract's components beside it so every $ref resolves.
            root = {"$schema": "https://json-schema.org/draft/2020-12/schema", "$ref": f"#/components/schemas/{name}", "components": self.contract["components"]}
            self._validators[name] = jsonschema_rs.validator_for(root)
        return self._validators[name]


def run_examples(client: KompetenceplanClient, on: dt.date) -> dict[str, dict[str, Any]]:
    """Route every example case and validate every example submission; the results by file name."""
    results: dict[str, dict[str, Any]] = {}
    for path in sorted((EXAMPLES / "cases").glob("*.json")):
        decision = client.route(json.loads(path.read_text(encoding="utf-8")), on=on)
        results[f"cases/{path.name}"] = {"level": decision["level"]["id"], "row": decision["deciding_row"]}
    for path in sorted((EXAMPLES / "submissions").glob("*.json")):
        report = client.validate(json.loads(path.read_text(encoding="utf-8")), meeting_date=on)
        results[f"submissions/{path.name}"] = {"ready": report["ready"], "codes": [f["code"] for f in report["findings"]]}
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000", help="the service's address")
    parser.add_argument("--on", type=dt.date.fromisoformat, default=dt.date.today(), help="date and meeting date, ÅÅÅÅ-MM-DD")
    args = parser.parse_args(argv)
    try:
        with KompetenceplanClient(args.url) as client:
            for name, result in run_examples(client, args.on).items():
                print(f"{name}: {json.dumps(result, ensure_ascii=False)}")
    except (ApiError, ContractError, httpx.HTTPError) as exc:
        print(exc, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
