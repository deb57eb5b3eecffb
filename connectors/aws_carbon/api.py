"""`cloudcarbon ingest aws-carbon --api`: AWS's own figures read from the AWS Sustainability API
(GetEstimatedCarbonEmissions, boto3 client `sustainability`) for a window of months, by usage account, region and
service, every emissions type (location- and market-based totals, scope 1, scope 2 and scope 3 by method), into
provider_emissions through the same load as the export files (cloudcarbon/provider_emissions.py)."""

from __future__ import annotations

import json
from typing import Any

import duckdb

from cloudcarbon import provider_emissions
from cloudcarbon.connectors.base import connector_sql
from cloudcarbon.errors import CloudcarbonError, InputError, UsageError
from cloudcarbon.ingest import Batch, IngestSummary
from cloudcarbon.periods import Window

# The label the store records as the source of every figure read from the API.
SOURCE = "aws-sustainability-api:GetEstimatedCarbonEmissions"
EMISSIONS_TYPES = ["TOTAL_LBM_CARBON_EMISSIONS", "TOTAL_MBM_CARBON_EMISSIONS", "TOTAL_SCOPE_1_CARBON_EMISSIONS",
                   "TOTAL_SCOPE_2_LBM_CARBON_EMISSIONS", "TOTAL_SCOPE_2_MBM_CARBON_EMISSIONS",
                   "TOTAL_SCOPE_3_LBM_CARBON_EMISSIONS", "TOTAL_SCOPE_3_MBM_CARBON_EMISSIONS"]
GROUP_BY = ["USAGE_ACCOUNT_ID", "REGION", "SERVICE"]
# Bounded retries and timeouts, as for S3 (connectors/remote.py).
CLIENT_CONFIG = {"retries": {"max_attempts": 3, "mode": "standard"}, "connect_timeout": 10, "read_timeout": 60}
# The region whose endpoint serves the API when neither --region nor the profile names one.
DEFAULT_REGION = "us-east-1"


def client(profile: str | None, region: str | None) -> Any:
    """A `sustainability` client on the boto3 credential chain (tests replace it with a stubbed one)."""
    try:
        import boto3
        from botocore.config import Config
    except ImportError:
        raise CloudcarbonError("--api needs the AWS extra: pip install 'cloudcarbon[aws]'") from None
    session = boto3.session.Session(profile_name=profile)
    return session.client("sustainability", region_name=region or session.region_name or DEFAULT_REGION,
                          config=Config(**CLIENT_CONFIG))


def _api_error(error: Exception, profile: str | None) -> InputError | None:
    """One line for what the API or the credential chain refused (never a secret)."""
    from botocore import exceptions as boto

    from cloudcarbon.connectors.remote import s3_error

    if isinstance(error, boto.ClientError):
        code = error.response.get("Error", {}).get("Code", "error")
        message = error.response.get("Error", {}).get("Message", "")
        hint = ("; the caller needs sustainability:GetEstimatedCarbonEmissions" if "Denied" in code
                else "; check the period and retry")
        return InputError(f"{SOURCE}: {code}: {message}{hint}")
    if isinstance(error, boto.EndpointConnectionError | boto.ConnectTimeoutError | boto.ReadTimeoutError):
        return InputError(f"{SOURCE}: cannot reach the AWS Sustainability API ({error}); check the network and "
                          "--region, then retry")
    return s3_error(SOURCE, error, profile)  # the credential chain's errors, worded as for S3 reads


def _pages(api: Any, window: Window) -> list[dict[str, Any]]:
    paginator = api.get_paginator("get_estimated_carbon_emissions")
    request = {"TimePeriod": {"Start": window.since, "End": window.until}, "GroupBy": GROUP_BY,
               "EmissionsTypes": EMISSIONS_TYPES, "Granularity": "MONTHLY"}
    return list(paginator.paginate(**request))


def ingest_api(con: duckdb.DuckDBPyConnection, *, window: Window, profile: str | None = None,
               region: str | None = None, progress: bool | None = None) -> IngestSummary:
    """Read the window's monthly figures from the Sustainability API into provider_emissions."""
    if window.since is None or window.until is None:
        raise UsageError("--api reads a period: give --month, or --since and --until")
    api = client(profile, region)
    try:
        pages = _pages(api, window)
    except Exception as error:  # botocore's errors after its retries, and the credential chain's
        friendly = _api_error(error, profile)
        if friendly is None:
            raise
        raise friendly from None
    results = [result for page in pages for result in page.get("Results", [])]
    if not results:
        raise InputError(f"{SOURCE}: no emissions for {window.label()}; AWS publishes a month about three months "
                         "after it ends")
    # The results as JSON text (timestamps as ISO 8601): the normalising SQL unnests them.
    text = json.dumps(results, default=lambda value: value.isoformat())
    batch = Batch(f"SELECT * FROM ({connector_sql(__package__, 'api_normalize')})",
                  {"results": text, "source": SOURCE}, len(results))
    return provider_emissions.load(con, provider="AWS", source_format="aws-sustainability-api", files=[SOURCE],
                                   batches=[batch], progress=progress)
