"""`cloudcarbon ingest azure-carbon --scope /subscriptions/ID --month YYYY-MM`: Microsoft's figures read from the Carbon
Optimization REST API (`POST /providers/Microsoft.Carbon/carbonEmissionReports`, api-version 2025-04-01), signed in
with azure-identity's DefaultAzureCredential.

Four item-detail reports per month, by resource: scopes 1+2+3 together (Microsoft's own total) and each scope alone.
Requests go through azure-core's pipeline (bearer token, retries that honour `Retry-After`), as the Consumption API's
client does.
Every page is saved as the REST API's examples write a call (request beside response) and ingested through the same
path as saved files, so the API and a saved report land identically.
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from cloudcarbon.connectors.azure_carbon.ingest import ingest_azure_carbon
from cloudcarbon.connectors.remote import azure_credential_error
from cloudcarbon.errors import CloudcarbonError, InputError, UsageError
from cloudcarbon.ingest import IngestSummary
from cloudcarbon.periods import Window

URL = "https://management.azure.com/providers/Microsoft.Carbon/carbonEmissionReports"
API_VERSION = "2025-04-01"
TOKEN_SCOPE = "https://management.azure.com/.default"
# Microsoft's total first, then each scope alone (the API sums whatever carbonScopeList asks for).
REPORTS = (("Scope1", "Scope2", "Scope3"), ("Scope1",), ("Scope2",), ("Scope3",))
SUBSCRIPTIONS_PER_REQUEST = 100  # the API's limit on subscriptionList
PAGE_SIZE = 5000  # the API's largest page
SUBSCRIPTION = re.compile(r"^/?subscriptions/([0-9a-fA-F-]{36})/?$")
LABEL = "Carbon Optimization API"
# The report is a read: POST is safe to retry (azure-core retries only idempotent methods unless told).
RETRY = {"retry_total": 5, "retry_backoff_factor": 1.0, "retry_backoff_max": 60}
RETRY_METHODS = frozenset({"POST"})


@dataclass
class Fetched:
    files: list[str] = field(default_factory=list)
    denied: dict[str, str] = field(default_factory=dict)  # subscription -> Microsoft's reason


def subscriptions(scope: str) -> list[str]:
    """--scope /subscriptions/ID[,/subscriptions/ID...] -> the ids, lower case (as the API wants them)."""
    ids = []
    for part in filter(None, (p.strip() for p in scope.split(","))):
        match = SUBSCRIPTION.match(part)
        if not match:
            raise UsageError(f"--scope {part!r}: expected /subscriptions/<subscription id> (several separated by "
                             "commas); Carbon Optimization reports by subscription")
        ids.append(match.group(1).lower())
    if not ids:
        raise UsageError("--scope needs at least one /subscriptions/<subscription id>")
    return list(dict.fromkeys(ids))


def _client(credential: Any) -> Any:
    from azure.core import PipelineClient
    from azure.core.pipeline.policies import BearerTokenCredentialPolicy, RetryPolicy

    return PipelineClient(URL, policies=[RetryPolicy(**RETRY), BearerTokenCredentialPolicy(credential, TOKEN_SCOPE)])


def _credential() -> Any:
    try:
        from azure.identity import DefaultAzureCredential
    except ImportError:
        raise CloudcarbonError("--scope needs the Azure extra: pip install 'cloudcarbon[azure]'") from None
    return DefaultAzureCredential()


def _http_error(status: int, payload: Any) -> InputError:
    """One line for the API's refusal (its error code and message; never a header or token)."""
    error = payload.get("error", {}) if isinstance(payload, dict) else {}
    said = " ".join(filter(None, [error.get("code"), error.get("message")]))[:300]
    hint = {401: "sign in again (`az login`)",
            403: "grant the identity the Carbon Optimization Reader role on the subscriptions",
            429: "the API is still throttling after retries; try again later"}.get(
        status, "check --scope and --month (a month is published by the 19th of the next)")
    return InputError(f"{LABEL}: HTTP {status}{': ' + said if said else ''}; {hint}")


