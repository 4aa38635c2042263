"""schemathesis hooks for tests/test_api_fuzz.py (loaded by the schemathesis CLI via SCHEMATHESIS_HOOKS).

One extra check: a 422 answer to a schema-valid request must be one of the refusals the contract
declares for that operation (``x-semantic-refusals`` of its 422 response), never an undeclared one.
"""

from __future__ import annotations

import os

import schemathesis

from kompetenceplan.service.contract import refusal_matches


@schemathesis.check
def semantic_refusal_is_declared(ctx, response, case) -> bool | None:
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive or response.status_code != 422:
        return None
    declared = case.operation.definition.raw.get("responses", {}).get("422", {}).get("x-semantic-refusals", [])
    try:
        body = response.json()
    except ValueError:
        body = None
    if not refusal_matches(declared, body):
        raise AssertionError(f"A schema-valid request was refused for a reason the contract does not declare: {body}")
    if log := os.environ.get("KOMPETENCEPLAN_FUZZ_LOG"):
        with open(log, "a", encoding="utf-8") as out:
            out.write(f"{case.operation.label} {body['error']}\n")
    return None
