"""`cloudcarbon ingest gcp-carbon --table`: read the Carbon Footprint export where it lives, in BigQuery, for the
months asked (the month travels as a query parameter; the table name is checked and quoted), then store it
exactly as an exported file of the same rows would be stored."""

from __future__ import annotations

from datetime import date, timedelta

import duckdb

from cloudcarbon import provider_emissions
from cloudcarbon.connectors import bigquery_runner
from cloudcarbon.connectors.gcp_carbon import formats
from cloudcarbon.connectors.gcp_carbon.ingest import GcpCarbonFiles
from cloudcarbon.errors import InputError, UsageError
from cloudcarbon.ingest import Batch, IngestSummary
from cloudcarbon.periods import Window, add_months

EXAMPLE_TABLE = "my-proj.carbon.carbon_footprint"
VIEW = "gcp_carbon_bigquery_rows"
# The export's RECORD fields, flattened in BigQuery to the names formats.py gives a flattened file.
FIELDS = {
    "usage_month": "CAST(usage_month AS STRING)",
    "billing_account_id": "billing_account_id",
    "project_id": "project.id",
    "project_number": "project.number",
    "service_id": "service.id",
    "service_description": "service.description",
    "location_location": "location.location",
    "location_region": "location.region",
    "carbon_model_version": "CAST(carbon_model_version AS STRING)",
    "carbon_footprint_kgco2e_scope1": "carbon_footprint_kgCO2e.scope1",
    "carbon_footprint_kgco2e_scope2_location_based": "carbon_footprint_kgCO2e.scope2.location_based",
    "carbon_footprint_kgco2e_scope2_market_based": "carbon_footprint_kgCO2e.scope2.market_based",
    "carbon_footprint_kgco2e_scope3": "carbon_footprint_kgCO2e.scope3",
    "carbon_footprint_total_kgco2e_location_based": "carbon_footprint_total_kgCO2e.location_based",
    "carbon_footprint_total_kgco2e_market_based": "carbon_footprint_total_kgCO2e.market_based",
}


def query_sql(table: str) -> str:
    """The BigQuery text reading the months [@first_month, @end_month) of `table`, fields flattened."""
    bigquery_runner.checked_table(table, EXAMPLE_TABLE)
    fields = ", ".join(f"{path} AS {name}" for name, path in FIELDS.items())
    return (f"SELECT {fields} FROM `{table}` WHERE usage_month >= @first_month AND usage_month < @end_month "
            "ORDER BY usage_month, billing_account_id, project_id, service_id, location_location")


def months(window: Window) -> tuple[date, date]:
    """The first month the window touches and the first month after its last (exclusive)."""
    if window.since is None or window.until is None:
        raise UsageError("--table needs --month YYYY-MM: the export holds every month since 2020 and BigQuery "
                         "bills by the bytes a query scans")
    last = (window.until - timedelta(microseconds=1)).date()
    return window.since.date().replace(day=1), add_months(last, 1)


def ingest_gcp_carbon_bigquery(con: duckdb.DuckDBPyConnection, table: str, *, window: Window,
                               billing_project: str | None = None, client: object | None = None,
                               progress: bool | None = None) -> IngestSummary:
    """Ingest the months `window` covers from the Carbon Footprint BigQuery export `table` into provider_emissions."""
    sql = query_sql(table)  # a malformed name or a missing period fails before any credential lookup
    first, end = months(window)
    arrow = bigquery_runner.run_query(client or bigquery_runner.client_for(billing_project, table), table, sql,
                                      [("first_month", "DATE", first), ("end_month", "DATE", end)])
    source = f"bigquery://{table}"
    con.register(VIEW, arrow)
    try:
        rows_read = con.execute(f"SELECT count(*) FROM {VIEW}").fetchall()[0][0]
        if rows_read == 0:
            raise InputError(f"BigQuery {table}: no Carbon Footprint rows for {first:%Y-%m} to {end:%Y-%m} "
                             "(exclusive); Google publishes a month around the 15th of the next one: check --month "
                             "and that the export is running")
        columns = ", ".join(formats.COLUMNS)
        source_sql = (f"SELECT {columns}, 'bigquery' AS container, $source AS source_file, "
                      f"row_number() OVER () AS source_row FROM {VIEW}")
        rows = GcpCarbonFiles()
        return provider_emissions.load(
            con, provider=rows.provider, source_format="gcp-carbon-bigquery", files=[source],
            batches=[Batch(rows.normalize(source_sql), {"source": source}, rows_read)], progress=progress)
    finally:
        con.unregister(VIEW)
