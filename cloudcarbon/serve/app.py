"""The HTTP service: report pages and read-only JSON endpoints over the store (FastAPI).

Each request opens the store read-only and closes it, so ingests can run between requests (a busy store
answers 503). Values reach DuckDB only as bound parameters, through the same library functions as the
CLI. Every error is one line of JSON, never a stack trace.
"""

from __future__ import annotations

import hmac
import os
import re
from collections.abc import Awaitable, Callable, Collection, Iterator
from contextlib import contextmanager
from typing import Any, Literal

import duckdb
from fastapi import FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel

from cloudcarbon import __version__
from cloudcarbon.errors import SHOWN_CHARACTERS, CloudcarbonError, InputError, StoreBusyError, shown
from cloudcarbon.output import provenance
from cloudcarbon.periods import window
from cloudcarbon.report import build_report, records
from cloudcarbon.report.opportunities import run_analysis
from cloudcarbon.serve.hosts import LOOPBACK_NAMES, host_name
from cloudcarbon.store import damage_reported, open_store, out_of_memory, resolve_db_path

PERIOD = ("month", "since", "until")
MonthParam = Query(None, description="One month, YYYY-MM.")
SinceParam = Query(None, description="From this date (YYYY-MM-DD or YYYY-MM), inclusive.")
UntilParam = Query(None, description="Up to this date, exclusive.")
BY_HELP = "Comma-separated groupings, as `cloudcarbon footprint --by`."
ByParam = Query(None, description=BY_HELP)
RankByParam = Query("carbon", description="Rank candidate regions by CO2e (carbon) or by litres of water (water).")
PriceBasisParam = Query("list", description="Cost moves at list prices (list) or scaled by the discount the bill "
                                            "shows (effective).")


# The library names what was wrong as the CLI spells it (`--month '2026-13': ...`); a caller of the service sent
# query parameters, so the message names those (`month='2026-13': ...`).
CLI_OPTION = re.compile(
    r"""--(by-tag|by|month|since|until|provider|units-tag|cpu-utilization|gpu-utilization)(?![\w-])( (?=['"\d]))?""")


class ErrorBody(BaseModel):
    """Every answer but 200: one line saying what was wrong and what to do."""

    error: str


ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorBody, "description": "A bad, unknown or missing query parameter, named as sent "
                                             "(`month='2026-13': ...`), or a Host header this service does not "
                                             "answer to."},
    401: {"model": ErrorBody, "description": "The service runs with a token and the request did not send "
                                             "`Authorization: Bearer TOKEN`."},
    503: {"model": ErrorBody, "description": "The store cannot be read now: busy with an ingest (retry), damaged, "
                                             "or from a newer cloudcarbon."},
}


def as_parameters(message: str) -> str:
    """`message` with the CLI's option names as the service's query parameters."""
    return CLI_OPTION.sub(lambda match: f"{match[1].replace('-', '_')}=", message)


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message.strip().splitlines()[0] if message.strip() else "error"}, status_code=status)


def _only(request: Request, *names: str) -> None:
    """Refuse unknown query parameters (a misspelt month must not silently mean all data)."""
    unknown = sorted(set(request.query_params) - set(names))
    if unknown:
        raise InputError(f"unknown parameter {shown(unknown[0])}; this endpoint takes {', '.join(names) or 'none'}")


def _foreign_host(sent: str) -> JSONResponse:
    name = host_name(sent)
    option = f"--allowed-host {name if name and len(name) <= SHOWN_CHARACTERS else 'NAME'}"
    return _error(400, f"Host {shown(sent)} is not a name this service answers to (a guard against DNS rebinding); "
                       f"to serve it, start cloudcarbon serve with {option}")


