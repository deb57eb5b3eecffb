"""Usage records from the Azure Consumption API (`usageDetails`), written as export-shaped Parquet.

Each page of records (legacy: EA/PAYG, modern: MCA) is renamed to the Cost Management export's
column names and written to one Parquet file, so the API path goes through the same detection and
normalisation query as exported files and never holds the whole result in memory. Requests are
chunked by calendar month; azure-core retries 429 and 5xx responses, honouring `Retry-After`.
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import duckdb

from cloudcarbon.connectors.azure.ingest import ingest_files
from cloudcarbon.connectors.remote import azure_credential_error
from cloudcarbon.errors import CloudcarbonError, InputError, UsageError
from cloudcarbon.ingest import IngestSummary
from cloudcarbon.periods import Window

# Export column -> record properties holding it (legacy names, modern names, expanded meterDetails).
EXPORT_COLUMNS: dict[str, tuple[str, ...]] = {
    "SubscriptionId": ("subscriptionId", "subscriptionGuid"),
    "SubscriptionName": ("subscriptionName",),
    "BillingAccountId": ("billingAccountId",),
    "BillingPeriodStartDate": ("billingPeriodStartDate",),
    "Date": ("date",),
    "MeterCategory": ("meterCategory", "meterDetails.meterCategory"),
    "MeterSubCategory": ("meterSubCategory", "meterDetails.meterSubCategory"),
    "MeterName": ("meterName", "meterDetails.meterName"),
    "MeterRegion": ("meterRegion",),
    "UnitOfMeasure": ("unitOfMeasure", "meterDetails.unitOfMeasure"),
    "Quantity": ("quantity",),
    "CostInBillingCurrency": ("costInBillingCurrency", "cost"),
    "BillingCurrencyCode": ("billingCurrencyCode", "billingCurrency"),
    "ResourceLocation": ("resourceLocation",),
    "ConsumedService": ("consumedService",),
    "ResourceId": ("resourceId", "instanceName"),
    "AdditionalInfo": ("additionalInfo",),
    "ChargeType": ("chargeType",),
    "PricingModel": ("pricingModel",),
    "ReservationId": ("reservationId",),
}
METRICS = ("actualcost", "amortizedcost")
SUBSCRIPTION_SCOPE = re.compile(r"^/subscriptions/([0-9a-fA-F-]{36})(/|$)")
RETRY = {"retry_total": 6, "retry_backoff_factor": 2.0, "retry_backoff_max": 60}


def month_chunks(window: Window) -> Iterator[tuple[date, date]]:
    """Inclusive (first, last) days of each calendar month the window covers."""
    if window.since is None or window.until is None:
        raise UsageError("--scope needs a period: --month YYYY-MM or both --since and --until")
    day, end = window.since.date(), window.until.date()
    while day < end:
        next_month = date(day.year + (day.month == 12), day.month % 12 + 1, 1)
        yield day, min(next_month, end) - timedelta(days=1)
        day = next_month


def _value(record: dict[str, Any], path: str) -> str | None:
    value: Any = record.get("properties", {})
    for key in path.split("."):
        value = value.get(key) if isinstance(value, dict) else None
    if value is None:
        return None
    return json.dumps(value) if isinstance(value, dict | list) else str(value)


def export_row(record: dict[str, Any]) -> dict[str, str | None]:
    """One API record (REST JSON of either kind) as a row of export columns."""
    row = {column: next((v for p in paths if (v := _value(record, p)) is not None), None)
           for column, paths in EXPORT_COLUMNS.items()}
    row["Tags"] = json.dumps(record["tags"]) if record.get("tags") else None
    return row


def _client(scope: str, credential: Any = None) -> Any:
    try:
        from azure.identity import DefaultAzureCredential
        from azure.mgmt.consumption import ConsumptionManagementClient
    except ImportError:
        raise CloudcarbonError("the Consumption API needs the Azure extra: pip install 'cloudcarbon[azure]'") from None
    match = SUBSCRIPTION_SCOPE.match(scope)
    # The client wants a subscription id even for billing-account scopes, where it is unused.
    subscription = match.group(1) if match else "00000000-0000-0000-0000-000000000000"
    return ConsumptionManagementClient(credential or DefaultAzureCredential(), subscription, **RETRY)


def write_pages(scope: str, window: Window, metric: str, folder: Path, credential: Any = None) -> list[str]:
    """Fetch every page of usage records of the window into `folder`, one Parquet file per page."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pa.schema([(column, pa.string()) for column in [*EXPORT_COLUMNS, "Tags"]])
    client = _client(scope, credential)
    files = []
    for first, last in month_chunks(window):
        pages = client.usage_details.list(
            scope.rstrip("/"),
            expand="properties/meterDetails,properties/additionalInfo",
            filter=f"properties/usageStart ge '{first:%Y-%m-%d}' and properties/usageEnd le '{last:%Y-%m-%d}'",
            metric=metric,
        ).by_page()
        for page in pages:
            rows = [export_row(item.as_dict()) for item in page]
            if rows:
                path = folder / f"page-{len(files) + 1:05d}.parquet"
                pq.write_table(pa.Table.from_pylist(rows, schema=schema), path)
                files.append(str(path))
    return files


