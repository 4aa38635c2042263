"""HTTP JSON routes for deadlines and case events (issue 26; English paths like ``/meetings``, the
page is ``/frister``), part of the published contract
(`service.contract.OPERATIONS`, docs/openapi.json):

- ``POST /deadlines`` — the worklist; body ``{"team": …, "advisor": …, "on": "ÅÅÅÅ-MM-DD"}`` (all
  optional). A team, an advisor or a case reference never travels in a query string.
- ``POST /deadlines/events`` — record a case event (body: `EventIn`).
- ``GET /deadlines/cases/{case_ref}/events`` — a case's current events (the reference is a
  path segment, never a query parameter).
- ``GET /deadlines/rules`` — the deadline rules in use, with source and verification.

Without a register (``serve`` without ``--db``) the routes that need one answer 404 with the
one error model; without deadline rules for the plan, 404 too. The actor is the one the
service's permission check resolved (`actor.actor_of`); each route's permission is in
`service.permissions.ROUTES`, and every case a route reads or changes is written to the
adgangslog (subjects ``frist`` and ``sagshændelse``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated, Any, NoReturn

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..actor import actor_of
from ..errors import CaseError, KompetenceplanError, Problem, validation_message
from ..io import ISO_DATE, parse_json
from ..plan.versions import PlanSet
from ..safe_paths import model_field_names, safe_loc
from ..store.case_ref import read_case_ref
from ..store.privacy import refuse_cpr
from ..web.access import log_case_access

DateText = Annotated[str, Field(pattern=r"^\d{4}-\d{2}-\d{2}$", json_schema_extra={"format": "date"})]


class WorklistIn(BaseModel):
    """What the worklist is for: a team and/or an advisor (else the whole department), on a day."""

    model_config = ConfigDict(extra="forbid", title="Arbejdsliste, forespørgsel")
    team: str | None = Field(default=None, max_length=64)
    advisor: str | None = Field(default=None, max_length=64)
    on: DateText | None = None


class WorkItemOut(BaseModel):
    model_config = ConfigDict(extra="forbid", title="Frist")
    sagsreference: str
    team: str
    raadgiver: str | None
    regel: str
    hvad: str
    frist: DateText
    dage_tilbage: int
    status: str
    regnet_fra: DateText
    startet_af: str
    grundlag: str
    verifikation: str
    illustrativ: bool


class WorklistOut(BaseModel):
    model_config = ConfigDict(extra="forbid", title="Arbejdsliste")
    dato: DateText
    omfang: str
    regler_version: str
    antal: int
    overskredet: int
    frister: list[WorkItemOut]


class EventIn(BaseModel):
    """A case event to record (store.events.prepare checks every value)."""

    model_config = ConfigDict(extra="forbid", title="Sagshændelse")
    case_ref: str = Field(max_length=64)
    team: str = Field(max_length=64)
    kind: str = Field(max_length=40)
    occurred_on: DateText
    art: str | None = Field(default=None, max_length=40)
    paragraph: str | None = Field(default=None, max_length=64)
    advisor: str | None = Field(default=None, max_length=64)
    note: str = Field(default="", max_length=2000)
    corrects: int | None = Field(default=None, ge=1, le=2**31 - 1)
    withdraw: bool = False


class NotAvailable(KompetenceplanError):
    """The service has no register (or no deadline rules): 404."""


def _date(text: str | None, where: str) -> dt.date | None:
    if text is None:
        return None
    try:
        if not ISO_DATE.fullmatch(text):
            raise ValueError(text)
        return dt.date.fromisoformat(text)
    except ValueError:
        raise CaseError("Ugyldig dato.", [Problem(where, "skal være en dato på formen ÅÅÅÅ-MM-DD.", "Skriv fx 2026-12-01.")]) from None


def _no_query(request: Request) -> None:
    """These routes take nothing in the address: a team, an advisor or a case reference in a URL
    ends up in proxies' and browsers' logs. The parameters' names are not repeated either."""
    if request.query_params:
        raise CaseError("Forespørgslen har parametre i adressen.", [Problem("query", "ruten tager ingen parametre i adressen (de kan havne i logfiler).", "Send team, advisor og on i body som JSON.")])


