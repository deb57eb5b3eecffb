"""Recognise Microsoft's Carbon Optimization emissions reports and rename them into the `azure_carbon_src` relation
that normalize.sql reads.

Two shapes:
- JSON: what `POST /providers/Microsoft.Carbon/carbonEmissionReports` returns (`{value: [...], skipToken,
  subscriptionAccessDecisionList}`), either the response body alone or the request beside it as the REST API's own
  examples write it (`{parameters: {queryParameters: ...}, responses: {"200": {body: ...}}}`; `--scope` saves its
  pages that way). The body alone says neither the month (item-detail rows carry no date) nor the carbon scopes
  asked for: the request, or --month and --carbon-scopes, supply them.
- CSV: the same items as a table, columns named as the API's fields (subscriptionId, resourceGroup, resourceId,
  resourceType, location, latestMonthEmissions, optionally date and carbonScopeList).

Figures are in kg CO2e (the API's unit). Only items tied to a subscription are accepted (categoryType Resource or
Subscription): a summary over every subscription cannot be set beside one subscription's usage.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from cloudcarbon.connectors.read_errors import explain_read_error
from cloudcarbon.errors import InputError

CSV_OPTIONS = ("header = true, all_varchar = true, delim = ',', quote = '\"', escape = '\"', null_padding = true, "
               "union_by_name = true, nullstr = ['', 'NULL']")
# The API's item fields (its camelCase, lower-cased for matching) -> the source relation's columns.
FIELDS = {"datatype": "data_type", "categorytype": "category_type", "itemname": "item_name",
          "subscriptionid": "subscription_id", "resourcegroup": "resource_group", "resourceid": "resource_id",
          "resourcetype": "resource_type", "location": "location", "latestmonthemissions": "emissions",
          "date": "item_date", "carbonscopelist": "carbon_scopes"}
API_FIELDS = ("dataType", "categoryType", "itemName", "subscriptionId", "resourceGroup", "resourceId", "resourceType",
              "location", "latestMonthEmissions", "date", "carbonScopeList")
SCOPES = ("Scope1", "Scope2", "Scope3")


@dataclass(frozen=True)
class Detected:
    file: str
    container: str  # json | csv
    columns: dict[str, str]  # lower-cased field -> the file's own spelling (CSV)

    @property
    def format(self) -> str:
        return f"azure-carbon-{self.container}"

    def spelled(self, column: str) -> str | None:
        """A source relation column as the file names it: the CSV's header, or the API's camelCase field."""
        field = next((f for f, c in FIELDS.items() if c == column), None)
        if field is None:
            return None
        return self.columns.get(field) or next(name for name in API_FIELDS if name.lower() == field)


def container_of(file: str) -> str:
    return "csv" if file.lower().removesuffix(".gz").endswith(".csv") else "json"


def _json_shape(con: duckdb.DuckDBPyConnection, file: str) -> tuple[str | None, int]:
    """The first item's dataType and how many items the document holds (-1: no `value` list)."""
    try:
        row = con.execute(
            """
            SELECT json_valid(content),
                   coalesce(json_extract(TRY_CAST(content AS JSON), '$.responses.200.body'), TRY_CAST(content AS JSON))
            FROM read_text($file)
            """, {"file": file}).fetchall()
    except duckdb.Error as error:
        raise InputError(f"{file}: {explain_read_error(error, 'csv')}") from None
    valid, body = row[0]
    if not valid:
        raise InputError(f"{file}: is not a whole JSON document (cut off or not JSON); save the API's response again")
    items = con.execute("SELECT json_type($b, '$.value'), json_array_length($b, '$.value'), "
                        "json_extract_string($b, '$.value[0].dataType')", {"b": body}).fetchall()[0]
    kind, count, data_type = items
    return (data_type, count if kind == "ARRAY" else -1)