def create_app(db: str | os.PathLike[str] | None, token: str | None = None,
               hosts: Collection[str] = LOOPBACK_NAMES) -> FastAPI:
    """The service over the store at `db`, answering requests whose Host header names one of `hosts` (as
    `host_name` spells it); with `token`, every request must send it as a Bearer token."""
    app = FastAPI(title="cloudcarbon", version=__version__, docs_url=None, redoc_url=None, responses=ERRORS,
                  description="Read-only footprint, unknowns, what-if and region recommendations from a cloudcarbon "
                              "store; the same parameters and fields as the CLI.")
    expected = f"Bearer {token}".encode() if token else None

    @app.middleware("http")
    async def require_token(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        if expected is not None:
            sent = request.headers.get("authorization", "").encode()
            if not hmac.compare_digest(sent, expected):
                response = _error(401, "missing or wrong token: send the header Authorization: Bearer TOKEN")
                response.headers["WWW-Authenticate"] = "Bearer"
                return response
        return await call_next(request)

    # Declared last, so it runs first: a foreign Host is refused before anything else is looked at.
    @app.middleware("http")
    async def check_host(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        sent = request.headers.get("host", "")
        if host_name(sent) not in hosts:
            return _foreign_host(sent)
        return await call_next(request)

    @app.exception_handler(RequestValidationError)
    async def bad_parameter(_: Request, error: RequestValidationError) -> JSONResponse:
        first = error.errors()[0]
        name = ".".join(str(part) for part in first.get("loc", ()) if part != "query")
        if first.get("type") == "missing":
            return _error(400, f"{name}= is required")
        return _error(400, f"{name}={shown(str(first.get('input')))}: {first.get('msg', 'invalid value')}")

    @app.exception_handler(InputError)
    async def bad_input(_: Request, error: InputError) -> JSONResponse:
        return _error(400, as_parameters(str(error)))

    @app.exception_handler(StoreBusyError)
    async def busy(_: Request, error: StoreBusyError) -> JSONResponse:
        return _error(503, str(error))

    @app.exception_handler(CloudcarbonError)
    async def unavailable(_: Request, error: CloudcarbonError) -> JSONResponse:
        return _error(503, str(error))

    @app.exception_handler(duckdb.OutOfMemoryException)
    async def out_of_memory_503(_: Request, error: duckdb.OutOfMemoryException) -> JSONResponse:
        # Requests share one DuckDB instance and its limit: a busy moment, or a limit to raise, not a bug.
        return _error(503, str(out_of_memory(error)))

    @app.exception_handler(Exception)
    async def unexpected(_: Request, error: Exception) -> JSONResponse:
        return _error(500, f"internal error ({error.__class__.__name__}); the server log has the details")

    @contextmanager
    def store() -> Iterator[duckdb.DuckDBPyConnection]:
        # A damaged block a request reads answers 503 with the damaged-store line, not a 500.
        with open_store(db, read_only=True) as con, damage_reported(resolve_db_path(db)):
            yield con

    @app.get("/", response_class=HTMLResponse, summary="The months the store holds, each linking to its report")
    def index(request: Request) -> HTMLResponse:
        from cloudcarbon.queries import define_macros, read_query
        from cloudcarbon.report.render import render_index

        _only(request)
        with store() as con:
            define_macros(con)
            months = records(con.execute(read_query("report_months")).df())
        return HTMLResponse(render_index(months, provenance()))

    @app.get("/report", response_class=HTMLResponse, summary="The monthly report page (as `cloudcarbon report`)")
    def report_page(request: Request, month: str = Query(..., description="YYYY-MM"),
                    by_tag: str | None = Query(None, description="Tag key to break down by, e.g. team.")
                    ) -> HTMLResponse:
        from cloudcarbon.report.render import render_html

        _only(request, "month", "by_tag")
        with store() as con:
            report = build_report(con, month, by_tag=by_tag)
        return HTMLResponse(render_html(report))

    @app.get("/api/report", summary="The monthly report's data (report-<month>.json)")
    def report_json(request: Request, month: str = Query(..., description="YYYY-MM"),
                    by_tag: str | None = Query(None, description="Tag key to break down by, e.g. team.")) -> dict:
        _only(request, "month", "by_tag")
        with store() as con:
            report = build_report(con, month, by_tag=by_tag)
        return {**report.document, "rows": records(report.rows)}

    @app.get("/api/footprint", summary="Energy and CO2e with ranges and cost (as `cloudcarbon footprint`)")
    def footprint_json(request: Request, month: str | None = MonthParam, since: str | None = SinceParam,
                       until: str | None = UntilParam, by: str = Query("month,service", description=BY_HELP),
                       cpu_utilization: float | None = Query(None, ge=0, le=1),
                       gpu_utilization: float | None = Query(None, ge=0, le=1)) -> dict:
        from cloudcarbon.footprint import footprint, with_method_columns

        _only(request, *PERIOD, "by", "cpu_utilization", "gpu_utilization")
        span = window(month, since, until)
        with store() as con:
            frame = with_method_columns(footprint(con, by=by, window=span, cpu_utilization=cpu_utilization,
                                                  gpu_utilization=gpu_utilization))
        meta = provenance(command="footprint", period=span.label(), by=by, method="METHODOLOGY.md",
                          cpu_utilization=cpu_utilization, gpu_utilization=gpu_utilization)
        return {"meta": meta, "rows": records(frame)}

    @app.get("/api/unknowns", summary="Usage not mapped to coefficients (as `cloudcarbon unknowns`)")
    def unknowns_json(request: Request, month: str | None = MonthParam, since: str | None = SinceParam,
                      until: str | None = UntilParam) -> dict:
        from cloudcarbon.unknowns import unknowns

        _only(request, *PERIOD)
        span = window(month, since, until)
        with store() as con:
            frame = unknowns(con, window=span)
        return {"meta": provenance(command="unknowns", period=span.label()), "rows": records(frame)}

    def analysis(name: str, request: Request, month: str | None, since: str | None, until: str | None,
                 by: str | None, rank_by: str, price_basis: str) -> dict:
        from cloudcarbon.recommend import Constraints

        _only(request, *PERIOD, "by", "rank_by", "price_basis")
        span = window(month, since, until)
        constraints = Constraints(rank_by=rank_by, price_basis=price_basis)
        with store() as con:
            result = run_analysis(name, con, window=span, by=by, constraints=constraints)
        meta = provenance(command=name, period=span.label(), by=by, rank_by=rank_by, price_basis=price_basis,
                          assumptions=result.assumptions)
        return {"meta": meta, "rows": records(result.rows)}

    @app.get("/api/whatif", summary="Savings from the 4M levers (as `cloudcarbon whatif`)")
    def whatif_json(request: Request, month: str | None = MonthParam, since: str | None = SinceParam,
                    until: str | None = UntilParam, by: str | None = ByParam,
                    rank_by: Literal["carbon", "water"] = RankByParam,
                    price_basis: Literal["list", "effective"] = PriceBasisParam) -> dict:
        return analysis("whatif", request, month, since, until, by, rank_by, price_basis)

    @app.get("/api/recommend-region", summary="Regions ranked by CO2e and cost (as `cloudcarbon recommend-region`)")
    def recommend_json(request: Request, month: str | None = MonthParam, since: str | None = SinceParam,
                       until: str | None = UntilParam, by: str | None = ByParam,
                       rank_by: Literal["carbon", "water"] = RankByParam,
                       price_basis: Literal["list", "effective"] = PriceBasisParam) -> dict:
        return analysis("recommend-region", request, month, since, until, by, rank_by, price_basis)

    @app.get("/api/reconcile", summary="Our footprint beside the provider's own figures (as `cloudcarbon reconcile`)")
    def reconcile_json(request: Request, month: str = Query(..., description="YYYY-MM"),
                       provider: str | None = Query(None, description="Only this provider: aws, gcp or azure."),
                       by: str = Query("provider,account,region,service",
                                       description="Comma-separated groupings: provider, account, region, service.")
                       ) -> dict:
        from cloudcarbon.reconcile import COMPARED, reconcile

        _only(request, "month", "provider", "by")
        with store() as con:
            frame = reconcile(con, month=month, provider=provider, by=by)
        meta = provenance(command="reconcile", period=month, by=by, provider=provider,
                          method="METHODOLOGY.md, 'Provider-reported emissions'", compared=COMPARED)
        return {"meta": meta, "rows": records(frame)}

    @app.get("/api/sci", summary="Software Carbon Intensity per functional unit (as `cloudcarbon sci --units-tag`)")
    def sci_json(request: Request, month: str = Query(..., description="YYYY-MM"),
                 units_tag: str = Query(..., description="A tag on the bill whose numeric values count the "
                                        "units (a units file cannot travel in a GET: use the CLI's --units)."),
                 by: str | None = Query(None, description="Groupings: account, service, region, provider, tag:KEY.")
                 ) -> dict:
        from cloudcarbon.sci import METHOD, sci

        _only(request, "month", "units_tag", "by")
        with store() as con:
            frame = sci(con, units_tag=units_tag, month=month, by=by)
        meta = provenance(command="sci", period=month, by=by, method=METHOD,
                          uncovered_kgco2e=frame.attrs["uncovered_kgco2e"])
        return {"meta": meta, "rows": records(frame)}

    describe = app.openapi

    def openapi() -> dict[str, Any]:
        """FastAPI's document without the 422 it declares for every parameter (validation answers 400), and with
        the errors of the HTML pages as what they are, JSON."""
        if app.openapi_schema is None:
            document = describe()
            for operations in document["paths"].values():
                for operation in operations.values():
                    operation["responses"].pop("422", None)
                    for status in ERRORS:
                        content = operation["responses"][str(status)]["content"]
                        content["application/json"] = content.pop("text/html", None) or content["application/json"]
            for name in ("HTTPValidationError", "ValidationError"):
                document.get("components", {}).get("schemas", {}).pop(name, None)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app