async def _body(request: Request, model: type[BaseModel]) -> Any:
    _no_query(request)
    data = parse_json(await request.body(), "body", limit=None)  # the Guard enforced the size limit
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        known = model_field_names(model)  # an unknown key is named by its position, never by itself
        raise CaseError(
            "Forespørgslen har fejl.",
            [Problem(safe_loc("body", data, e["loc"], known), validation_message(e), "Se skemaet i /openapi.json.") for e in exc.errors(include_url=False, include_input=False)],
        ) from None


def create_router(plans: Callable[[], PlanSet], register: Callable[[], Any]) -> APIRouter:
    """The routes; ``register()`` is the service's `Register` or None (started without --db)."""
    router = APIRouter(tags=["frister"])

    def missing_register() -> NoReturn:
        err = NotAvailable(
            "Tjenesten har intet register.",
            [
                Problem(
                    "--db",
                    "tjenesten er startet uden et register over afgørelser og sagshændelser.",
                    "Start tjenesten med: kompetenceplan serve --db sqlite:///kompetenceplan.db (efter kompetenceplan db upgrade).",
                )
            ],
        )
        raise err  # 404, as problem details (service.problems: NotAvailable)

    def rules() -> Any:
        from ..frister.rules import rules_for

        config = rules_for(plans())
        if config is None:
            raise NotAvailable(
                "Planen har ingen fristregler.",
                [Problem("frister", "der findes ingen fil med fristregler ved siden af planmappen.", "Læg fx rules/nyborg-frister.toml ved siden af planmappen (docs/frister.md).")],
            )
        return config

    def no_rules(exc: NotAvailable) -> NoReturn:
        raise exc

    @router.post("/deadlines", summary="Arbejdslisten: åbne frister for et team, en rådgiver eller hele afdelingen")
    async def worklist_route(request: Request) -> JSONResponse:
        reg = register()
        if reg is None:
            return missing_register()
        query = await _body(request, WorklistIn)
        from starlette.concurrency import run_in_threadpool

        from ..frister.worklist import worklist

        try:
            config = rules()
        except NotAvailable as exc:
            return no_rules(exc)
        day = _date(query.on, "body.on") or dt.date.today()
        wl = await run_in_threadpool(lambda: worklist(reg.engine, config, on=day, team=query.team, advisor=query.advisor))
        await run_in_threadpool(log_case_access, request, "læst", "frist", [i.case_ref for i in wl.items])
        return JSONResponse(wl.to_dict())

    @router.post("/deadlines/events", summary="Registrér en sagshændelse")
    async def record_route(request: Request) -> JSONResponse:
        reg = register()
        if reg is None:
            return missing_register()
        body = await _body(request, EventIn)
        from starlette.concurrency import run_in_threadpool

        from ..store.events import record

        fields = body.model_dump()
        fields["occurred_on"] = _date(fields["occurred_on"], "body.occurred_on")
        rec = await run_in_threadpool(lambda: record(reg, plans(), actor_of(request), **fields))
        await run_in_threadpool(log_case_access, request, "ændret", "sagshændelse", [rec.case_ref])
        return JSONResponse(rec.model_dump(mode="json"))

    @router.get("/deadlines/cases/{case_ref}/events", summary="En sags gældende hændelser")
    async def list_route(request: Request, case_ref: str) -> JSONResponse:
        reg = register()
        if reg is None:
            return missing_register()
        _no_query(request)
        case_ref = read_case_ref(case_ref, "case_ref")  # the register's one rule; a CPR number is refused
        refuse_cpr({"case_ref": case_ref})
        from starlette.concurrency import run_in_threadpool

        from ..store.events import query

        await run_in_threadpool(log_case_access, request, "læst", "sagshændelse", [case_ref])
        recs = await run_in_threadpool(lambda: query(reg, case_ref=case_ref))
        return JSONResponse([r.model_dump(mode="json") for r in recs])

    @router.get("/deadlines/rules", summary="Fristreglerne med kilde og verifikation")
    async def rules_route() -> JSONResponse:
        try:
            config = rules()
        except NotAvailable as exc:
            return no_rules(exc)
        return JSONResponse(config.model_dump(mode="json", exclude={"path"}))

    return router
