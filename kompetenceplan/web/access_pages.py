"""The administrator's page of the adgangslog: who has read or changed a case's data
(``/admin/adgangslog``; permission ``read_access_log``). The case reference is posted in a
form (CSRF), never put in the address. The same rows as ``kompetenceplan db adgangslog --sag
REF`` (`kompetenceplan.store.access_log.for_case`)."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from .forms import FieldErrors
from .views import _render, posted, register_of, router

CASE = "sag"


def _page(request: Request, case_ref: str = "", errors: FieldErrors | None = None, status: int = 200) -> HTMLResponse:
    rows = None
    reg = register_of(request)
    if case_ref and reg is not None and not (errors and errors.fields):
        from ..store import access_log

        rows = access_log.for_case(reg.engine, case_ref)
    return _render(request, "access_log.html", "", status=status, register=reg is not None, case_ref=case_ref, rows=rows, errors=errors or FieldErrors(), field=CASE)


@router.get("/admin/adgangslog", response_class=HTMLResponse)
async def access_log_page(request: Request) -> HTMLResponse:
    return await run_in_threadpool(_page, request)


@router.post("/admin/adgangslog", response_class=HTMLResponse)
async def access_log_search(request: Request) -> HTMLResponse:
    values, _ = await posted(request, expired=lambda message: _page(request, "", FieldErrors(general=[message]), 403))
    case_ref = values.get(CASE, "").strip()[:64]
    errors = FieldErrors()
    if not case_ref:
        errors.fields[CASE] = "Mangler. Skriv sagens reference, fx S-2026-0042."
    return await run_in_threadpool(_page, request, case_ref, errors)