def _api_error(scope: str, error: Exception) -> CloudcarbonError | None:
    """One line for the API's own refusals (auth, scope, throttling after retries), without headers or tokens."""
    friendly = azure_credential_error(scope, error)
    if friendly is not None:
        return friendly
    try:
        from azure.core.exceptions import HttpResponseError, ServiceRequestError
    except ImportError:
        return None
    if isinstance(error, HttpResponseError):
        code = getattr(error, "status_code", None)
        reason = (getattr(error, "error", None) and error.error.code) or getattr(error, "reason", "") or ""
        hint = {
            401: "sign in again (`az login`)",
            403: "grant the identity Cost Management Reader on the scope",
            404: "check the --scope",
            429: "the API is still throttling after retries; try again later or use an export",
        }.get(code or 0, "check the --scope and period")
        return InputError(f"Consumption API {scope}: HTTP {code} {reason}; {hint}")
    if isinstance(error, ServiceRequestError):
        return InputError(f"Consumption API {scope}: cannot reach management.azure.com; check the network")
    return None


def ingest_consumption(
    con: duckdb.DuckDBPyConnection,
    scope: str,
    window: Window,
    *,
    metric: str = "actualcost",
    credential: Any = None,
    progress: bool | None = None,
) -> IngestSummary:
    """Ingest the Consumption API's usage records for `scope` and the window (whole months are best:
    each billing period touched is replaced by what the API returned)."""
    if not scope.startswith("/"):
        raise UsageError(f"--scope {scope!r}: expected an ARM scope such as /subscriptions/<id>")
    if metric not in METRICS:
        raise UsageError(f"--metric {metric!r}: expected one of {', '.join(METRICS)}")
    folder = Path(tempfile.mkdtemp(prefix="cloudcarbon-azure-api-"))
    try:
        try:
            files = write_pages(scope, window, metric, folder, credential)
        except CloudcarbonError:
            raise
        except Exception as error:
            friendly = _api_error(scope, error)
            if friendly is None:
                raise
            raise friendly from None
        if not files:
            raise InputError(
                f"Consumption API {scope}: no usage records for {window.label()}; check the scope and period"
            )
        label = f"consumption-api:{scope}?metric={metric}&from={window.since:%Y-%m-%d}&to={window.until:%Y-%m-%d}"
        try:
            return ingest_files(con, files, {}, source_format=f"azure-consumption-api-{metric}",
                                source_label=label, progress=progress)
        except InputError as error:
            # Name the API response page, not the scratch file that held it.
            raise InputError(str(error).replace(f"{folder}/", f"Consumption API {scope} ")) from None
    finally:
        shutil.rmtree(folder, ignore_errors=True)