def _csv_columns(con: duckdb.DuckDBPyConnection, file: str) -> dict[str, str]:
    try:
        rows = con.execute(f"DESCRIBE SELECT * FROM read_csv($file, {CSV_OPTIONS})", {"file": file}).fetchall()
    except duckdb.Error as error:
        raise InputError(f"{file}: {explain_read_error(error, 'csv')}") from None
    return {name.lstrip("\ufeff").strip().lower(): name for name, *_ in rows}


def detect(con: duckdb.DuckDBPyConnection, file: str, size: int | None) -> Detected:
    """Refuse anything but an emissions report of items tied to subscriptions."""
    if size == 0:
        raise InputError(f"{file}: the file is empty; save the Carbon Optimization report again")
    container = container_of(file)
    if container == "csv":
        columns = _csv_columns(con, file)
        if "latestmonthemissions" not in columns or "subscriptionid" not in columns:
            raise InputError(f"{file}: has no latestMonthEmissions and subscriptionId columns, so it is not an Azure "
                             "Carbon Optimization emissions report; use `ingest azure` for cost exports")
        return Detected(file, container, columns)
    data_type, count = _json_shape(con, file)
    if count < 0:
        raise InputError(f"{file}: has no `value` list, so it is not a carbonEmissionReports response; save the "
                         "API's response body (or use `ingest azure-carbon --scope`)")
    if count and data_type not in ("ItemDetailsData", "ResourceItemDetailsData"):
        raise InputError(f"{file}: holds {data_type or 'items without a dataType'}, a summary over subscriptions; "
                         "request reportType ItemDetailsReport with categoryType Resource (or Subscription), so that "
                         "each subscription's figures can be set beside its usage")
    return Detected(file, container, {})


def source_select(group: list[Detected], month: str | None, scopes: list[str] | None) -> str:
    """SELECT producing `azure_carbon_src` over $files (one container). `month` (YYYY-MM-01) and `scopes` are the
    user's --month and --carbon-scopes, already checked: they fill in what a file does not say."""
    fallback_month = f"DATE '{month}'" if month else "NULL::DATE"
    fallback_scopes = f"'{','.join(scopes)}'" if scopes else "NULL"
    if group[0].container == "csv":
        union: dict[str, str] = {}
        for item in group:
            union.update(item.columns)
        select = ", ".join(f'"{union[field]}" AS {column}' if field in union else f"NULL AS {column}"
                           for field, column in FIELDS.items())
        return f"""
        SELECT {select},
               NULL::DATE AS request_month, {fallback_month} AS option_month, {fallback_scopes} AS option_scopes,
               'csv' AS container, filename AS source_file, row_number() OVER (PARTITION BY filename) AS source_row
        FROM read_csv($files, {CSV_OPTIONS}, filename = true)
        """
    fields = ", ".join(f"item ->> '$.{name}' AS {FIELDS[name.lower()]}" for name in API_FIELDS[:-1])
    return f"""
    WITH docs AS (
        SELECT filename AS source_file, CAST(content AS JSON) AS doc FROM read_text($files)
    ),
    bodies AS (
        SELECT source_file,
               CAST(coalesce(json_extract(doc, '$.responses.200.body.value'), json_extract(doc, '$.value'))
                    AS JSON[]) AS items,
               json_extract(doc, '$.parameters.queryParameters') AS query
        FROM docs
    ),
    numbered AS (
        SELECT source_file, query, unnest(items) AS item, unnest(range(1, len(items) + 1)) AS source_row FROM bodies
    )
    SELECT {fields},
           array_to_string(CAST(json_extract(query, '$.carbonScopeList') AS VARCHAR[]), ',') AS carbon_scopes,
           CASE WHEN query ->> '$.dateRange.start' = query ->> '$.dateRange.end'
                THEN TRY_CAST(query ->> '$.dateRange.start' AS DATE) END AS request_month,
           {fallback_month} AS option_month, {fallback_scopes} AS option_scopes,
           'json' AS container, source_file, source_row
    FROM numbered
    """