def fetch(ids: list[str], month: str, folder: Path, credential: Any, fetched: Fetched) -> None:
    """Every page of the four reports for `month` (YYYY-MM-01), saved into `folder` and added to `fetched`."""
    from azure.core.rest import HttpRequest

    client = _client(credential)
    for scopes in REPORTS:
        for first in range(0, len(ids), SUBSCRIPTIONS_PER_REQUEST):
            skip_token = None
            while True:
                query: dict[str, Any] = {
                    "reportType": "ItemDetailsReport", "subscriptionList": ids[first:first + SUBSCRIPTIONS_PER_REQUEST],
                    "carbonScopeList": list(scopes), "dateRange": {"start": month, "end": month},
                    "categoryType": "Resource", "orderBy": "LatestMonthEmissions", "sortDirection": "Desc",
                    "pageSize": PAGE_SIZE, **({"skipToken": skip_token} if skip_token else {})}
                response = client.send_request(HttpRequest("POST", URL, params={"api-version": API_VERSION},
                                                           json=query), retry_on_methods=RETRY_METHODS)
                try:
                    body = response.json()
                except ValueError:
                    body = None
                if response.status_code != 200 or not isinstance(body, dict):
                    raise _http_error(response.status_code, body)
                path = folder / f"{month[:7]}-{'+'.join(scopes)}-page-{len(fetched.files) + 1:04d}.json"
                path.write_text(json.dumps({"parameters": {"api-version": API_VERSION, "queryParameters": query},
                                            "responses": {"200": {"body": body}}}))
                fetched.files.append(str(path))
                for decision in body.get("subscriptionAccessDecisionList") or []:
                    if decision.get("decision") == "Denied":
                        fetched.denied[decision.get("subscriptionId", "?")] = decision.get("denialReason") or "denied"
                skip_token = body.get("skipToken")
                if not skip_token or not body.get("value"):
                    break


def ingest_api(con: duckdb.DuckDBPyConnection, *, window: Window, scope: str, credential: Any = None,
               progress: bool | None = None) -> IngestSummary:
    """Read the window's months for the subscriptions of `scope` into provider_emissions; subscriptions Microsoft
    refused are named in the summary."""
    if window.since is None or window.until is None:
        raise UsageError("--scope needs a period: --month YYYY-MM")
    ids = subscriptions(scope)
    folder = Path(tempfile.mkdtemp(prefix="cloudcarbon-azure-carbon-"))
    try:
        fetched = Fetched()
        try:
            credential = credential or _credential()
            for month in window.month_starts():
                fetch(ids, f"{month:%Y-%m-%d}", folder, credential, fetched)
        except CloudcarbonError:
            raise
        except Exception as error:
            friendly = azure_credential_error(LABEL, error) or _network_error(error)
            if friendly is None:
                raise
            raise friendly from None
        label = f"{LABEL} "
        try:
            summary = ingest_azure_carbon(con, fetched.files, progress=progress)
        except InputError as error:
            if "holds a header but no" in str(error):
                raise InputError(f"{LABEL}: no emissions for {window.label()} in {', '.join(ids)}; Microsoft "
                                 "publishes a month by the 19th of the next") from None
            raise InputError(str(error).replace(f"{folder}/", label)) from None
        # The store names the API call, not the scratch file that held its page.
        params = {"folder": f"{folder}/", "label": label, "id": summary.ingest_id}
        con.execute("UPDATE provider_emissions SET x_source_file = replace(x_source_file, $folder, $label) "
                    "WHERE x_ingest_id = $id", params)
        con.execute("UPDATE provider_ingests SET source_files = list_transform(source_files, "
                    "lambda f: replace(f, $folder, $label)) WHERE ingest_id = $id", params)
        summary.files = [file.replace(f"{folder}/", label) for file in summary.files]
        summary.notes = [f"Microsoft refused subscription {subscription} ({reason}): its emissions are missing; "
                         "grant the Carbon Optimization Reader role and ingest the month again"
                         for subscription, reason in fetched.denied.items()]
        return summary
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _network_error(error: Exception) -> InputError | None:
    from azure.core.exceptions import ServiceRequestError, ServiceResponseError

    if isinstance(error, ServiceRequestError | ServiceResponseError):
        return InputError(f"{LABEL}: cannot reach management.azure.com ({type(error).__name__}); check the network")
    return None
